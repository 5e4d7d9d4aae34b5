/**
 * The SQS consumer (transport only — what a message means is core's `handleDomainEvent`, spec §5.2).
 *
 * - Long polling, up to 10 messages a call (the SQS maximum). Besides the `concurrency` handler slots, up to
 *   PREFETCH (20) received messages wait for a slot, so that with a backlog each ReceiveMessage call brings a full
 *   batch rather than one message per freed slot (each SQS call is a signed request through the SDK's middleware
 *   stack, which costs more host CPU than a session-feedback event's SQL). A receive waits until a full batch fits:
 *   while fewer fit, more than 10 messages are waiting and every handler slot is busy, so no handler idles
 *   meanwhile.
 * - A heartbeat renews the visibility of the messages received and not yet handled: waiting or being handled (one
 *   fiber for the consumer, ChangeMessageVisibilityBatch calls), so no message's visibility runs out in the buffer.
 * - Success / Rejected / Unhandled → deleted, in DeleteMessageBatch calls (acknowledgements.ts). Failure → the
 *   message is left on the queue with a visibility that grows with the receive count (hmpps-sqs
 *   `errorVisibilityTimeout`, client-contract.md §5.3); on the final receive
 *   it is set to 0 so that the queue's redrive policy (maxReceiveCount 3, §5.1) moves it to the DLQ at once. So a
 *   poison message (not JSON, no detailUrl) takes three short deliveries and then sits in the DLQ; it never blocks
 *   others, because it only ever holds one slot for the time its handler takes.
 * - Receive errors (network, throttling, credentials, a missing queue) back off exponentially up to a cap and the loop
 *   carries on; nothing but `drain` ends it.
 * - Drain: stop receiving (an open long poll is aborted), let the messages received finish (the waiting ones too:
 *   giving them back would spend one of their three receives) and acknowledge, then return; at the drain timeout the
 *   rest are interrupted and redelivered. A message is only ever deleted after its handler completed (at-least-once;
 *   core is idempotent, §3.1).
 */

import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { annotateSpan, eventTypeOf, handleDomainEvent, traced, type EventResult } from "@ram-delius/core"
import {
  Cause,
  Effect,
  Exit,
  Fiber,
  FiberSet,
  Layer,
  ManagedRuntime,
  Option,
  Ref,
  Schedule,
  Scope,
  STM,
  TSemaphore
} from "effect"
import { makeAcknowledgements, type Acknowledgements } from "./acknowledgements.js"
import { defaultConsumerSettings, MAX_RECEIVE_COUNT, type ConsumerSettings } from "./config.js"
import { databaseCheck } from "./databaseCheck.js"
import {
  parseRedrivePolicy,
  queueAttributes,
  queueHealth,
  queueNameOf,
  resolveQueueUrl,
  sqsCall,
  type QueueHealth
} from "./sqs.js"

/** What `handleDomainEvent` needs: the workflows, the R&M client, Telemetry and EventHandlerConfig. */
export type HandlerServices = Effect.Effect.Context<ReturnType<typeof handleDomainEvent>>

/** Turns one message body into an outcome; never fails (`handleDomainEvent` by default). */
export type MessageHandler<R> = (body: string) => Effect.Effect<EventResult, never, R>

export interface ConsumerStats {
  readonly received: number
  readonly succeeded: number
  readonly rejected: number
  readonly failed: number
  readonly unhandled: number
  /** Received and not yet finished: being handled, or waiting for a handler slot. */
  readonly inFlight: number
  /** Received, waiting for a handler slot (part of `inFlight`). */
  readonly waiting: number
  readonly receiveErrors: number
  /** DeleteMessage / ChangeMessageVisibility calls that failed (the message is then simply redelivered). */
  readonly acknowledgeErrors: number
}

/** `disabled`: the host runs without receiving (MESSAGING_CONSUMER_ENABLED=false or READ_ONLY=true; disabledConsumer.ts). */
export type ConsumerState = "starting" | "running" | "draining" | "stopped" | "disabled"

export interface ConsumerHealth extends QueueHealth {
  readonly consumer: ConsumerStats & { readonly state: ConsumerState; readonly queueUrl: string | null }
}

export interface ConsumerOptions<R = never> extends Partial<ConsumerSettings> {
  readonly client: SQSClient
  /** Queue name (resolved with GetQueueUrl, retried until it resolves) or URL. */
  readonly queue: string
  readonly handler?: MessageHandler<R>
}

