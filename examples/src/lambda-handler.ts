/**
 * Example (c): a single-message handler — the shape of an AWS Lambda SQS trigger — built on core's
 * `handleDomainEvent`. Successes, rejections and unhandled types are acknowledged; failures are reported back as
 * batch item failures so SQS redelivers only those (and its redrive policy moves them to the DLQ).
 */
import { type CoreServices, handleDomainEvent, makeCoreLayer } from "@ram-delius/core"
import { Effect, Layer, ManagedRuntime } from "effect"

export interface SqsRecord {
  readonly messageId: string
  readonly body: string
}

export interface SqsBatchResponse {
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: string }>
}

/** Build the handler once per Lambda container; the runtime keeps the database pool between invocations. */
export const makeHandler = (layer: Layer.Layer<CoreServices, unknown> = makeCoreLayer()) => {
  const runtime = ManagedRuntime.make(layer)
  const handler = async (event: { readonly Records: ReadonlyArray<SqsRecord> }): Promise<SqsBatchResponse> => {
    const results = await runtime.runPromise(
      Effect.forEach(
        event.Records,
        (record) => Effect.map(handleDomainEvent(record.body), (result) => ({ record, result })),
        {
          concurrency: 4
        }
      )
    )
    return {
      batchItemFailures: results
        .filter(({ result }) => result.outcome === "Failure")
        .map(({ record }) => ({ itemIdentifier: record.messageId }))
    }
  }
  return { handler, dispose: () => runtime.dispose() }
}
