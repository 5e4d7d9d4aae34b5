/**
 * A redrive support can aim: only the DLQ messages of one event type, one person, older than a moment, at most so
 * many, at a bounded rate — or a dry run that lists them and moves nothing. Messages not selected are released at once,
 * untouched. Each selected message is sent to the main queue before it is deleted from the DLQ, so an interruption at
 * any point loses nothing: a message sent but not yet deleted comes back on the DLQ when its visibility lapses (a
 * duplicate the idempotent handlers absorb), and one not yet sent simply reappears on the DLQ.
 */

import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  SendMessageCommand,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { type DlqMessage, listDlq, receiveAll, setVisibility, toDlqMessage } from "./dlq.js"

export interface RedriveSelection {
  readonly eventType?: string | undefined
  readonly crn?: string | undefined
  /** Only messages first sent at or before this instant (epoch millis). */
  readonly sentBeforeMillis?: number | undefined
  /** At most this many messages. */
  readonly limit?: number | undefined
  /** At most this many messages a second. */
  readonly ratePerSecond?: number | undefined
}

export interface AimedRedriveResult {
  /** The messages selected: moved, or — in a dry run — those that would move. */
  readonly selected: ReadonlyArray<Omit<DlqMessage, "body" | "messageAttributes">>
  /** How many DLQ messages were looked at. */
  readonly examined: number
  readonly dryRun: boolean
}

const selects = (selection: RedriveSelection) => (message: DlqMessage) =>
  (selection.eventType === undefined || message.eventType === selection.eventType) &&
  (selection.crn === undefined || message.crn?.toUpperCase() === selection.crn.toUpperCase()) &&
  (selection.sentBeforeMillis === undefined ||
    (message.sentAt !== undefined && Date.parse(message.sentAt) <= selection.sentBeforeMillis))

const summary = ({ body: _body, messageAttributes: _attributes, ...rest }: DlqMessage) => rest

/** SQS's longest visibility timeout (12 h). */
const MAX_VISIBILITY_SECONDS = 43_200

/** Every message on the DLQ now, kept hidden while it is judged (the count bounds the walk, as `redrive` does). */
const receiveCurrent = async (client: SQSClient, dlqUrl: string): Promise<ReadonlyArray<Message>> => {
  const attributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["ApproximateNumberOfMessages"] })
  )
  const total = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? "0")
  return receiveAll(client, dlqUrl, total, 60)
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

export const aimedRedrive = async (
  client: SQSClient,
  queues: { readonly dlqUrl: string; readonly queueUrl: string },
  selection: RedriveSelection,
  options: { readonly dryRun: boolean; readonly onProgress?: (moved: number, total: number) => void }
): Promise<AimedRedriveResult> => {
  if (options.dryRun) {
    // A dry run only peeks (listDlq releases what it read): nothing is sent, deleted or left hidden.
    const messages = await listDlq(client, queues.dlqUrl, { max: 10_000 })
    const chosen = messages.filter(selects(selection)).slice(0, selection.limit ?? Number.MAX_SAFE_INTEGER)
    return { selected: chosen.map(summary), examined: messages.length, dryRun: true }
  }
  const received = await receiveCurrent(client, queues.dlqUrl)
  const judged = received.map((message) => ({ message, view: toDlqMessage(message) }))
  const chosen = judged.filter((j) => selects(selection)(j.view)).slice(0, selection.limit ?? Number.MAX_SAFE_INTEGER)
  const chosenIds = new Set(chosen.map((c) => c.message.MessageId))
  // Not selected: visible again at once, untouched. Selected: hidden for as long as the paced move needs.
  await setVisibility(
    client,
    queues.dlqUrl,
    received.filter((m) => !chosenIds.has(m.MessageId)),
    0
  )
  const gapMillis = selection.ratePerSecond === undefined ? 0 : Math.ceil(1000 / selection.ratePerSecond)
  const hold = Math.min(MAX_VISIBILITY_SECONDS, 60 + Math.ceil((chosen.length * gapMillis) / 1000))
  await setVisibility(
    client,
    queues.dlqUrl,
    chosen.map((c) => c.message),
    hold
  )
  let moved = 0
  for (const { message } of chosen) {
    if (moved > 0 && gapMillis > 0) await sleep(gapMillis)
    await client.send(
      new SendMessageCommand({
        QueueUrl: queues.queueUrl,
        MessageBody: message.Body ?? "",
        ...(message.MessageAttributes === undefined ? {} : { MessageAttributes: message.MessageAttributes })
      })
    )
    await client.send(new DeleteMessageCommand({ QueueUrl: queues.dlqUrl, ReceiptHandle: message.ReceiptHandle ?? "" }))
    moved++
    options.onProgress?.(moved, chosen.length)
  }
  return { selected: chosen.map((c) => summary(c.view)), examined: received.length, dryRun: false }
}
