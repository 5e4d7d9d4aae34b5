/**
 * Effect's spans handed straight to an OpenTelemetry span processor (the Application Insights exporter's batch
 * processor), without the OpenTelemetry tracer in between (DESIGN.md, Running in production).
 *
 * Why not @effect/opentelemetry's tracer over the SDK's: each Effect span then became three objects — Effect's wrapper,
 * the SDK's span (attribute limits, a sampler, a context object per parent) and the wrapper's own attribute map — and
 * that chain cost as much CPU as the exporter itself, about a tenth of the exporting host's per request. Every span
 * here is sampled (the SDK's default, parent-based always-on, sampled every span too: no span arrives with a parent
 * that was not). The processor and exporter are OpenTelemetry's and Microsoft's as before; they read a finished span
 * through OpenTelemetry's `ReadableSpan`, which `finished` builds once, when the span ends.
 *
 * What a span records follows @effect/opentelemetry's tracer, so Application Insights receives what it did: attribute
 * values as OpenTelemetry values (other values as their string form), status OK on success or interruption (labelled
 * "⚠︎ Interrupted"), and on failure status ERROR with the first error's message and that error as an `exception`
 * event, its stack the whole cause; an end before the start is the start, as OpenTelemetry's span makes it.
 * test/exported-spans.test.ts runs the same programs through both and compares what the exporter reads.
 */
import {
  type Attributes,
  type HrTime,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags
} from "@opentelemetry/api"
import type { Resource } from "@opentelemetry/resources"
import type { ReadableSpan, SpanProcessor, TimedEvent } from "@opentelemetry/sdk-trace-base"
import { Cause, type Context, type Exit, Inspectable, type Option, Tracer } from "effect"
import { randomFillSync } from "node:crypto"

const KIND: Readonly<Record<Tracer.SpanKind, SpanKind>> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER
}

// Ids from a pool of random bytes, refilled when spent: one system call per 256 spans rather than one per id.
const pool = Buffer.alloc(4096)
let used = pool.length
const randomHex = (bytes: number): string => {
  for (;;) {
    if (used + bytes > pool.length) {
      randomFillSync(pool)
      used = 0
    }
    const hex = pool.toString("hex", used, (used += bytes))
    // An id of all zeros is invalid in W3C trace context: draw again.
    if (!/^0+$/.test(hex)) return hex
  }
}

const hrTime = (nanos: bigint): HrTime => [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)]

const attributeValue = (value: unknown) =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? value
    : typeof value === "bigint"
      ? value.toString()
      : Inspectable.toStringUnknown(value)

const toAttributes = (record: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>): Attributes => {
  const attributes: Attributes = {}
  const entries = record instanceof Map ? record : Object.entries(record)
  for (const [key, value] of entries) attributes[key] = attributeValue(value)
  return attributes
}

const spanContextOf = (span: Tracer.AnySpan): SpanContext => ({
  traceId: span.traceId,
  spanId: span.spanId,
  traceFlags: TraceFlags.SAMPLED,
  isRemote: span._tag === "ExternalSpan"
})

class ExportedSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId: string
  readonly traceId: string
  readonly sampled = true
  readonly attributes = new Map<string, unknown>()
  readonly links: Array<Tracer.SpanLink>
  status: Tracer.SpanStatus
  private events: Array<TimedEvent> | undefined

  constructor(
    private readonly exporter: Exporter,
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.traceId = parent._tag === "Some" ? parent.value.traceId : randomHex(16)
    this.spanId = randomHex(8)
    this.links = links.slice()
    this.status = { _tag: "Started", startTime }
  }

  attribute(key: string, value: unknown): void {
    this.attributes.set(key, value)
  }

  event(name: string, startTime: bigint, attributes?: Record<string, unknown>): void {
    ;(this.events ??= []).push({
      name,
      time: hrTime(startTime),
      ...(attributes ? { attributes: toAttributes(attributes) } : {})
    })
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    for (const link of links) this.links.push(link)
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    if (this.status._tag === "Ended") return
    this.status = { _tag: "Ended", endTime, exit, startTime: this.status.startTime }
    this.exporter.processor.onEnd(this.finished(endTime, exit))
  }

  /** The span as OpenTelemetry's processor and exporter read it. */
  private finished(endTime: bigint, exit: Exit.Exit<unknown, unknown>): ReadableSpan {
    const attributes = toAttributes(this.attributes)
    let status: ReadableSpan["status"] = { code: SpanStatusCode.OK }
    if (exit._tag === "Failure") {
      if (Cause.isInterruptedOnly(exit.cause)) {
        // (@effect/opentelemetry gives the cause as the status message, which OpenTelemetry drops from an OK status.)
        status = { code: SpanStatusCode.OK }
        attributes["span.label"] = "⚠︎ Interrupted"
        attributes["status.interrupted"] = true
      } else {
        const error = Cause.prettyErrors(exit.cause)[0]
        if (error !== undefined) {
          status = { code: SpanStatusCode.ERROR, message: error.message }
          this.event("exception", endTime, {
            "exception.type": error.name,
            "exception.message": error.message,
            "exception.stacktrace": Cause.pretty(exit.cause, { renderErrorCause: true })
          })
        }
      }
    }
    const startTime = this.status.startTime
    // As OpenTelemetry's span ends: never before it started.
    if (endTime < startTime) endTime = startTime
    const context = spanContextOf(this)
    return {
      name: this.name,
      kind: KIND[this.kind],
      spanContext: () => context,
      ...(this.parent._tag === "Some" ? { parentSpanContext: spanContextOf(this.parent.value) } : {}),
      startTime: hrTime(startTime),
      endTime: hrTime(endTime),
      duration: hrTime(endTime - startTime),
      status,
      attributes,
      links: this.links.map((link) => ({
        context: spanContextOf(link.span),
        attributes: toAttributes(link.attributes)
      })),
      events: this.events ?? [],
      ended: true,
      resource: this.exporter.resource,
      instrumentationScope: this.exporter.scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0
    }
  }
}

/**
 * The OpenTelemetry span context of a span this tracer made or one from elsewhere (an external parent); undefined for
 * Effect's no-op spans, which have no ids to tie anything to.
 */
export const exportedSpanContext = (span: Tracer.AnySpan | undefined): SpanContext | undefined =>
  span instanceof ExportedSpan || span?._tag === "ExternalSpan" ? spanContextOf(span) : undefined

interface Exporter {
  readonly processor: SpanProcessor
  readonly resource: Resource
  readonly scope: { readonly name: string; readonly version?: string }
}

/**
 * An Effect tracer whose spans, once ended, go to `processor` (a batch processor over the exporter). Effect's
 * `context` hook is left out: it re-enters the fiber's span as the active OpenTelemetry context every time a fiber
 * resumes, for code that reads `context.active()`, and none does here — nothing outside Effect is instrumented.
 */
export const exportingTracer = (exporter: Exporter): Tracer.Tracer =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind) =>
      new ExportedSpan(exporter, name, parent, context, links, startTime, kind),
    context: (execution) => execution()
  })
