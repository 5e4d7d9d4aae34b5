/**
 * Deleting handled messages in batches: one DeleteMessageBatch call (up to 10 receipt handles, the SQS maximum) instead
 * of one DeleteMessage per message. Each SQS call is a signed HTTP request through the SDK's middleware stack, which
 * costs the host more CPU than handling a session-feedback event's SQL; batching divides that cost by the batch size.
 *
 * - A handler asks for its message's deletion only after it completed (at-least-once is unchanged) and waits for the
 *   answer for its own entry, so its counters and log lines are as they were with one call per message.
 * - A batch is sent when it is full, or `windowMillis` after its first entry; once `flushNow` has been called (drain)
 *   every entry is sent at once, so a draining consumer does not wait out a window.
 * - A failed call is retried as a single delete was (exponential from 100 ms, 2 retries), then fails every entry of
 *   the batch; an entry SQS reports as failed (a stale receipt handle, …) fails on its own.
 * - A waiter interrupted before its batch was sent is taken out of it (its message is then simply redelivered).
 */

import { DeleteMessageBatchCommand, type DeleteMessageBatchCommandOutput, type SQSClient } from "@aws-sdk/client-sqs"
import { Effect, Either, Exit, Schedule } from "effect"
import { sqsCall, SqsError } from "./sqs.js"

/** SQS takes at most 10 entries per batch call. */
const MAX_ENTRIES = 10

interface Entry {
  readonly receiptHandle: string
  readonly resume: (result: Effect.Effect<void, SqsError>) => void
}

export interface Acknowledgements {
  /** Delete one message (its handler has completed); fails with the reason when this entry was not deleted. */
  readonly delete: (receiptHandle: string) => Effect.Effect<void, SqsError>
  /** Send what is pending now, and from now on every entry as soon as it comes (drain). */
  readonly flushNow: Effect.Effect<void>
}

const deleteBatch = (client: SQSClient, queueUrl: string, entries: ReadonlyArray<Entry>) =>
  sqsCall("DeleteMessageBatch", (abortSignal) =>
    client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: entries.map((entry, index) => ({ Id: String(index), ReceiptHandle: entry.receiptHandle }))
      }),
      { abortSignal }
    )
  ).pipe(Effect.retry(Schedule.exponential("100 millis").pipe(Schedule.intersect(Schedule.recurs(2)))))

/** Resume each entry with its own outcome: deleted, reported failed by SQS, or the call's failure. */
const settle = (entries: ReadonlyArray<Entry>, result: Either.Either<DeleteMessageBatchCommandOutput, SqsError>) => {
  if (Either.isLeft(result)) {
    for (const entry of entries) entry.resume(Effect.fail(result.left))
    return
  }
  const deleted = new Set((result.right.Successful ?? []).map((success) => success.Id))
  const failed = new Map((result.right.Failed ?? []).map((failure) => [failure.Id, failure]))
  entries.forEach((entry, index) => {
    const id = String(index)
    const failure = failed.get(id)
    if (failure === undefined && deleted.has(id)) return entry.resume(Effect.void)
    const reason =
      failure === undefined ? "no result for the entry" : `${failure.Code ?? "Error"}: ${failure.Message ?? ""}`
    entry.resume(
      Effect.fail(
        new SqsError({
          operation: "DeleteMessageBatch",
          message: `SQS DeleteMessageBatch failed: ${reason}`,
          cause: failure
        })
      )
    )
  })
}

/** The batcher of one consumer (its queue URL resolved). */
export const makeAcknowledgements = (client: SQSClient, queueUrl: string, windowMillis: number): Acknowledgements => {
  let pending: Array<Entry> = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let immediate = false
  const send = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    const batch = pending
    pending = []
    if (batch.length === 0) return
    // Outside any handler fiber: the call's outcome reaches each waiter through its own resume.
    Effect.runCallback(Effect.either(deleteBatch(client, queueUrl, batch)), {
      onExit: (exit) =>
        settle(
          batch,
          Exit.isSuccess(exit)
            ? exit.value
            : Either.left(
                new SqsError({ operation: "DeleteMessageBatch", message: "SQS DeleteMessageBatch failed", cause: exit })
              )
        )
    })
  }
  return {
    delete: (receiptHandle) =>
      Effect.async<void, SqsError>((resume) => {
        const entry: Entry = { receiptHandle, resume }
        pending.push(entry)
        if (immediate || pending.length >= MAX_ENTRIES) send()
        else timer ??= setTimeout(send, windowMillis)
        return Effect.sync(() => {
          pending = pending.filter((other) => other !== entry)
        })
      }),
    flushNow: Effect.sync(() => {
      immediate = true
      send()
    })
  }
}
