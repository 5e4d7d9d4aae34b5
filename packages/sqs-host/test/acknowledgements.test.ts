import {
  type DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { Effect, Either, Fiber } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { makeAcknowledgements, type Acknowledgements } from "../src/acknowledgements.js"
import { startDevStack, type DevStack } from "../src/devStack.js"
import { contact, startHarness, waitFor, type Harness } from "./support/harness.js"

/**
 * Deletions in DeleteMessageBatch calls, against the emulator: each entry gets its own outcome, a drain sends what is
 * waiting for a batch at once, and a deleted message is never delivered again.
 */
let stack: DevStack | undefined
let h: Harness | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
  await h?.close()
  h = undefined
})

const inspect = (dev: DevStack) => dev.sqs.inspectQueue("refer-and-monitor-and-delius-queue")!.messages

/** `n` messages sent and received: their receipt handles. */
const received = async (dev: DevStack, n: number) => {
  await dev.client.send(
    new SendMessageBatchCommand({
      QueueUrl: dev.queueUrl,
      Entries: Array.from({ length: n }, (_, i) => ({ Id: String(i), MessageBody: `message ${i}` }))
    })
  )
  const output = await dev.client.send(
    new ReceiveMessageCommand({ QueueUrl: dev.queueUrl, MaxNumberOfMessages: n, VisibilityTimeout: 60 })
  )
  return (output.Messages ?? []).map((message) => message.ReceiptHandle!)
}

describe("DeleteMessageBatch acknowledgements", () => {
  // The emulator deletes with any receipt handle and never reports a failed entry (fauxqs deleteMessageBatch), so
  // what SQS answers for a stale handle is given by a client that answers as SQS does: a pure unit test.
  const answering = (answer: (input: DeleteMessageBatchCommand["input"]) => Promise<unknown>) => {
    const calls: Array<DeleteMessageBatchCommand["input"]> = []
    const client = {
      send: (command: DeleteMessageBatchCommand) => {
        calls.push(command.input)
        return answer(command.input)
      }
    } as unknown as SQSClient
    return { client, calls }
  }
  const deleteAll = (acknowledgements: Acknowledgements, handles: ReadonlyArray<string>) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const waiting = yield* Effect.forEach(handles, (handle) =>
          Effect.fork(Effect.either(acknowledgements.delete(handle)))
        )
        yield* Effect.yieldNow()
        yield* acknowledgements.flushNow
        return yield* Fiber.joinAll(waiting)
      })
    )

  it("a batch with a bad receipt handle fails exactly that entry, in one call; the others are deleted", async () => {
    const { client, calls } = answering(async () => ({
      Successful: [{ Id: "0" }, { Id: "2" }],
      Failed: [{ Id: "1", SenderFault: true, Code: "ReceiptHandleIsInvalid", Message: "The receipt handle is invalid" }]
    }))
    const outcomes = await deleteAll(makeAcknowledgements(client, "http://sqs/queue", 60_000), ["a", "bad", "c"])

    expect(calls).toEqual([
      {
        QueueUrl: "http://sqs/queue",
        Entries: [
          { Id: "0", ReceiptHandle: "a" },
          { Id: "1", ReceiptHandle: "bad" },
          { Id: "2", ReceiptHandle: "c" }
        ]
      }
    ])
    expect(outcomes.map(Either.isRight)).toEqual([true, false, true])
    expect(Either.isLeft(outcomes[1]!) && outcomes[1].left.message).toBe(
      "SQS DeleteMessageBatch failed: ReceiptHandleIsInvalid: The receipt handle is invalid"
    )
  })

  it("a call that keeps failing is retried twice, then every entry fails with its error", async () => {
    const { client, calls } = answering(() => Promise.reject(new Error("socket hang up")))
    const outcomes = await deleteAll(makeAcknowledgements(client, "http://sqs/queue", 60_000), ["a", "b"])

    expect(calls).toHaveLength(3)
    expect(outcomes.map((outcome) => Either.isLeft(outcome) && outcome.left.message)).toEqual([
      "SQS DeleteMessageBatch failed: Error: socket hang up",
      "SQS DeleteMessageBatch failed: Error: socket hang up"
    ])
  })

  it("more than ten deletions: batches of ten", async () => {
    const { client, calls } = answering(async (input) => ({
      Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id })),
      Failed: []
    }))
    const handles = Array.from({ length: 12 }, (_, i) => `handle ${i}`)
    const outcomes = await deleteAll(makeAcknowledgements(client, "http://sqs/queue", 60_000), handles)

    expect(calls.map((call) => call.Entries?.length)).toEqual([10, 2])
    expect(outcomes.every(Either.isRight)).toBe(true)
  })

  it("deletions waiting for their batch are sent when the drain flushes, not after the window", async () => {
    stack = await startDevStack({ sqsPort: 0, referAndMonitorPort: 0 })
    const handles = await received(stack, 3)
    // A window no test waits out: only the flush can send them.
    const acknowledgements = makeAcknowledgements(stack.client, stack.queueUrl, 600_000)

    await Effect.runPromise(
      Effect.gen(function* () {
        const waiting = yield* Effect.forEach(handles, (handle) => Effect.fork(acknowledgements.delete(handle)))
        yield* Effect.yieldNow()
        expect(inspect(stack!).inflight).toHaveLength(3)
        yield* acknowledgements.flushNow
        yield* Fiber.joinAll(waiting)
        // After a flush, a deletion goes at once.
        const [late] = yield* Effect.promise(() => received(stack!, 1))
        yield* acknowledgements.delete(late!)
      })
    )

    expect(inspect(stack).inflight).toHaveLength(0)
    expect(inspect(stack).ready).toHaveLength(0)
  })

  it("a consumer deletes every handled message (none redelivered), and stop sends the last batch before it returns", async () => {
    h = await startHarness()
    const fixtures = [
      ["session-appointment-feedback-submitted-compliant", 2, "ATTC"],
      ["session-appointment-feedback-submitted-not-attended", 3, "AFTA"],
      ["session-appointment-feedback-submitted-no-session", 4, "ATSS"],
      ["session-appointment-feedback-submitted-non-compliant", 1, "AFTC"]
    ] as const
    for (const [fixture] of fixtures) await h.sendFixture(fixture)
    const consumer = await h.start({ visibilityTimeoutSeconds: 3 })
    await waitFor("all outcomes written", () =>
      fixtures.every(([, id, outcome]) => contact(h!, id)?.OUTCOME === outcome)
    )

    await consumer.stop()

    expect(consumer.stats).toMatchObject({ received: 4, succeeded: 4, acknowledgeErrors: 0, inFlight: 0 })
    expect(h.queue()).toMatchObject({ total: 0 })
  })
})
