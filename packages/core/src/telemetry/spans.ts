/**
 * Span helpers that cost nothing when spans are off (no exporter: makeCoreLayer's `tracing`). Effect's own
 * `annotateCurrentSpan` and `currentSpan` look for a span that propagates and, finding none, build a
 * NoSuchElementException — an Error with a captured stack — on every call (35 µs a call, measured in the R&M client).
 * `Effect.withSpan` and a named `Effect.fn` make a (no-op) span even with the tracer off: clock reads, a span object, a
 * context copy and an exit handler, 20–35 µs each, on every repository call.
 */
import { Effect, FiberRef, type Tracer } from "effect"

const tracing = FiberRef.get(FiberRef.currentTracerEnabled)

/** `Effect.annotateCurrentSpan`, skipped when spans are off. */
export const annotateSpan = (attributes: Readonly<Record<string, unknown>>): Effect.Effect<void> =>
  Effect.flatMap(tracing, (enabled) => (enabled ? Effect.annotateCurrentSpan(attributes) : Effect.void))

/**
 * `Effect.withSpan(name, options)` when spans are on, the effect itself when they are off. The span carries no
 * call-site stack (`captureStackTrace: false` unless given): its name says where, and capturing one is the cost this
 * avoids.
 */
export const traced =
  (name: string, options?: Tracer.SpanOptions) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiberRuntime((fiber) =>
      fiber.getFiberRef(FiberRef.currentTracerEnabled)
        ? Effect.withSpan(self, name, { captureStackTrace: false, ...options })
        : self
    )