export interface Consumer {
  /** A snapshot of the counters. */
  readonly stats: () => ConsumerStats
  readonly state: () => ConsumerState
  /** Queue reachable? DLQ reachable? Plus the counters — for a health endpoint. */
  readonly health: Effect.Effect<ConsumerHealth>
  /** Stop receiving, finish what is in flight, then return. Idempotent. */
  readonly drain: Effect.Effect<void>
  /**
   * The messages received and not finished (handled or waiting), as `<event type> (message <id>)` (for the shutdown
   * timeout's log line).
   */
  readonly inFlight: () => ReadonlyArray<string>
}

type Counter =
  | "received"
  | "succeeded"
  | "rejected"
  | "failed"
  | "unhandled"
  | "inFlight"
  | "waiting"
  | "receiveErrors"
  | "acknowledgeErrors"

/** Every counter at zero: a consumer's start, and what a disabled consumer reports for ever. */
export const NO_STATS: Readonly<Record<Counter, number>> = {
  received: 0,
  succeeded: 0,
  rejected: 0,
  failed: 0,
  unhandled: 0,
  inFlight: 0,
  waiting: 0,
  receiveErrors: 0,
  acknowledgeErrors: 0
}

const outcomeCounter: Record<EventResult["outcome"], Counter> = {
  Success: "succeeded",
  Rejected: "rejected",
  Failure: "failed",
  Unhandled: "unhandled"
}

/** SQS returns at most 10 messages per receive. */
const MAX_BATCH = 10

/**
 * How long a deletion waits for others to share its DeleteMessageBatch call. The handler's slot is free meanwhile, and
 * the message stays invisible (the visibility timeout is seconds), so the wait costs neither throughput nor a retry.
 */
const DELETE_BATCH_WINDOW_MILLIS = 20

/**
 * How many received messages may wait for a handler slot: two full batches. While the queue has a backlog, handlers
 * finish one at a time; without a buffer every freed slot would cost its own ReceiveMessage call.
 */
const PREFETCH = 2 * MAX_BATCH

/**
 * A receive waits until a full batch fits. Until then more than a batch is waiting, so no handler idles meanwhile,
 * nor during the receive itself.
 */
const RECEIVE_AT_LEAST = MAX_BATCH

/** Visibility after a Failure on receive `receiveCount` (1-based): entry n, the last entry reused. */
export const errorVisibilityFor = (timeouts: ReadonlyArray<number>, receiveCount: number): number =>
  timeouts.length === 0 ? 0 : (timeouts[Math.min(Math.max(receiveCount, 1), timeouts.length) - 1] ?? 0)

/** Capped exponential back-off, forever: initial, 2×, 4×, … up to `max` milliseconds. */
const cappedBackoff = (initial: number, max: number) =>
  Schedule.exponential(initial).pipe(Schedule.union(Schedule.spaced(max)))

/** Take between `atLeast` and `max` free places, waiting until `atLeast` are free. */
const takeFreePlaces = (places: TSemaphore.TSemaphore, max: number, atLeast: number) =>
  STM.commit(
    STM.gen(function* () {
      const free = yield* TSemaphore.available(places)
      if (free < atLeast) return yield* STM.retry
      const take = Math.min(free, max)
      yield* TSemaphore.acquireN(places, take)
      return take
    })
  )

const releasePlaces = (places: TSemaphore.TSemaphore, n: number) =>
  n > 0 ? STM.commit(TSemaphore.releaseN(places, n)) : Effect.void

const resolveSettings = (options: Partial<ConsumerSettings>): ConsumerSettings => ({
  waitTimeSeconds: options.waitTimeSeconds ?? defaultConsumerSettings.waitTimeSeconds,
  concurrency: options.concurrency ?? defaultConsumerSettings.concurrency,
  visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? defaultConsumerSettings.visibilityTimeoutSeconds,
  errorVisibilityTimeouts: options.errorVisibilityTimeouts ?? defaultConsumerSettings.errorVisibilityTimeouts,
  receiveErrorBackoffMillis: options.receiveErrorBackoffMillis ?? defaultConsumerSettings.receiveErrorBackoffMillis,
  statsIntervalMillis: options.statsIntervalMillis ?? defaultConsumerSettings.statsIntervalMillis,
  drainTimeoutMillis: options.drainTimeoutMillis ?? defaultConsumerSettings.drainTimeoutMillis
})

