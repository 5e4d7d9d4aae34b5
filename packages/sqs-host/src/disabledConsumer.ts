/**
 * The queue host with its consumer switched off — `MESSAGING_CONSUMER_ENABLED=false`, or `READ_ONLY=true` (every
 * handler writes Delius): no receive call at all, so messages stay on the queue for when it is switched back on.
 * Core is still built (a database that cannot be reached still fails the start), and health stays UP: a pod that is
 * deliberately idle must not be restarted or taken out of service. The queue's depth is still reported (GetQueueUrl and
 * GetQueueAttributes only) so an operator can watch messages accumulate.
 */

import type { SQSClient } from "@aws-sdk/client-sqs"
import { Log } from "@ram-delius/core"
import { Cause, Duration, Effect, Exit, Layer, ManagedRuntime } from "effect"
import { type ConsumerHealth, type HandlerServices, NO_STATS, type RunningConsumer } from "./poller.js"
import { databaseCheck } from "./databaseCheck.js"
import { queueHealth, queueNameOf, resolveQueueUrl } from "./sqs.js"

export interface DisabledConsumerOptions<E> {
  readonly client: SQSClient
  readonly queue: string
  /** The setting that switched it off, named on /health and in the start-up log line. */
  readonly disabledBy: "READ_ONLY" | "MESSAGING_CONSUMER_ENABLED"
  readonly core: Layer.Layer<HandlerServices, E> | ManagedRuntime.ManagedRuntime<HandlerServices, E>
}

/** Builds core (failing as the consumer would when it cannot), then answers health and drains without receiving. */
export const startDisabledConsumer = async <E>(options: DisabledConsumerOptions<E>): Promise<RunningConsumer> => {
  const owned = Layer.isLayer(options.core)
  const runtime = owned
    ? ManagedRuntime.make(options.core as Layer.Layer<HandlerServices, E>)
    : (options.core as ManagedRuntime.ManagedRuntime<HandlerServices, E>)
  const built = await runtime.runPromiseExit(Effect.void)
  if (Exit.isFailure(built)) {
    if (owned) await runtime.dispose()
    throw Cause.squash(built.cause)
  }
  Log.logLine("warn", `The queue consumer is disabled (${options.disabledBy}): no message is received`, {
    type: "start",
    queue: queueNameOf(options.queue),
    disabledBy: options.disabledBy
  })
  let state: "disabled" | "stopped" = "disabled"
  const health = Effect.gen(function* () {
    const url = yield* Effect.either(resolveQueueUrl(options.client, options.queue))
    const queue =
      url._tag === "Right"
        ? yield* queueHealth(options.client, url.right)
        : { status: "UP" as const, details: { queueName: queueNameOf(options.queue), error: url.left.message } }
    // UP whatever SQS says: nothing here depends on it while nothing is received.
    return {
      ...queue,
      status: state === "stopped" ? "DOWN" : "UP",
      consumer: {
        ...NO_STATS,
        state,
        disabledBy: options.disabledBy,
        queueUrl: url._tag === "Right" ? url.right : null
      }
    } satisfies ConsumerHealth & { readonly consumer: { readonly disabledBy: string } }
  }).pipe(
    Effect.timeout(Duration.seconds(5)),
    Effect.orElseSucceed(() => unavailable(options, state))
  )
  let stopping: Promise<void> | undefined
  return {
    stats: NO_STATS,
    get state() {
      return state
    },
    health: () => Effect.runPromise(health),
    database: databaseCheck(runtime),
    inFlight: () => [],
    stop: () =>
      (stopping ??= (async () => {
        state = "stopped"
        if (owned) await runtime.dispose()
      })())
  }
}

const unavailable = (options: DisabledConsumerOptions<unknown>, state: "disabled" | "stopped"): ConsumerHealth => ({
  status: state === "stopped" ? "DOWN" : "UP",
  details: { queueName: queueNameOf(options.queue), error: "The queue did not answer in time" },
  consumer: { ...NO_STATS, state, queueUrl: null }
})
