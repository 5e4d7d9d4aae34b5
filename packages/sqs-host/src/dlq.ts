/**
 * Support tools over the DLQ (`ram-delius dlq …`): list, show, redrive, purge. The emulator has no
 * StartMessageMoveTask, and support engineers redrive chosen messages, so a redrive is receive → send to the main
 * queue → delete from the DLQ, one message at a time: a message is only removed from the DLQ once it is back on the
 * main queue (a crash in between duplicates it, never loses it; handling is idempotent).
 */

import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { eventTypeOf, readEnvelope } from "@ram-delius/core"
import { Either } from "effect"

export interface DlqMessage {
  readonly messageId: string
  readonly eventType: string | undefined
  /** How often it was received from the DLQ (listing counts too). */
  readonly receiveCount: number
  /** When it was first sent (to the main queue; a DLQ move keeps the timestamp), ISO. */
  readonly sentAt: string | undefined
  /** The person (`personReference` CRN) and referral (`additionalInformation.referralId`) of the event, when it has them. */
  readonly crn: string | undefined
  readonly referralId: string | undefined
  readonly body: string
  readonly messageAttributes: Record<string, MessageAttributeValue>
}

/** The event inside a message body (core's reading of the SNS envelope), even one that will not decode. */
const eventOf = (body: string): Record<string, unknown> | undefined => {
  const envelope = readEnvelope(body)
  if (Either.isLeft(envelope)) return undefined
  const { inner } = envelope.right
  return typeof inner === "object" && inner !== null ? (inner as Record<string, unknown>) : undefined
}

const crnOf = (event: Record<string, unknown> | undefined): string | undefined => {
  const identifiers = (event?.personReference as { identifiers?: unknown } | undefined)?.identifiers
  if (!Array.isArray(identifiers)) return undefined
  const crn = identifiers.find((i) => (i as { type?: unknown })?.type === "CRN") as { value?: unknown } | undefined
  return typeof crn?.value === "string" ? crn.value : undefined
}

const referralIdOf = (event: Record<string, unknown> | undefined): string | undefined => {
  const value = (event?.additionalInformation as { referralId?: unknown } | undefined)?.referralId
  return typeof value === "string" ? value : undefined
}

/** How long peeked messages stay hidden while a listing or redrive walks the queue. */
const PEEK_VISIBILITY_SECONDS = 30

export const toDlqMessage = (message: Message): DlqMessage => {
  const sent = Number(message.Attributes?.SentTimestamp)
  const event = eventOf(message.Body ?? "")
  return {
    messageId: message.MessageId ?? "",
    eventType: message.MessageAttributes?.eventType?.StringValue ?? eventTypeOf(message.Body ?? ""),
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? "0"),
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined,
    crn: crnOf(event),
    referralId: referralIdOf(event),
    body: message.Body ?? "",
    messageAttributes: message.MessageAttributes ?? {}
  }
}

/**
 * Receives until the queue is empty (or `max` distinct messages), keeping them hidden for `visibilitySeconds`;
 * returns message + receipt.
 */
export const receiveAll = async (
  client: SQSClient,
  queueUrl: string,
  max: number,
  visibilitySeconds: number = PEEK_VISIBILITY_SECONDS
) => {
  const seen = new Map<string, Message>()
  while (seen.size < max) {
    const output = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.size),
        WaitTimeSeconds: 0,
        VisibilityTimeout: visibilitySeconds,
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        MessageAttributeNames: ["All"]
      })
    )
    const messages = output.Messages ?? []
    if (messages.length === 0) break
    for (const message of messages) seen.set(message.MessageId ?? message.ReceiptHandle ?? "", message)
  }
  return [...seen.values()]
}

/** Sets the messages' visibility timeout, ten (SQS's batch limit) at a time. */
export const setVisibility = async (
  client: SQSClient,
  queueUrl: string,
  messages: ReadonlyArray<Message>,
  seconds: number
) => {
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10)
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((message, n) => ({
          Id: String(n),
          ReceiptHandle: message.ReceiptHandle ?? "",
          VisibilityTimeout: seconds
        }))
      })
    )
  }
}

/** Makes peeked messages visible again at once. */
const release = (client: SQSClient, queueUrl: string, messages: ReadonlyArray<Message>) =>
  setVisibility(client, queueUrl, messages, 0)

/** The messages on the DLQ, without removing them (they are hidden for a moment while being read). */
export const listDlq = async (client: SQSClient, dlqUrl: string, options: { readonly max?: number } = {}) => {
  const messages = await receiveAll(client, dlqUrl, options.max ?? 100)
  await release(client, dlqUrl, messages)
  return messages.map(toDlqMessage)
}