/** What the parts of a running consumer share: its settings, SQS client, counters, state and handler slots. */
interface Running {
  readonly queue: string
  readonly client: SQSClient
  readonly settings: ConsumerSettings
  readonly count: (counter: Counter, by?: number) => Effect.Effect<void>
  readonly stats: () => ConsumerStats
  readonly state: { current: ConsumerState }
  readonly queueUrl: Ref.Ref<Option.Option<string>>
  /** Places for received messages: the handler slots plus PREFETCH waiting. A receive takes what it asks for. */
  readonly places: TSemaphore.TSemaphore
  /** The handler slots (`concurrency`). */
  readonly slots: Effect.Semaphore
  readonly handlers: FiberSet.FiberSet<void, never>
  readonly backoff: Schedule.Schedule<unknown, unknown>
  /** The messages received and not finished, by receipt handle (described only when asked, `describeMessage`). */
  readonly handling: Map<string, Message>
  /** The receipt handles of the messages received and not yet handled: the ones the heartbeat renews. */
  readonly renewing: Set<string>
  /** The deletion batcher, once the queue URL is known. */
  readonly acknowledgements: { current: Acknowledgements | undefined }
}

const makeRunning = (options: ConsumerOptions<unknown>) =>
  Effect.gen(function* () {
    const settings = resolveSettings(options)
    const counters: Record<Counter, number> = { ...NO_STATS }
    return {
      queue: options.queue,
      client: options.client,
      settings,
      count: (counter: Counter, by = 1) => Effect.sync(() => void (counters[counter] += by)),
      stats: (): ConsumerStats => ({ ...counters }),
      state: { current: "starting" },
      queueUrl: yield* Ref.make(Option.none<string>()),
      places: yield* STM.commit(TSemaphore.make(settings.concurrency + PREFETCH)),
      slots: yield* Effect.makeSemaphore(settings.concurrency),
      handlers: yield* FiberSet.make<void, never>(),
      backoff: cappedBackoff(settings.receiveErrorBackoffMillis.initial, settings.receiveErrorBackoffMillis.max),
      handling: new Map<string, Message>(),
      renewing: new Set<string>(),
      acknowledgements: { current: undefined }
    } satisfies Running
  })

const logStats = (running: Running, message: string) =>
  Effect.flatMap(Ref.get(running.queueUrl), (url) =>
    Effect.logInfo(message).pipe(
      Effect.annotateLogs({
        queue: Option.getOrElse(Option.map(url, queueNameOf), () => running.queue),
        state: running.state.current,
        ...running.stats()
      })
    )
  )

// --- Acknowledging: delete, retry visibility, heartbeat -------------------------------------------------------------

const changeVisibility = (client: SQSClient, queueUrl: string, receiptHandle: string, seconds: number) =>
  sqsCall("ChangeMessageVisibility", (abortSignal) =>
    client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds
      }),
      { abortSignal }
    )
  )

/** One ChangeMessageVisibilityBatch call (≤ 10 entries); a failed call or entry is logged, never fatal. */
const renewBatch = (running: Running, queueUrl: string, receiptHandles: ReadonlyArray<string>) =>
  sqsCall("ChangeMessageVisibilityBatch", (abortSignal) =>
    running.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: receiptHandles.map((receiptHandle, index) => ({
          Id: String(index),
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: running.settings.visibilityTimeoutSeconds
        }))
      }),
      { abortSignal }
    )
  ).pipe(
    Effect.flatMap((output) =>
      Effect.forEach(output.Failed ?? [], (failure) =>
        Effect.logWarning(`Visibility heartbeat failed: ${failure.Code ?? "Error"}: ${failure.Message ?? ""}`)
      )
    ),
    Effect.catchAll((error) => Effect.logWarning(`Visibility heartbeat failed: ${error.message}`))
  )

/**
 * Keeps the messages received and not yet handled invisible: every third of the visibility timeout, they get the full
 * visibility timeout again. One fiber for the consumer rather than one per message: a message's first renewal comes
 * at most a third of the timeout after it was received, so none runs out while it waits or is handled, and the
 * messages handled in well under that time (nearly all) cost nothing.
 */
