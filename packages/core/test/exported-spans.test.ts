import * as OtelTracer from "@effect/opentelemetry/Tracer"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import { resourceFromAttributes } from "@opentelemetry/resources"
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor
} from "@opentelemetry/sdk-trace-base"
import { Effect, Fiber, Layer, Tracer } from "effect"
import { describe, expect, it } from "vitest"
import { exportedSpanContext, exportingTracer } from "../src/telemetry/exportedSpans.js"

/**
 * exportedSpans.ts hands Effect's spans to OpenTelemetry's span processor without OpenTelemetry's tracer. What the
 * Application Insights exporter reads from a finished span must be what @effect/opentelemetry's tracer over the SDK's
 * gave it: each case runs the same program under both and compares the spans field by field (ids and times aside).
 */

const resource = resourceFromAttributes({ "service.name": "refer-and-monitor-and-delius" })

/** The spans `program` ends, as the exporter receives them, under the tracer `layer` installs. */
const finishedUnder = async (
  program: Effect.Effect<unknown, unknown>,
  tracer: (processor: SimpleSpanProcessor) => Layer.Layer<never>
) => {
  const exporter = new InMemorySpanExporter()
  const processor = new SimpleSpanProcessor(exporter)
  await Effect.runPromise(Effect.provide(Effect.exit(program), tracer(processor)))
  await processor.forceFlush()
  return exporter.getFinishedSpans()
}

const viaSdk = (processor: SimpleSpanProcessor) => {
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] })
  return Layer.unwrapEffect(
    OtelTracer.make.pipe(
      Effect.map(({ span }) => Layer.setTracer(Tracer.make({ span, context: (execution) => execution() }))),
      Effect.provideService(OtelTracer.OtelTracer, provider.getTracer("refer-and-monitor-and-delius"))
    )
  )
}

const direct = (processor: SimpleSpanProcessor) =>
  Layer.setTracer(exportingTracer({ processor, resource, scope: { name: "refer-and-monitor-and-delius" } }))

/** What the exporter reads of a span, its ids replaced by the names of the spans they point at. */
const readable = (spans: ReadonlyArray<ReadableSpan>) => {
  const names = new Map(spans.map((span) => [span.spanContext().spanId, span.name]))
  return spans.map((span) => ({
    name: span.name,
    kind: span.kind,
    parent: span.parentSpanContext === undefined ? undefined : names.get(span.parentSpanContext.spanId),
    sameTraceAsParent:
      span.parentSpanContext === undefined || span.parentSpanContext.traceId === span.spanContext().traceId,
    sampled: span.spanContext().traceFlags,
    status: span.status,
    attributes: span.attributes,
    events: span.events.map((event) => ({
      name: event.name,
      // A stack trace names the frames it passed through, which differ between the two tracers.
      attributes: { ...event.attributes, "exception.stacktrace": typeof event.attributes?.["exception.stacktrace"] }
    })),
    links: span.links.map((link) => ({ to: names.get(link.context.spanId), attributes: link.attributes })),
    resource: span.resource.attributes["service.name"],
    durationIsTime: Array.isArray(span.duration) && span.duration[0] >= 0 && span.duration[1] >= 0
  }))
}

const bothWays = async (program: Effect.Effect<unknown, unknown>) => {
  const [sdk, ours] = await Promise.all([finishedUnder(program, viaSdk), finishedUnder(program, direct)])
  expect(readable(ours)).toEqual(readable(sdk))
  return ours
}

class Refused extends Error {
  override readonly name = "Refused"
}

