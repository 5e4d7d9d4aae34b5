import { SendMessageCommand } from "@aws-sdk/client-sqs"
import { Database as CoreDatabase, Telemetry, UserDirectory } from "@ram-delius/core"
import { createServer, request, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { type DevStack, startDevStack } from "../src/devStack.js"
import { type HealthServer, startHealthServer } from "../src/healthServer.js"
import { queueHostInfo, type QueueHost, startQueueHost } from "../src/host.js"
import { createDevDatabase, waitFor } from "./support/harness.js"

/**
 * MESSAGING_CONSUMER_ENABLED=false and READ_ONLY=true: the queue host starts, reports UP, says so on /info, and never
 * calls ReceiveMessage — every SQS call it makes is counted on its way to the emulator (a proxy on loopback reading
 * the `X-Amz-Target` of each request), so the absence of a receive is observed, not assumed.
 */

interface Proxy {
  readonly url: string
  readonly calls: Array<string>
  readonly close: () => Promise<void>
}

const startProxy = async (target: string): Promise<Proxy> => {
  const calls: Array<string> = []
  const upstream = new URL(target)
  const server: Server = createServer((req, res) => {
    calls.push(String(req.headers["x-amz-target"] ?? "?").replace(/^AmazonSQS\./, ""))
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    forward.on("error", () => res.destroy())
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

let stack: DevStack
let proxy: Proxy
let db: Awaited<ReturnType<typeof createDevDatabase>>
let host: QueueHost | undefined
let health: HealthServer | undefined

beforeEach(async () => {
  stack = await startDevStack({ sqsPort: 0, referAndMonitorPort: 0 })
  proxy = await startProxy(stack.connection.endpoint)
  db = await createDevDatabase()
  await stack.client.send(new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: '{"eventType":"x"}' }))
  // The host reads its configuration from the environment, as deployed; the SDK its credentials.
  vi.stubEnv("AWS_ENDPOINT_URL_SQS", proxy.url)
  vi.stubEnv("AWS_ACCESS_KEY_ID", "dev")
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "dev")
  vi.stubEnv("QUEUE_DEV_STACK", "false")
  vi.stubEnv("QUEUE_WAIT_TIME_SECONDS", "1")
  vi.stubEnv("HMPPS_AUTH_URL", "")
})

afterEach(async () => {
  await health?.close()
  await host?.stop()
  host = undefined
  health = undefined
  vi.unstubAllEnvs()
  await proxy.close()
  await stack.close()
  await db.drop()
})

const start = async (env: Record<string, string>) => {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
  host = await startQueueHost({
    core: {
      database: CoreDatabase.layerFromUrl(db.url),
      telemetry: Telemetry.testLayer,
      directory: UserDirectory.embedded()
    }
  })
  health = await startHealthServer({ port: 0, host: "127.0.0.1", consumer: host.consumer, info: queueHostInfo() })
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${health!.port}${path}`)
    return { status: response.status, body: (await response.json()) as any }
  }
  return { get }
}

const onQueue = () => {
  const queue = stack.sqs.inspectQueue("refer-and-monitor-and-delius-queue")!
  return { ready: queue.messages.ready.length, inflight: queue.messages.inflight.length }
}

/** Long enough for an enabled consumer to have polled several times (1 s long polls); then no receive may be seen. */
const quietWindow = () => new Promise((resolve) => setTimeout(resolve, 3_000))

describe.each([
  ["MESSAGING_CONSUMER_ENABLED=false", { MESSAGING_CONSUMER_ENABLED: "false" }, "MESSAGING_CONSUMER_ENABLED"],
  ["READ_ONLY=true", { READ_ONLY: "true" }, "READ_ONLY"]
])("%s", (_name, env, disabledBy) => {
  it("no ReceiveMessage at all, the message stays on the queue, health UP, /info says so", async () => {
    const { get } = await start(env)
    const ready = await get("/health/readiness")
    expect(ready.status).toBe(200)
    expect(ready.body).toMatchObject({
      status: "UP",
      components: {
        db: { status: "UP" },
        queue: { status: "UP", details: { messagesOnQueue: "1" }, consumer: { state: "disabled", disabledBy } }
      }
    })
    await quietWindow()
    // The host did talk to SQS (health), just never to receive.
    expect(proxy.calls).toContain("GetQueueAttributes")
    expect(proxy.calls).not.toContain("ReceiveMessage")
    expect(onQueue()).toEqual({ ready: 1, inflight: 0 })
    const info = await get("/info")
    expect(info.body.operational).toMatchObject({
      consumer: { enabled: false, disabledBy, queue: "refer-and-monitor-and-delius-queue" },
      readOnly: disabledBy === "READ_ONLY"
    })
  }, 60_000)
})

it("switched on, the same host receives (the checks above can fail)", async () => {
  const { get } = await start({ MESSAGING_CONSUMER_ENABLED: "true" })
  await waitFor("a ReceiveMessage call", () => proxy.calls.includes("ReceiveMessage"), 30_000)
  expect((await get("/info")).body.operational.consumer).toEqual({
    enabled: true,
    queue: "refer-and-monitor-and-delius-queue"
  })
}, 60_000)

it("/info's default queue (core) is the queue host's own default", async () => {
  const core = await import("@ram-delius/core")
  const { DEFAULT_QUEUE_NAME } = await import("../src/config.js")
  expect(core.DEFAULT_QUEUE_NAME).toBe(DEFAULT_QUEUE_NAME)
})