const heartbeat = (running: Running) =>
  Effect.gen(function* () {
    const url = yield* Ref.get(running.queueUrl)
    if (Option.isNone(url)) return
    const receiptHandles = [...running.renewing]
    for (let start = 0; start < receiptHandles.length; start += MAX_BATCH)
      yield* renewBatch(running, url.value, receiptHandles.slice(start, start + MAX_BATCH))
  }).pipe(Effect.delay(Math.max(1, running.settings.visibilityTimeoutSeconds / 3) * 1000), Effect.forever)

/** Success / Rejected / Unhandled: delete the message (batched). A failed delete only means it is redelivered. */
const acknowledge = (
  running: Running,
  acknowledgements: Acknowledgements,
  receiptHandle: string,
  result: EventResult
) =>
  acknowledgements
    .delete(receiptHandle)
    .pipe(
      Effect.catchAll((error) =>
        Effect.zipRight(
          running.count("acknowledgeErrors"),
          Effect.logError(`${result.outcome} but not acknowledged (it will be redelivered): ${error.message}`)
        )
      )
    )

/**
 * Failure: leave the message on the queue, visible again after the back-off for its receive count — or at once on
 * the final receive, so that the redrive policy moves it to the DLQ.
 */
const retryLater = Effect.fnUntraced(function* (
  running: Running,
  queueUrl: string,
  receiptHandle: string,
  result: EventResult,
  receiveCount: number,
  maxReceiveCount: number | undefined
) {
  const finalReceive = maxReceiveCount !== undefined && receiveCount >= maxReceiveCount
  const visibility = finalReceive ? 0 : errorVisibilityFor(running.settings.errorVisibilityTimeouts, receiveCount)
  yield* Effect.logWarning(
    finalReceive
      ? `${result.telemetryName}: ${result.message ?? ""} — receive ${receiveCount} of ${maxReceiveCount}, the message moves to the DLQ`
      : `${result.telemetryName}: ${result.message ?? ""} — receive ${receiveCount}, retried in ${visibility} s`
  ).pipe(Effect.annotateLogs({ eventType: result.eventType ?? "unknown", receiveCount, transient: result.transient }))
  yield* changeVisibility(running.client, queueUrl, receiptHandle, visibility).pipe(
    Effect.catchAll((error) =>
      // The message then reappears when its receive-time visibility runs out: later, but still retried.
      Effect.zipRight(
        running.count("acknowledgeErrors"),
        Effect.logWarning(`Could not set the retry visibility: ${error.message}`)
      )
    )
  )
})

// --- Handling one message ---------------------------------------------------------------------------------------------

/** The handler's outcome; a custom handler that dies is still just a Failure: retried, then the DLQ. */
const outcomeOf = <R>(handler: MessageHandler<R>, body: string): Effect.Effect<EventResult, never, R> =>
  handler(body).pipe(
    Effect.catchAllCause((cause) =>
      Effect.succeed<EventResult>({
        outcome: "Failure",
        eventType: null,
        messageId: null,
        telemetryName: "RuntimeException",
        properties: {},
        transient: false,
        message: Cause.pretty(cause)
      })
    )
  )

/** Handle, then acknowledge or schedule the retry, then count. */
const handleMessage = Effect.fnUntraced(function* <R>(
  running: Running,
  handler: MessageHandler<R>,
  { acknowledgements, maxReceiveCount, queueUrl }: ResolvedQueue,
  message: Message,
  freeSlot: Effect.Effect<void>
) {
  const receiptHandle = message.ReceiptHandle ?? ""
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? "1") || 1
  // Renewed (since its receipt) only until the handler is done: the retry visibility set below must not be
  // overwritten.
  const result = yield* outcomeOf(handler, message.Body ?? "").pipe(
    Effect.ensuring(Effect.sync(() => running.renewing.delete(receiptHandle)))
  )
  // The handler is done: its slot may take the next message while the acknowledgement waits for its batch.
  yield* freeSlot
  if (result.outcome !== "Failure") yield* acknowledge(running, acknowledgements, receiptHandle, result)
  else yield* retryLater(running, queueUrl, receiptHandle, result, receiveCount, maxReceiveCount)
  // Counted after the acknowledgement (or the retry visibility), so the counters describe finished work.
  yield* running.count(outcomeCounter[result.outcome])
  yield* annotateSpan({ "event.type": result.eventType ?? "unknown", "message.outcome": result.outcome })
})