export const showDlqMessage = async (client: SQSClient, dlqUrl: string, messageId: string) =>
  (await listDlq(client, dlqUrl, { max: 1_000 })).find((message) => message.messageId === messageId)

export interface RedriveProgress {
  readonly messageId: string
  readonly moved: number
  readonly total: number
}

export interface RedriveResult {
  readonly moved: ReadonlyArray<string>
  /** The moved messages with their bodies (what the queue-admin `retry-dlq` endpoint answers). */
  readonly movedMessages: ReadonlyArray<{ readonly messageId: string; readonly body: string }>
  /** Requested ids that are not on the DLQ. */
  readonly notFound: ReadonlyArray<string>
}

/** One message back onto the main queue (attributes kept), then off the DLQ — in that order. */
const moveBack = async (
  client: SQSClient,
  queues: { readonly dlqUrl: string; readonly queueUrl: string },
  message: Message
) => {
  await client.send(
    new SendMessageCommand({
      QueueUrl: queues.queueUrl,
      MessageBody: message.Body ?? "",
      ...(message.MessageAttributes === undefined ? {} : { MessageAttributes: message.MessageAttributes })
    })
  )
  await client.send(new DeleteMessageCommand({ QueueUrl: queues.dlqUrl, ReceiptHandle: message.ReceiptHandle ?? "" }))
}

/**
 * Moves the chosen DLQ messages (or `"all"`) back onto the main queue, keeping their message attributes (the
 * `eventType` attribute is what dispatch reads first, §5.2). `"all"` works batch by batch, so a large DLQ never has
 * its receipts expire mid-way; chosen ids are looked for among all messages, and the others released at once.
 */
export const redrive = async (
  client: SQSClient,
  queues: { readonly dlqUrl: string; readonly queueUrl: string },
  ids: ReadonlyArray<string> | "all",
  onProgress: (progress: RedriveProgress) => void = () => {}
): Promise<RedriveResult> => {
  const moved: Array<string> = []
  const movedMessages: Array<{ readonly messageId: string; readonly body: string }> = []
  const record = (message: Message, total: number) => {
    moved.push(message.MessageId ?? "")
    movedMessages.push({ messageId: message.MessageId ?? "", body: message.Body ?? "" })
    onProgress({ messageId: message.MessageId ?? "", moved: moved.length, total })
  }
  if (ids === "all") {
    // Bounded by what is on the DLQ now: a redriven message that fails again comes back with a new id, and must
    // wait for the next redrive rather than keep this one going round.
    const attributes = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queues.dlqUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
      })
    )
    const total =
      Number(attributes.Attributes?.ApproximateNumberOfMessages ?? "0") +
      Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? "0")
    while (moved.length < total) {
      const batch = await receiveAll(client, queues.dlqUrl, Math.min(10, total - moved.length))
      if (batch.length === 0) break
      for (const message of batch) {
        await moveBack(client, queues, message)
        record(message, total)
      }
    }
    return { moved, movedMessages, notFound: [] }
  }
  const wanted = new Set(ids)
  const messages = await receiveAll(client, queues.dlqUrl, 10_000)
  const chosen = messages.filter((message) => wanted.has(message.MessageId ?? ""))
  await release(
    client,
    queues.dlqUrl,
    messages.filter((message) => !wanted.has(message.MessageId ?? ""))
  )
  for (const message of chosen) {
    await moveBack(client, queues, message)
    record(message, chosen.length)
  }
  const found = new Set(moved)
  return { moved, movedMessages, notFound: [...wanted].filter((id) => !found.has(id)) }
}

/**
 * Empties a queue. PurgeQueue first; where it is refused (AWS allows one purge per 60 s), receive and delete.
 * Returns how many messages were on it (approximate for PurgeQueue, exact for receive + delete).
 */
export const purge = async (client: SQSClient, queueUrl: string): Promise<{ readonly purged: number }> => {
  // In-flight messages are purged too, so they count.
  const attributes = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    })
  )
  try {
    await client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }))
    return {
      purged:
        Number(attributes.Attributes?.ApproximateNumberOfMessages ?? "0") +
        Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? "0")
    }
  } catch {
    let purged = 0
    for (;;) {
      const messages = await receiveAll(client, queueUrl, 100)
      if (messages.length === 0) return { purged }
      for (const message of messages) {
        await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle ?? "" }))
        purged++
      }
    }
  }
}
