/**
 * The hmpps-sqs queue-admin operations (which the platform's retry-DLQ cronjob and support engineers use) as a
 * transport-neutral interface: the HTTP host serves them at `/queue-admin/…` and the CLI's `dlq` commands call them,
 * while the implementation over SQS lives in the queue host (core imports no AWS SDK, and the hosts never import each
 * other). Queues and DLQs are named as hmpps-sqs names them: by their SQS queue name.
 */

import { Data, type Effect } from "effect"
import { withMeaning } from "../errors.js"

/** One message as hmpps-sqs shows it: the body parsed as JSON (the SNS envelope), or the raw string when not JSON. */
export interface QueueAdminMessage {
  readonly body: unknown
  readonly messageId: string
}

/** `PUT /queue-admin/retry-dlq/{dlqName}`: the messages moved back onto the main queue. */
export interface RetryDlqResult {
  readonly messagesFoundCount: number
  readonly messages: ReadonlyArray<QueueAdminMessage>
}

/** `PUT /queue-admin/purge-queue/{queueName}`. */
export interface PurgeQueueResult {
  readonly messagesFoundCount: number
}

/** `GET /queue-admin/get-dlq-messages/{dlqName}?maxMessages=n`: messages are only looked at, never removed. */
export interface GetDlqMessagesResult {
  readonly messagesFoundCount: number
  readonly messagesReturnedCount: number
  readonly messages: ReadonlyArray<QueueAdminMessage>
}

/** No queue (or DLQ) of this service has that name → 404 `{"status":404,"message":"<name> not found"}`. */
export class QueueNotFound extends withMeaning(
  Data.TaggedError("QueueNotFound")<{ readonly queueName: string }>,
  // hmpps-sqs's exception for a queue name it does not know.
  { httpStatus: 404, telemetryName: "MissingQueueException", retryable: false }
) {
  override get message() {
    return `${this.queueName} not found`
  }
}

/** The queue service could not be reached or refused the operation (→ 503; the detail is logged, not shown). */
export class QueueAdminUnavailable extends withMeaning(
  Data.TaggedError("QueueAdminUnavailable")<{
    readonly operation: string
    readonly detail: string
  }>,
  { httpStatus: 503, telemetryName: "SqsException", retryable: true }
) {
  override get message() {
    return `${this.operation} failed: ${this.detail}`
  }
}

export type QueueAdminError = QueueNotFound | QueueAdminUnavailable

export interface QueueAdmin {
  /** Every message of the DLQ back onto its main queue. */
  readonly retryDlq: (dlqName: string) => Effect.Effect<RetryDlqResult, QueueAdminError>
  /** `retryDlq` for each DLQ of the service, one result per DLQ. */
  readonly retryAllDlqs: Effect.Effect<ReadonlyArray<RetryDlqResult>, QueueAdminError>
  /** Delete every message of the queue (the main queue or a DLQ). */
  readonly purgeQueue: (queueName: string) => Effect.Effect<PurgeQueueResult, QueueAdminError>
  /** Up to `maxMessages` messages of the DLQ, left on it. */
  readonly getDlqMessages: (
    dlqName: string,
    maxMessages: number
  ) => Effect.Effect<GetDlqMessagesResult, QueueAdminError>
}

/** hmpps-sqs's `body`: JSON when the text is JSON, else the text itself. */
export const queueMessageBody = (raw: string): unknown => {
  try {
    return JSON.parse(raw) as unknown
  } catch {
    return raw
  }
}