/** `handleMessage` in one consumer span. */
const processMessage = <R>(
  running: Running,
  handler: MessageHandler<R>,
  queue: ResolvedQueue,
  message: Message,
  freeSlot: Effect.Effect<void>
) =>
  handleMessage(running, handler, queue, message, freeSlot).pipe(
    Effect.annotateLogs({ sqsMessageId: message.MessageId ?? "" }),
    // One consumer span per message: Application Insights shows it as a request, with the handler's database and
    // R&M spans as its dependencies. A root span: each message is its own operation.
    traced("ProcessMessage", {
      kind: "consumer",
      root: true,
      attributes: {
        "ai.operation.name": "ProcessMessage",
        "messaging.system": "aws_sqs",
        "messaging.destination.name": queueNameOf(queue.queueUrl),
        "messaging.message.id": message.MessageId ?? ""
      }
    })
  )

/**
 * `<event type> (message <id>)`, for the shutdown timeout's log line. Only then: reading the type may parse the body
 * twice (an SNS notification carries its attributes inside it).
 */
const describeMessage = (message: Message) =>
  `${message.MessageAttributes?.eventType?.StringValue ?? eventTypeOf(message.Body ?? "") ?? "unknown event"} (message ${message.MessageId ?? "?"})`

// --- Receiving --------------------------------------------------------------------------------------------------------

const receive = (running: Running, queueUrl: string, max: number) =>
  sqsCall("ReceiveMessage", (abortSignal) =>
    running.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: running.settings.waitTimeSeconds,
        VisibilityTimeout: running.settings.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        MessageAttributeNames: ["All"]
      }),
      { abortSignal }
    )
  ).pipe(
    Effect.map((output) => output.Messages ?? []),
    Effect.tapError((error) =>
      Effect.zipRight(running.count("receiveErrors"), Effect.logWarning(`${error.message}; backing off`))
    ),
    Effect.retry(running.backoff)
  )

/**
 * A received message's fiber: wait for a handler slot, then handle it. The slot and the message's place are freed
 * once (`release`): when the handler is done (processMessage, before the acknowledgement), or at the end whatever
 * happened.
 * It runs forked under the poll loop's mask: waiting and handling stay interruptible (drain timeout), the bookkeeping
 * between them does not.
 */
const whenSlotFree = <R>(running: Running, handler: MessageHandler<R>, queue: ResolvedQueue, message: Message) => {
  let stage: "waiting" | "handling" | "done" = "waiting"
  const release = Effect.suspend(() => {
    const was = stage
    stage = "done"
    if (was === "done") return Effect.void
    // Interrupted while waiting, no slot was taken: only the place goes back.
    const slot = was === "handling" ? running.slots.release(1) : running.count("waiting", -1)
    return Effect.zipRight(slot, releasePlaces(running.places, 1))
  })
  return Effect.interruptible(running.slots.take(1)).pipe(
    Effect.zipRight(Effect.suspend(() => ((stage = "handling"), running.count("waiting", -1)))),
    Effect.zipRight(Effect.interruptible(processMessage(running, handler, queue, message, release))),
    Effect.ensuring(
      Effect.suspend(() => {
        running.renewing.delete(message.ReceiptHandle ?? "")
        running.handling.delete(message.ReceiptHandle ?? "")
        return Effect.zipRight(release, running.count("inFlight", -1))
      })
    )
  )
}

/** The queue's URL (retried until it resolves) and its redrive policy (if it cannot be read now, §5.1's). */
const resolveQueue = (running: Running) =>
  Effect.gen(function* () {
    const queueUrl = yield* resolveQueueUrl(running.client, running.queue).pipe(
      Effect.tapError((error) => Effect.logWarning(`${error.message}; retrying`)),
      Effect.retry(running.backoff)
    )
    yield* Ref.set(running.queueUrl, Option.some(queueUrl))
    // The final receive is the one that reaches maxReceiveCount.
    const policy = yield* queueAttributes(running.client, queueUrl, ["RedrivePolicy"]).pipe(
      Effect.map((attributes) => parseRedrivePolicy(attributes.RedrivePolicy)),
      Effect.tap((found) =>
        found === undefined
          ? Effect.logWarning(`Queue ${queueNameOf(queueUrl)} has no redrive policy: failed messages never reach a DLQ`)
          : Effect.void
      ),
      Effect.catchAll((error) =>
        Effect.as(Effect.logWarning(`${error.message}; assuming maxReceiveCount ${MAX_RECEIVE_COUNT}`), {
          deadLetterTargetArn: "",
          maxReceiveCount: MAX_RECEIVE_COUNT
        })
      )
    )
    const acknowledgements = makeAcknowledgements(running.client, queueUrl, DELETE_BATCH_WINDOW_MILLIS)
    running.acknowledgements.current = acknowledgements
    return { queueUrl, maxReceiveCount: policy?.maxReceiveCount, acknowledgements } satisfies ResolvedQueue
  })

