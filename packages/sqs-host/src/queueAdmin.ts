/**
 * core's `QueueAdmin` over SQS: what the HTTP host serves at `/queue-admin/…` (hmpps-sqs's endpoints) and
 * what `ram-delius dlq …` runs — one implementation, on dlq.ts's receive → send → delete moves. The service has one
 * queue and its DLQ (the queue's redrive policy names it), both resolved on first use and then remembered, so an SQS
 * outage at start-up does not stop the hosts (the call answers 503 until SQS is back).
 */

import type { SQSClient } from "@aws-sdk/client-sqs"
import {
  type GetDlqMessagesResult,
  type PurgeQueueResult,
  type QueueAdmin,
  QueueAdminUnavailable,
  queueMessageBody,
  QueueNotFound,
  type RetryDlqResult
} from "@ram-delius/core"
import { Effect } from "effect"
import {
  type DlqMessage,
  listDlq,
  purge,
  redrive,
  type RedriveProgress,
  type RedriveResult,
  showDlqMessage
} from "./dlq.js"
import { aimedRedrive, type AimedRedriveResult, type RedriveSelection } from "./aimedRedrive.js"
import { queueAttributes, queueNameOf, resolveDlqUrl, resolveQueueUrl } from "./sqs.js"

export interface ServiceQueues {
  readonly queueName: string
  readonly queueUrl: string
  readonly dlqName: string
  readonly dlqUrl: string
}

export interface SqsQueueAdmin extends QueueAdmin {
  readonly queues: Effect.Effect<ServiceQueues, QueueAdminUnavailable>
  /** The service DLQ's messages with what support needs to pick one (event type, CRN, referral, receive count). */
  readonly listDlq: (max: number) => Effect.Effect<ReadonlyArray<DlqMessage>, QueueAdminUnavailable>
  readonly showDlqMessage: (messageId: string) => Effect.Effect<DlqMessage | undefined, QueueAdminUnavailable>
  /** Chosen DLQ messages (or all) back onto the main queue. */
  readonly redrive: (
    ids: ReadonlyArray<string> | "all",
    onProgress?: (progress: RedriveProgress) => void
  ) => Effect.Effect<RedriveResult, QueueAdminUnavailable>
  /** The DLQ messages `selection` picks back onto the main queue (or, in a dry run, only listed): aimedRedrive.ts. */
  readonly aimedRedrive: (
    selection: RedriveSelection,
    options: { readonly dryRun: boolean; readonly onProgress?: (moved: number, total: number) => void }
  ) => Effect.Effect<AimedRedriveResult, QueueAdminUnavailable>
}

export interface SqsQueueAdminOptions {
  readonly client: SQSClient
  /** The service's queue, a name or a URL (`MESSAGING_CONSUMER_QUEUE`). */
  readonly queue: string
}

const unavailable = (operation: string) => (error: unknown) =>
  new QueueAdminUnavailable({ operation, detail: error instanceof Error ? error.message : String(error) })

const call = <A>(operation: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: unavailable(operation) })

const toView = (message: { readonly messageId: string; readonly body: string }) => ({
  body: queueMessageBody(message.body),
  messageId: message.messageId
})

export const makeSqsQueueAdmin = (options: SqsQueueAdminOptions): SqsQueueAdmin => {
  const { client } = options
  let known: ServiceQueues | undefined
  const queues: Effect.Effect<ServiceQueues, QueueAdminUnavailable> = Effect.suspend(() =>
    known !== undefined
      ? Effect.succeed(known)
      : Effect.gen(function* () {
          const queueUrl = yield* resolveQueueUrl(client, options.queue)
          const dlqUrl = yield* resolveDlqUrl(client, queueUrl)
          known = { queueName: queueNameOf(queueUrl), queueUrl, dlqName: queueNameOf(dlqUrl), dlqUrl }
          return known
        }).pipe(Effect.mapError(unavailable("Resolving the queues")))
  )

  const dlqNamed = (dlqName: string) =>
    Effect.filterOrFail(
      queues,
      (q) => q.dlqName === dlqName,
      () => new QueueNotFound({ queueName: dlqName })
    )

  const retryDlq = (dlqName: string): Effect.Effect<RetryDlqResult, QueueNotFound | QueueAdminUnavailable> =>
    Effect.gen(function* () {
      const q = yield* dlqNamed(dlqName)
      const result = yield* call("Retrying the DLQ", () => redrive(client, q, "all"))
      return { messagesFoundCount: result.movedMessages.length, messages: result.movedMessages.map(toView) }
    })

  const purgeQueue = (queueName: string): Effect.Effect<PurgeQueueResult, QueueNotFound | QueueAdminUnavailable> =>
    Effect.gen(function* () {
      const q = yield* queues
      const url = queueName === q.queueName ? q.queueUrl : queueName === q.dlqName ? q.dlqUrl : undefined
      if (url === undefined) return yield* new QueueNotFound({ queueName })
      const { purged } = yield* call("Purging the queue", () => purge(client, url))
      return { messagesFoundCount: purged }
    })

  const getDlqMessages = (
    dlqName: string,
    maxMessages: number
  ): Effect.Effect<GetDlqMessagesResult, QueueNotFound | QueueAdminUnavailable> =>
    Effect.gen(function* () {
      const q = yield* dlqNamed(dlqName)
      const attributes = yield* queueAttributes(client, q.dlqUrl, ["ApproximateNumberOfMessages"]).pipe(
        Effect.mapError(unavailable("Counting the DLQ"))
      )
      const messages = yield* call("Reading the DLQ", () => listDlq(client, q.dlqUrl, { max: maxMessages }))
      return {
        // The count is SQS's approximation; never less than what was actually read.
        messagesFoundCount: Math.max(Number(attributes.ApproximateNumberOfMessages ?? "0"), messages.length),
        messagesReturnedCount: messages.length,
        messages: messages.map(toView)
      }
    })

  return {
    queues,
    retryDlq,
    retryAllDlqs: Effect.flatMap(queues, (q) => Effect.map(retryDlq(q.dlqName), (result) => [result])),
    purgeQueue,
    getDlqMessages,
    listDlq: (max) => Effect.flatMap(queues, (q) => call("Reading the DLQ", () => listDlq(client, q.dlqUrl, { max }))),
    showDlqMessage: (messageId) =>
      Effect.flatMap(queues, (q) => call("Reading the DLQ", () => showDlqMessage(client, q.dlqUrl, messageId))),
    redrive: (ids, onProgress) =>
      Effect.flatMap(queues, (q) => call("Redriving", () => redrive(client, q, ids, onProgress))),
    aimedRedrive: (selection, redriveOptions) =>
      Effect.flatMap(queues, (q) => call("Redriving", () => aimedRedrive(client, q, selection, redriveOptions)))
  }
}
