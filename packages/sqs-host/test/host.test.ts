import { Database as CoreDatabase, Telemetry, UserDirectory } from "@ram-delius/core"
import { ConfigProvider, Effect, Option } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import { devStackWanted, sqsHostConfig } from "../src/config.js"
import { sendFixtureEvent } from "../src/devStack.js"
import { onShutdownSignals, startQueueHost, type QueueHost } from "../src/host.js"
import { errorVisibilityFor } from "../src/poller.js"
import { createDevDatabase, fixtureFile, waitFor } from "./support/harness.js"

const config = (env: Record<string, string>) =>
  Effect.runPromise(Effect.withConfigProvider(sqsHostConfig, ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("configuration (config.ts)", () => {
  it("defaults: the queue name, eu-west-2, 4 in flight, 20 s long polls, 1/10/60 s back-off", async () => {
    const c = await config({})
    expect(c).toMatchObject({
      queue: "refer-and-monitor-and-delius-queue",
      region: "eu-west-2",
      endpoint: Option.none(),
      consumer: { concurrency: 4, waitTimeSeconds: 20, errorVisibilityTimeouts: [1, 10, 60] }
    })
  })

  it("reads the environment", async () => {
    const c = await config({
      MESSAGING_CONSUMER_QUEUE: "https://sqs.eu-west-2.amazonaws.com/754256621582/q",
      AWS_ENDPOINT_URL_SQS: "http://localhost:4566",
      QUEUE_CONCURRENCY: "8",
      QUEUE_ERROR_VISIBILITY_TIMEOUTS: "0,5,30,600"
    })
    expect(c.queue).toBe("https://sqs.eu-west-2.amazonaws.com/754256621582/q")
    expect(c.endpoint).toEqual(Option.some("http://localhost:4566"))
    expect(c.consumer.concurrency).toBe(8)
    expect(c.consumer.errorVisibilityTimeouts).toEqual([0, 5, 30, 600])
    await expect(config({ QUEUE_CONCURRENCY: "0" })).rejects.toThrow(/QUEUE_CONCURRENCY/)
  })

  it("starts the dev stack only on a developer's machine: no SQS endpoint and no HMPPS Auth", async () => {
    expect(devStackWanted(await config({}))).toBe(true)
    expect(devStackWanted(await config({ AWS_ENDPOINT_URL_SQS: "http://localhost:4566" }))).toBe(false)
    // A deployment on AWS has no endpoint override, but always HMPPS Auth for the R&M callbacks.
    expect(devStackWanted(await config({ HMPPS_AUTH_URL: "https://sign-in.hmpps.service.justice.gov.uk/auth" }))).toBe(
      false
    )
    expect(devStackWanted(await config({ HMPPS_AUTH_URL: "https://x/auth", QUEUE_DEV_STACK: "true" }))).toBe(true)
    expect(devStackWanted(await config({ QUEUE_DEV_STACK: "false" }))).toBe(false)
  })

  it("error visibility by receive count: entry n after receive n, the last entry reused", () => {
    expect([1, 2, 3, 4].map((n) => errorVisibilityFor([1, 10, 60], n))).toEqual([1, 10, 60, 60])
    expect(errorVisibilityFor([], 2)).toBe(0)
  })
})

describe("queue host (main)", () => {
  let host: QueueHost | undefined
  let removeHandlers: (() => void) | undefined
  afterEach(async () => {
    removeHandlers?.()
    await host?.stop()
    host = undefined
  })

  it("dev stack + core from configuration: a fixture sent like `events send` is processed (token from the stub); SIGTERM drains, then exits 0", async () => {
    const db = await createDevDatabase()
    try {
      host = await startQueueHost({
        configProvider: ConfigProvider.fromMap(
          new Map([
            ["DEV_SQS_PORT", "0"],
            ["DEV_REFER_AND_MONITOR_PORT", "0"],
            ["QUEUE_WAIT_TIME_SECONDS", "1"]
          ])
        ),
        core: {
          database: CoreDatabase.layerFromUrl(db.url),
          telemetry: Telemetry.testLayer,
          directory: UserDirectory.embedded()
        }
      })
      const stack = host.devStack!
      expect(stack).toBeDefined()
      await sendFixtureEvent({
        file: fixtureFile("session-appointment-feedback-submitted-compliant"),
        stubPort: stack.referAndMonitor.port,
        queueUrl: stack.queueUrl,
        client: host.client
      })
      await waitFor("processed", () => host!.consumer.stats.succeeded === 1)
      expect(stack.referAndMonitor.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "POST /auth/oauth/token",
        "GET /referral/68df9f6c-3fcb-4ec6-8fcf-96551cd9b080/sessions/2"
      ])
      expect(await host.consumer.health()).toMatchObject({
        status: "UP",
        details: {
          queueName: "refer-and-monitor-and-delius-queue",
          dlqName: "refer-and-monitor-and-delius-dlq",
          dlqStatus: "UP"
        },
        consumer: { succeeded: 1, state: "running" }
      })

      const exit = vi.fn()
      removeHandlers = onShutdownSignals(host.stop, exit)
      process.emit("SIGTERM", "SIGTERM")
      await waitFor("exit", () => exit.mock.calls.length > 0)
      expect(exit).toHaveBeenCalledWith(0)
      expect(host.consumer.state).toBe("stopped")
    } finally {
      await host?.stop()
      await db.drop()
    }
  })
})
