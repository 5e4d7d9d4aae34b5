import { startFauxqs } from "fauxqs"
import { afterEach, describe, expect, it } from "vitest"
import { MAX_RECEIVE_COUNT } from "../src/config.js"
import { contact, startHarness, waitFor, type Harness } from "./support/harness.js"

/**
 * Transport behaviour: graceful drain (with messages waiting for a handler slot), the visibility heartbeat, and
 * receive errors that never end the loop.
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
  it("stop with messages in flight and waiting: every message received is handled and deleted before the consumer stops", async () => {
    h = await startHarness()
    // Slow R&M, so that stop() lands while one handler runs and the other messages wait for its slot.
    h.stub.use((request) => (request.path.startsWith("/referral/") ? { delayMillis: 400 } : undefined))
    for (const [fixture] of feedback) await h.sendFixture(fixture)
    const consumer = await h.start({ concurrency: 1 })
    await waitFor("one handled, three waiting", () => consumer.stats.inFlight === 4 && consumer.stats.waiting === 3)
    // What the shutdown timeout's log line would name: every message received and not finished.
    expect(consumer.inFlight()).toHaveLength(4)
    for (const line of consumer.inFlight())
      expect(line).toMatch(/^intervention\.session-appointment\.session-feedback-submitted \(message [0-9a-f-]{36}\)$/)

    await consumer.stop()

    expect(consumer.state).toBe("stopped")
    expect(consumer.stats).toMatchObject({ received: 4, succeeded: 4, inFlight: 0, waiting: 0, failed: 0 })
    for (const [, id, outcome] of feedback) expect(contact(h, id)?.OUTCOME).toBe(outcome)
    expect(h.queue().total).toBe(0)
  })

  it("drain timeout: the messages not finished, handled or waiting, are not deleted and are redelivered", async () => {
    h = await startHarness()
    let slow = true
    h.stub.use((request) => (slow && request.path.startsWith("/referral/") ? { delayMillis: 3_000 } : undefined))
    const [[first], [second]] = feedback
    await h.sendFixture(first)
    await h.sendFixture(second)
    // A short visibility, so that the unacknowledged messages come back within the test.
    const stopped = await h.start({ concurrency: 1, drainTimeoutMillis: 300, visibilityTimeoutSeconds: 2 })
    await waitFor("one handled, one waiting", () => stopped.stats.inFlight === 2 && stopped.stats.waiting === 1)

    await stopped.stop()

    expect(stopped.stats).toMatchObject({ received: 2, succeeded: 0, inFlight: 0, waiting: 0 })
    expect(h.queue().total).toBe(2)
    expect(contact(h, feedback[0][1])?.OUTCOME).not.toBe(feedback[0][2])

    slow = false
    const next = await h.start({ concurrency: 1 })
    await waitFor("both redelivered and handled", () => next.stats.succeeded === 2 && h!.queue().total === 0)
    expect(contact(h, feedback[0][1])?.OUTCOME).toBe(feedback[0][2])
    expect(contact(h, feedback[1][1])?.OUTCOME).toBe(feedback[1][2])
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

  it("a message waiting for a handler slot longer than the visibility timeout stays invisible: received once, handled once", async () => {
    h = await startHarness()
    h.stub.use((request) => (request.path.startsWith("/referral/") ? { delayMillis: 4_500 } : undefined))
    const [[first, , firstOutcome], [second, secondId, secondOutcome]] = feedback
    await h.sendFixture(first)
    await h.sendFixture(second)
    // One handler slot: the second message waits 4.5 s for it, past its 3 s visibility, renewed every second.
    const consumer = await h.start({ concurrency: 1, visibilityTimeoutSeconds: 3 })
    await waitFor("both processed", () => consumer.stats.succeeded === 2 && h!.queue().total === 0, 20_000)

    expect(consumer.stats).toMatchObject({ received: 2, succeeded: 2, failed: 0 })
    expect(h.stub.requests.filter((request) => request.path.startsWith("/referral/"))).toHaveLength(2)
    expect(contact(h, feedback[0][1])?.OUTCOME).toBe(firstOutcome)
    expect(contact(h, secondId)?.OUTCOME).toBe(secondOutcome)
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
