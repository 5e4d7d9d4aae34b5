import { Effect, Exit, Fiber, Layer, ManagedRuntime, RuntimeFlags, Supervisor } from "effect"
import { describe, expect, it } from "vitest"
import type { EndedSpan } from "../src/telemetry/envelopes.js"
import { exportingTracer } from "../src/telemetry/exportedSpans.js"
import { traced } from "../src/telemetry/spans.js"

/**
 * `traced` (telemetry/spans.ts) makes the span `Effect.withSpan` makes, with fewer Effect operations: each case runs a
 * program written with `traced` and the same program written with `Effect.withSpan`, and compares the spans ended.
 */

const spansOf = async (program: Effect.Effect<unknown, unknown>) => {
  const ended: Array<EndedSpan> = []
  const exit = await Effect.runPromise(
    Effect.provide(Effect.exit(program), Layer.setTracer(exportingTracer({ write: (span) => ended.push(span) })))
  )
  const names = new Map(ended.map((span) => [span.spanId, span.name]))
  return {
    exit,
    spans: ended.map((span) => ({
      name: span.name,
      kind: span.kind,
      parent: span.parentSpanId === undefined ? undefined : names.get(span.parentSpanId),
      oneTrace: ended.every((other) => other.traceId === ended[0]!.traceId),
      failed: span.failed,
      attributes: Object.entries(span.attributes),
      events: span.events.map((event) => event.name)
    }))
  }
}

/** The same program with `traced` and with `Effect.withSpan`: the same spans, the same exit. */
const alike = async (
  program: (
    span: (
      name: string,
      options?: { kind?: "client"; attributes?: Record<string, unknown> }
    ) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  ) => Effect.Effect<unknown, unknown>
) => {
  const ours = await spansOf(program((name, options) => traced(name, options)))
  const effects = await spansOf(
    program((name, options) => (self) => Effect.withSpan(self, name, { captureStackTrace: false, ...options }))
  )
  expect(ours.spans).toEqual(effects.spans)
  expect(Exit.isSuccess(ours.exit)).toBe(Exit.isSuccess(effects.exit))
  return ours
}

class Refused extends Error {
  override readonly name = "Refused"
}

describe("traced: Effect.withSpan's spans in fewer operations", () => {
  it("parents: a child under its span, the span put back after it, siblings under the same parent", async () => {
    const { spans } = await alike((span) =>
      Effect.gen(function* () {
        yield* Effect.void.pipe(span("inner"))
        yield* Effect.void.pipe(span("statement", { kind: "client", attributes: { "db.system.name": "sqlite" } }))
        return yield* Effect.succeed(1).pipe(span("second"))
      }).pipe(
        span("workflow"),
        Effect.zipRight(Effect.void.pipe(span("after"))),
        Effect.annotateSpans({ crn: "X123456" }),
        span("request")
      )
    )
    expect(spans.map(({ name, parent }) => [name, parent])).toEqual([
      ["inner", "workflow"],
      ["statement", "workflow"],
      ["second", "workflow"],
      ["workflow", "request"],
      ["after", "request"],
      ["request", undefined]
    ])
    expect(spans[1]!.attributes).toEqual([
      ["crn", "X123456"],
      ["db.system.name", "sqlite"]
    ])
  })

  it("a failure fails the span with its error as an exception, and passes through unchanged", async () => {
    const { spans, exit } = await alike((span) =>
      Effect.fail(new Refused("no such CRN")).pipe(span("Case.find"), span("request"))
    )
    expect(spans.map(({ name, failed, events }) => [name, failed, events])).toEqual([
      ["Case.find", true, ["exception"]],
      ["request", true, ["exception"]]
    ])
    expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toBeInstanceOf(Refused)
  })

  it("an interruption ends the span, labelled interrupted, not failed", async () => {
    const { spans } = await alike((span) =>
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(Effect.never.pipe(span("R&M callback")))
        yield* Effect.yieldNow()
        yield* Fiber.interrupt(fiber)
        yield* Effect.void.pipe(span("next"))
      }).pipe(span("ProcessMessage"))
    )
    expect(spans.find((s) => s.name === "R&M callback")).toMatchObject({
      parent: "ProcessMessage",
      failed: false,
      attributes: [
        ["span.label", "⚠︎ Interrupted"],
        ["status.interrupted", true]
      ]
    })
    expect(spans.find((s) => s.name === "next")?.parent).toBe("ProcessMessage")
  })

  it("with spans off it is the effect itself: no span", async () => {
    const ended: Array<EndedSpan> = []
    await Effect.runPromise(
      Effect.void.pipe(
        traced("off"),
        Effect.withTracerEnabled(false),
        Effect.provide(Layer.setTracer(exportingTracer({ write: (span) => ended.push(span) })))
      )
    )
    expect(ended).toEqual([])
  })

  it("costs 15 Effect operations a span where Effect.withSpan costs 35", async () => {
    let operations = 0
    class Counter extends Supervisor.AbstractSupervisor<number> {
      get value() {
        return Effect.sync(() => operations)
      }
      override onEffect() {
        operations++
      }
    }
    const runtime = ManagedRuntime.make(
      Layer.mergeAll(
        Supervisor.addSupervisor(new Counter()),
        RuntimeFlags.enableOpSupervision,
        Layer.setTracer(exportingTracer({ write: () => {} }))
      )
    )
    const count = async (program: Effect.Effect<unknown>) => {
      await runtime.runPromise(program) // the runtime built first
      operations = 0
      await runtime.runPromise(program)
      return operations - 1 // the effect itself
    }
    expect(await count(Effect.void.pipe(traced("x")))).toBe(15)
    expect(await count(Effect.void.pipe(Effect.withSpan("x")))).toBe(35)
    await runtime.dispose()
  })
})
