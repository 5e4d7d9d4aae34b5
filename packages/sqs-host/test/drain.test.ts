import { startFauxqs } from "fauxqs"
import { afterEach, describe, expect, it } from "vitest"
import { MAX_RECEIVE_COUNT } from "../src/config.js"
import { contact, startHarness, waitFor, type Harness } from "./support/harness.js"

/**
 * Transport behaviour: graceful drain, the visibility heartbeat, and receive errors that never end the loop.
 */
let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const feedback = [
  ["session-appointment-feedback-submitted-compliant", 2, "ATTC"],
  ["session-appointment-feedback-submitted-not-attended", 3, "AFTA"],
  ["session-appointment-feedback-submitted-no-session", 4, "ATSS"],
  ["session-appointment-feedback-submitted-non-compliant", 1, "AFTC"]
] as const

describe("graceful drain", () => {
  it("stop during a batch: the messages in flight complete and are deleted; the rest stay on the queue and are processed later", async () => {
    h = await startHarness()
    // Slow R&M, so that stop() lands while handlers are running.
    h.stub.use((request) => (request.path.startsWith("/referral/") ? { delayMillis: 700 } : undefined))
    for (const [fixture] of feedback) await h.sendFixture(fixture)
    const first = await h.start({ concurrency: 2 })
    await waitFor("two handlers in flight", () => first.stats.inFlight === 2)

    await first.stop()

    expect(first.state).toBe("stopped")
    expect(first.stats).toMatchObject({ received: 2, succeeded: 2, inFlight: 0, failed: 0 })
    const done = feedback.filter(([, id, outcome]) => contact(h!, id)?.OUTCOME === outcome)
    expect(done).toHaveLength(2)
    // Nothing acknowledged that was not done: the two others were never received and are still there.
    expect(h.queue()).toMatchObject({ total: 2, inflight: 0 })

    const second = await h.start({ concurrency: 2 })
    await waitFor("the rest processed", () => second.stats.succeeded === 2 && h!.queue().total === 0)
    for (const [, id, outcome] of feedback) expect(contact(h, id)?.OUTCOME).toBe(outcome)
  })

  it("stop while idle aborts the long poll instead of waiting it out", async () => {
    h = await startHarness()
    const consumer = await h.start({ waitTimeSeconds: 20 })
    await waitFor("running", () => consumer.state === "running")
    await new Promise((resolve) => setTimeout(resolve, 200))
    const started = Date.now()
    await consumer.stop()
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(consumer.state).toBe("stopped")
  })
})

describe("visibility heartbeat", () => {
  it("a handler that outlives the visibility timeout keeps its message: received once, processed once, deleted", async () => {
    h = await startHarness()
    h.stub.use((request) => (request.path.startsWith("/referral/") ? { delayMillis: 4_500 } : undefined))
    // Visibility 3 s, renewed every second; R&M answers after 4.5 s (within its 1 s + 5 s timeouts).
    const consumer = await h.start({ visibilityTimeoutSeconds: 3 })
    await h.sendFixture("session-appointment-feedback-submitted-compliant")
    await waitFor("processed", () => consumer.stats.succeeded === 1 && h!.queue().total === 0, 15_000)

    expect(consumer.stats).toMatchObject({ received: 1, succeeded: 1 })
    expect(h.stub.requests.filter((request) => request.path.startsWith("/referral/"))).toHaveLength(1)
  })
})

describe("receive errors", () => {
  it("SQS unreachable: receives back off and retry, the loop survives, and consumption resumes when SQS is back", async () => {
    h = await startHarness()
    const consumer = await h.start({ receiveErrorBackoffMillis: { initial: 50, max: 200 } })
    await waitFor("running", () => consumer.state === "running")
    const port = h.stack.sqs.port
    await h.stack.sqs.stop()
    await waitFor("receive errors", () => consumer.stats.receiveErrors >= 3)
    expect(consumer.state).toBe("running")
    expect((await consumer.health()).status).toBe("DOWN")

    // The same endpoint comes back (same port, same queue names → the same queue URL).
    const revived = await startFauxqs({ port, logger: false, defaultRegion: "eu-west-2" })
    try {
      const dlq = revived.createQueue("refer-and-monitor-and-delius-dlq", { region: "eu-west-2" })
      revived.createQueue("refer-and-monitor-and-delius-queue", {
        region: "eu-west-2",
        attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlq.queueArn,
            maxReceiveCount: String(MAX_RECEIVE_COUNT)
          })
        }
      })
      await h.sendFixture("action-plan-submitted")
      await waitFor("processed after SQS came back", () => consumer.stats.succeeded === 1)
      expect((await consumer.health()).status).toBe("UP")
      await consumer.stop()
    } finally {
      await revived.stop()
    }
  })
})
