/**
 * Small SQS helpers shared by the consumer, the dev stack, the DLQ tools and the health snapshot.
 */

import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig
} from "@aws-sdk/client-sqs"
import { eventTypeOf, Log } from "@ram-delius/core"
import { Data, Effect, Either, Option } from "effect"
import { DEV_STACK_DEFAULTS, devStackWanted, type SqsHostConfig } from "./config.js"

export interface SqsConnection {
  readonly region: string
  /** An emulator's endpoint; absent for AWS itself (credentials then come from the default chain, IRSA in k8s). */
  readonly endpoint?: string | undefined
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined
}

export const makeSqsClient = (connection: SqsConnection): SQSClient => {
  const config: SQSClientConfig = { region: connection.region }
  // An explicit endpoint also stops the SDK from sending requests to the host named in a queue URL.
  if (connection.endpoint !== undefined) config.endpoint = connection.endpoint
  if (connection.credentials !== undefined) config.credentials = { ...connection.credentials }
  return new SQSClient(config)
}

/**
 * The SQS client for the service's own queue, as configured — the one factory the queue host and the CLI's queue
 * commands share: in the dev stack, the emulator a running `serve` started (on `DEV_SQS_PORT`, dummy credentials);
 * otherwise SQS at `AWS_ENDPOINT_URL_SQS` if set, with the default credential chain (IRSA in Kubernetes).
 */
export const makeServiceSqsClient = (
  config: Pick<SqsHostConfig, "region" | "endpoint" | "devStack" | "devSqsPort" | "hmppsAuthConfigured">
): SQSClient =>
  makeSqsClient(
    devStackWanted(config)
      ? {
          region: config.region,
          endpoint: `http://127.0.0.1:${config.devSqsPort}`,
          credentials: DEV_STACK_DEFAULTS.credentials
        }
      : { region: config.region, endpoint: Option.getOrUndefined(config.endpoint) }
  )

/** An SQS call failed: `operation` names it (ReceiveMessage, DeleteMessage, …). */
export class SqsError extends Data.TaggedError("SqsError")<{
  readonly operation: string
  readonly message: string
  readonly cause: unknown
}> {}

/**
 * One SQS call as an Effect. Interruption aborts the HTTP request (so a stop does not wait out a 20 s long poll).
 */
export const sqsCall = <A>(
  operation: string,
  call: (abortSignal: AbortSignal) => Promise<A>
): Effect.Effect<A, SqsError> =>
  Effect.tryPromise({
    try: call,
    catch: (cause) =>
      new SqsError({
        operation,
        message: `SQS ${operation} failed: ${Log.failureName(cause)}: ${Log.describeFailure(cause)}`,
        cause
      })
  })

const isUrl = (queue: string) => /^https?:\/\//i.test(queue)

/** `MESSAGING_CONSUMER_QUEUE` may be a URL or a name (§5.1); a name is resolved with GetQueueUrl. */
export const resolveQueueUrl = (client: SQSClient, queue: string): Effect.Effect<string, SqsError> =>
  isUrl(queue)
    ? Effect.succeed(queue)
    : sqsCall("GetQueueUrl", (abortSignal) =>
        client.send(new GetQueueUrlCommand({ QueueName: queue }), { abortSignal })
      ).pipe(
        Effect.flatMap((output) =>
          output.QueueUrl === undefined
            ? Effect.fail(
                new SqsError({ operation: "GetQueueUrl", message: `No URL for queue ${queue}`, cause: output })
              )
            : Effect.succeed(output.QueueUrl)
        )
      )

/** The last path segment of a queue URL, or the last part of an ARN, is the queue name. */
export const queueNameOf = (urlOrArn: string): string =>
  urlOrArn
    .split(/[/:]/)
    .filter((part) => part !== "")
    .pop() ?? urlOrArn

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string
  readonly maxReceiveCount: number
}

export const parseRedrivePolicy = (text: string | undefined): RedrivePolicy | undefined => {
  if (text === undefined || text === "") return undefined
  try {
    const policy = JSON.parse(text) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown }
    const count = Number(policy.maxReceiveCount)
    return typeof policy.deadLetterTargetArn === "string" && Number.isInteger(count) && count > 0
      ? { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount: count }
      : undefined
  } catch {
    return undefined
  }
}