describe("exportingTracer: spans as the Application Insights exporter reads them", () => {
  it("a request with nested client spans: names, kinds, parents, one trace, attributes as OpenTelemetry values", async () => {
    const program = Effect.gen(function* () {
      yield* Effect.annotateCurrentSpan({ "http.route": "/probation-case/:crn/referrals", count: 3, big: 10n })
      yield* Effect.void.pipe(
        Effect.withSpan("Contact.insert", {
          kind: "client",
          attributes: { "db.system": "sqlite", "db.statement": "INSERT INTO CONTACT", object: { a: 1 }, ok: true }
        }),
        Effect.withSpan("Appointment.merge")
      )
    }).pipe(Effect.withSpan("PUT /probation-case/:crn/referrals", { kind: "server", root: true }))
    const spans = await bothWays(program)
    expect(readable(spans).map(({ name, kind, parent }) => ({ name, kind, parent }))).toEqual([
      { name: "Contact.insert", kind: SpanKind.CLIENT, parent: "Appointment.merge" },
      { name: "Appointment.merge", kind: SpanKind.INTERNAL, parent: "PUT /probation-case/:crn/referrals" },
      { name: "PUT /probation-case/:crn/referrals", kind: SpanKind.SERVER, parent: undefined }
    ])
    expect(spans[0]!.attributes).toMatchObject({ object: '{\n  "a": 1\n}', ok: true })
    expect(spans[2]!.attributes).toMatchObject({ count: 3, big: "10" })
    expect(spans.every((span) => /^[0-9a-f]{32}$/.test(span.spanContext().traceId))).toBe(true)
    expect(new Set(spans.map((span) => span.spanContext().spanId)).size).toBe(3)
    expect(spans.every((span) => /^[0-9a-f]{16}$/.test(span.spanContext().spanId))).toBe(true)
  })

  it("a failure: status ERROR with the error's message, and the error as an exception event", async () => {
    const spans = await bothWays(Effect.fail(new Refused("no such CRN")).pipe(Effect.withSpan("Case.find")))
    expect(spans[0]!.status).toEqual({ code: SpanStatusCode.ERROR, message: "no such CRN" })
    expect(spans[0]!.events.map((event) => event.name)).toEqual(["exception"])
    expect(spans[0]!.events[0]!.attributes).toMatchObject({
      "exception.type": "Refused",
      "exception.message": "no such CRN",
      "exception.stacktrace": expect.stringContaining("no such CRN")
    })
  })

  it("an interruption: status OK, labelled interrupted", async () => {
    const program = Effect.gen(function* () {
      const fiber = yield* Effect.fork(Effect.never.pipe(Effect.withSpan("R&M callback")))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.withSpan("ProcessMessage", { kind: "consumer" }))
    const spans = await bothWays(program)
    const interrupted = spans.find((span) => span.name === "R&M callback")!
    expect(interrupted.status.code).toBe(SpanStatusCode.OK)
    expect(interrupted.attributes).toMatchObject({ "span.label": "⚠︎ Interrupted", "status.interrupted": true })
  })

  it("span events and links", async () => {
    const program = Effect.gen(function* () {
      const first = yield* Effect.makeSpan("first")
      yield* Effect.useSpan(
        "second",
        { links: [{ _tag: "SpanLink", span: first, attributes: { why: "retry" } }] },
        (span) => Effect.sync(() => span.event("retried", 5_000_000n, { attempt: 2 }))
      )
      first.end(1_000_000n, { _tag: "Success", value: undefined } as never)
    })
    const spans = await bothWays(program)
    expect(spans.find((span) => span.name === "second")!.events).toMatchObject([
      { name: "retried", attributes: { attempt: 2 } }
    ])
  })

  it("a span's context for a custom event: ours and external ones, never a no-op span's", async () => {
    const contexts = await Effect.runPromise(
      Effect.provide(
        Effect.all([
          Effect.withFiberRuntime((fiber) => Effect.succeed(exportedSpanContext(fiber.currentSpan))).pipe(
            Effect.withSpan("handled")
          ),
          Effect.withFiberRuntime((fiber) => Effect.succeed(exportedSpanContext(fiber.currentSpan))).pipe(
            Effect.withSpan("off"),
            Effect.withTracerEnabled(false)
          ),
          Effect.succeed(
            exportedSpanContext(
              Tracer.externalSpan({ spanId: "b7ad6b7169203331", traceId: "0af7651916cd43dd8448eb211c80319c" })
            )
          )
        ]),
        direct(new SimpleSpanProcessor(new InMemorySpanExporter()))
      )
    )
    expect(contexts[0]).toMatchObject({
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      traceFlags: 1,
      isRemote: false
    })
    expect(contexts[1]).toBeUndefined()
    expect(contexts[2]).toEqual({
      spanId: "b7ad6b7169203331",
      traceId: "0af7651916cd43dd8448eb211c80319c",
      traceFlags: 1,
      isRemote: true
    })
  })
})