/** What handling a message needs to know about its queue. */
interface ResolvedQueue {
  readonly queueUrl: string
  readonly maxReceiveCount: number | undefined
  readonly acknowledgements: Acknowledgements
}

/** The places a receive did not fill given back, then a fiber for each message that waits for a handler slot. */
const handOut = Effect.fnUntraced(function* <R>(
  running: Running,
  handler: MessageHandler<R>,
  queue: ResolvedQueue,
  messages: ReadonlyArray<Message>,
  taken: number
) {
  yield* releasePlaces(running.places, taken - messages.length)
  yield* running.count("received", messages.length)
  for (const message of messages) {
    running.renewing.add(message.ReceiptHandle ?? "")
    running.handling.set(message.ReceiptHandle ?? "", message)
    yield* running.count("inFlight")
    yield* running.count("waiting")
    yield* FiberSet.run(running.handlers, whenSlotFree(running, handler, queue, message))
  }
})

/**
 * Receive as many messages as there are free places (a full batch), and fork a fiber for each that waits
 * for a handler slot and handles it, until interrupted.
 */
const pollLoop = <R>(running: Running, handler: MessageHandler<R>) =>
  Effect.gen(function* () {
    const queue = yield* resolveQueue(running)
    const { queueUrl, maxReceiveCount } = queue
    running.state.current = "running"
    yield* Effect.logInfo("SQS consumer started").pipe(
      Effect.annotateLogs({
        queue: queueNameOf(queueUrl),
        concurrency: running.settings.concurrency,
        maxReceiveCount: maxReceiveCount ?? "none"
      })
    )
    const { places } = running
    while (true) {
      const taken = yield* takeFreePlaces(places, MAX_BATCH, RECEIVE_AT_LEAST)
      // Once a receive has returned, its messages are handed to fibers without a gap a stop could fall into.
      yield* Effect.uninterruptibleMask((restore) =>
        restore(receive(running, queueUrl, taken).pipe(Effect.onInterrupt(() => releasePlaces(places, taken)))).pipe(
          Effect.flatMap((messages) => handOut(running, handler, queue, messages, taken))
        )
      )
    }
  })

// --- Stopping and health --------------------------------------------------------------------------------------------

/** Stop receiving, let the handlers in flight finish (up to the drain timeout), then stop reporting. */
const drainOf = (
  running: Running,
  poller: Fiber.RuntimeFiber<never, unknown>,
  reporter: Fiber.RuntimeFiber<never, unknown>,
  heartbeats: Fiber.RuntimeFiber<never, unknown>
) =>
  Effect.gen(function* () {
    const { settings } = running
    running.state.current = "draining"
    yield* Fiber.interrupt(poller)
    // No more messages come: the deletions waiting for a batch go now, and every later one at once.
    if (running.acknowledgements.current !== undefined) yield* running.acknowledgements.current.flushNow
    yield* logStats(running, "SQS consumer draining: no more receives, finishing the messages in flight")
    const finished = yield* FiberSet.awaitEmpty(running.handlers).pipe(
      Effect.timeout(settings.drainTimeoutMillis),
      Effect.option
    )
    if (Option.isNone(finished)) {
      yield* Effect.logWarning(
        `Drain timed out after ${settings.drainTimeoutMillis} ms: interrupting ${running.stats().inFlight} handler(s); their messages are not acknowledged and will be redelivered`
      )
      yield* FiberSet.clear(running.handlers)
    }
    yield* Fiber.interrupt(heartbeats)
    yield* Fiber.interrupt(reporter)
    running.state.current = "stopped"
    yield* logStats(running, "SQS consumer stopped")
  })