export const queueAttributes = (client: SQSClient, queueUrl: string, names: ReadonlyArray<string>) =>
  sqsCall("GetQueueAttributes", (abortSignal) =>
    client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [...names] as GetQueueAttributesCommand["input"]["AttributeNames"]
      }),
      { abortSignal }
    )
  ).pipe(Effect.map((output) => output.Attributes ?? {}))

/** The DLQ of a queue, from its redrive policy (`deadLetterTargetArn` → name → URL). */
export const resolveDlqUrl = (client: SQSClient, queueUrl: string): Effect.Effect<string, SqsError> =>
  queueAttributes(client, queueUrl, ["RedrivePolicy"]).pipe(
    Effect.flatMap((attributes) => {
      const policy = parseRedrivePolicy(attributes.RedrivePolicy)
      return policy === undefined
        ? Effect.fail(
            new SqsError({
              operation: "GetQueueAttributes",
              message: `Queue ${queueNameOf(queueUrl)} has no redrive policy`,
              cause: attributes
            })
          )
        : resolveQueueUrl(client, queueNameOf(policy.deadLetterTargetArn))
    })
  )

/**
 * Queue health in the shape of the hmpps-sqs health component (client-contract.md §5.3): DOWN when the attributes
 * cannot be read or the redrive policy is missing; counts as strings.
 */
export interface QueueHealth {
  readonly status: "UP" | "DOWN"
  readonly details: {
    readonly queueName: string
    readonly messagesOnQueue?: string
    readonly messagesInFlight?: string
    readonly dlqName?: string
    readonly dlqStatus?: "UP" | "DOWN"
    readonly messagesOnDlq?: string
    readonly error?: string
  }
}

export const queueHealth = (client: SQSClient, queueUrl: string, timeoutMillis = 2_000): Effect.Effect<QueueHealth> =>
  Effect.gen(function* () {
    const queueName = queueNameOf(queueUrl)
    const attributes = yield* queueAttributes(client, queueUrl, [
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
      "RedrivePolicy"
    ])
    const queue = {
      queueName,
      messagesOnQueue: attributes.ApproximateNumberOfMessages ?? "0",
      messagesInFlight: attributes.ApproximateNumberOfMessagesNotVisible ?? "0"
    }
    const policy = parseRedrivePolicy(attributes.RedrivePolicy)
    if (policy === undefined) {
      return {
        status: "DOWN",
        details: { ...queue, dlqStatus: "DOWN", error: "The queue has no redrive policy" }
      } satisfies QueueHealth
    }
    const dlqName = queueNameOf(policy.deadLetterTargetArn)
    const dlq = yield* resolveQueueUrl(client, dlqName).pipe(
      Effect.flatMap((dlqUrl) => queueAttributes(client, dlqUrl, ["ApproximateNumberOfMessages"])),
      Effect.either
    )
    return Either.isRight(dlq)
      ? ({
          status: "UP",
          details: { ...queue, dlqName, dlqStatus: "UP", messagesOnDlq: dlq.right.ApproximateNumberOfMessages ?? "0" }
        } satisfies QueueHealth)
      : ({
          status: "DOWN",
          details: { ...queue, dlqName, dlqStatus: "DOWN", error: dlq.left.message }
        } satisfies QueueHealth)
  }).pipe(
    Effect.timeoutFail({
      duration: timeoutMillis,
      onTimeout: () =>
        new SqsError({
          operation: "GetQueueAttributes",
          message: `No answer within ${timeoutMillis} ms`,
          cause: undefined
        })
    }),
    Effect.catchAll((error) =>
      Effect.succeed<QueueHealth>({
        status: "DOWN",
        details: { queueName: queueNameOf(queueUrl), error: error.message }
      })
    )
  )

/**
 * Sends a body as the HMPPS domain events topic would deliver it: with the `eventType` message attribute that the
 * subscription filter works on (client-contract.md §5.2).
 */
export const sendEvent = async (client: SQSClient, queueUrl: string, body: string) => {
  const eventType = eventTypeOf(body)
  const output = await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      ...(eventType === undefined
        ? {}
        : { MessageAttributes: { eventType: { DataType: "String", StringValue: eventType } } })
    })
  )
  return { messageId: output.MessageId ?? "", eventType }
}