const healthOf = (running: Running) =>
  Effect.gen(function* () {
    const url = yield* Ref.get(running.queueUrl)
    const queue: QueueHealth = Option.isSome(url)
      ? yield* queueHealth(running.client, url.value)
      : {
          status: "DOWN",
          details: { queueName: queueNameOf(running.queue), error: "The queue URL has not been resolved yet" }
        }
    // Draining or stopped: DOWN, so that readiness stops sending traffic during a shutdown.
    const state = running.state.current
    const status = state === "draining" || state === "stopped" ? "DOWN" : queue.status
    return {
      ...queue,
      status,
      consumer: { ...running.stats(), state, queueUrl: Option.getOrNull(url) }
    } satisfies ConsumerHealth
  })

/**
 * A running consumer in the current scope; closing the scope interrupts everything (use `drain` first to finish the
 * messages in flight). It needs core's `handleDomainEvent` services, and `R` for a custom handler.
 */
export const makeConsumer = <R = never>(
  options: ConsumerOptions<R>
): Effect.Effect<Consumer, never, R | HandlerServices | Scope.Scope> =>
  Effect.gen(function* () {
    const running = yield* makeRunning(options)
    const handler: MessageHandler<R | HandlerServices> = options.handler ?? handleDomainEvent
    const poller = yield* Effect.forkScoped(pollLoop(running, handler))
    const heartbeats = yield* Effect.forkScoped(heartbeat(running))
    const reporter = yield* Effect.forkScoped(
      logStats(running, "SQS consumer stats").pipe(Effect.delay(running.settings.statsIntervalMillis), Effect.forever)
    )
    return {
      stats: running.stats,
      state: () => running.state.current,
      health: healthOf(running),
      drain: yield* Effect.cached(drainOf(running, poller, reporter, heartbeats)),
      inFlight: () => [...running.handling.values()].map(describeMessage)
    } satisfies Consumer
  })

// --- Promise API for main, the CLI and tests --------------------------------------------------------------------------

export interface StartConsumerOptions<E = never> extends Partial<ConsumerSettings> {
  readonly client: SQSClient
  readonly queue: string
  /**
   * Core: a layer (built here and released by `stop`), or a runtime shared with another host (the HTTP host in
   * `serve --http --queue`), which `stop` leaves running.
   */
  readonly core: Layer.Layer<HandlerServices, E> | ManagedRuntime.ManagedRuntime<HandlerServices, E>
}

export interface RunningConsumer {
  /** The counters now. */
  readonly stats: ConsumerStats
  readonly state: ConsumerState
  readonly health: () => Promise<ConsumerHealth>
  /**
   * The Delius database behind the handlers: `SELECT 1` through core's SqlClient, bounded by `timeoutMs`, as the HTTP
   * host's `db` component (http-koa health.ts) — a consumer whose database is down cannot handle anything, so its
   * readiness must say so. DOWN (with the reason) when core has no SqlClient or the check fails or times out.
   */
  readonly database: (timeoutMs?: number) => Promise<{ readonly status: "UP" | "DOWN"; readonly error?: string }>
  /** Graceful drain (see `makeConsumer`), then release what `startConsumer` built. Idempotent. */
  readonly stop: () => Promise<void>
  /** The messages received and not finished (see `Consumer.inFlight`). */
  readonly inFlight: () => ReadonlyArray<string>
}

/** Starts consuming; rejects only when core cannot be built (bad DATABASE_URL, …). SQS problems are retried. */
export const startConsumer = async <E>(options: StartConsumerOptions<E>): Promise<RunningConsumer> => {
  const { core, ...consumerOptions } = options
  const owned = Layer.isLayer(core)
  const runtime = owned
    ? ManagedRuntime.make(core as Layer.Layer<HandlerServices, E>)
    : (core as ManagedRuntime.ManagedRuntime<HandlerServices, E>)
  const scope = Effect.runSync(Scope.make())
  let consumer: Consumer
  try {
    consumer = await runtime.runPromise(Scope.extend(makeConsumer(consumerOptions), scope))
  } catch (error) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    if (owned) await runtime.dispose()
    throw error
  }
  let stopping: Promise<void> | undefined
  return {
    get stats() {
      return consumer.stats()
    },
    get state() {
      return consumer.state()
    },
    health: () => runtime.runPromise(consumer.health),
    database: databaseCheck(runtime),
    inFlight: () => consumer.inFlight(),
    stop: () =>
      (stopping ??= (async () => {
        await runtime.runPromise(consumer.drain)
        await Effect.runPromise(Scope.close(scope, Exit.void))
        if (owned) await runtime.dispose()
      })())
  }
}
