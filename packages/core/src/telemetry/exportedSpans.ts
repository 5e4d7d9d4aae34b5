/**
 * Effect's spans written as Application Insights items when they end (envelopes.ts), without OpenTelemetry's tracer or
 * span processor in between (DESIGN.md, Running in production).
 *
 * Why not @effect/opentelemetry's tracer over the SDK's: each Effect span then became three objects — Effect's wrapper,
 * the SDK's span (attribute limits, a sampler, a context object per parent) and the wrapper's own attribute map — and
 * that chain cost as much CPU as the exporter itself, about a tenth of the exporting host's per request. Every span
 * here is sampled (the SDK's default, parent-based always-on, sampled every span too: no span arrives with a parent
 * that was not).
 *
 * What a span records follows @effect/opentelemetry's tracer, so Application Insights receives what it did: attribute
 * values as OpenTelemetry values (other values as their string form), status OK on success or interruption (labelled
 * "⚠︎ Interrupted"), and on failure status ERROR with the first error's message and that error as an `exception`
 * event, its stack the whole cause; an end before the start is the start, as OpenTelemetry's span makes it.
 * test/envelopes.test.ts runs the same programs through @effect/opentelemetry, the SDK and Microsoft's exporter and
 * compares the items with these.
 */
import { type SpanContext, TraceFlags } from "@opentelemetry/api"
import { Cause, type Context, type Exit, Inspectable, type Option, Tracer } from "effect"
import { randomFillSync } from "node:crypto"
import type { AttributeValue, EndedSpan, SpanEvent } from "./envelopes.js"

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

const attributeValue = (value: unknown) =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? value
    : typeof value === "bigint"
      ? value.toString()
      : Inspectable.toStringUnknown(value)

const toAttributes = (
  record: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>
): Record<string, AttributeValue> => {
  const attributes: Record<string, AttributeValue> = {}
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
  private events: Array<SpanEvent> | undefined

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
    ;(this.events ??= []).push({ name, time: startTime, attributes: attributes ? toAttributes(attributes) : {} })
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    for (const link of links) this.links.push(link)
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    if (this.status._tag === "Ended") return
    this.status = { _tag: "Ended", endTime, exit, startTime: this.status.startTime }
    this.exporter.write(this.ended(endTime, exit))
  }

  /** The span as the envelope writer reads it. */
  private ended(endTime: bigint, exit: Exit.Exit<unknown, unknown>): EndedSpan {
    const attributes = toAttributes(this.attributes)
    let failed = false
    if (exit._tag === "Failure") {
      if (Cause.isInterruptedOnly(exit.cause)) {
        // (@effect/opentelemetry gives the cause as the status message, which OpenTelemetry drops from an OK status.)
        attributes["span.label"] = "⚠︎ Interrupted"
        attributes["status.interrupted"] = true
      } else {
        const error = Cause.prettyErrors(exit.cause)[0]
        if (error !== undefined) {
          failed = true
          this.event("exception", endTime, {
            "exception.type": error.name,
            "exception.message": error.message,
            "exception.stacktrace": Cause.pretty(exit.cause, { renderErrorCause: true })
          })
        }
      }
    }
    const startTime = this.status.startTime
    return {
      name: this.name,
      kind: this.kind,
      traceId: this.traceId,
      spanId: this.spanId,
      parentSpanId: this.parent._tag === "Some" ? this.parent.value.spanId : undefined,
      startTime,
      // As OpenTelemetry's span ends: never before it started.
      endTime: endTime < startTime ? startTime : endTime,
      attributes,
      failed,
      events: this.events ?? [],
      links: this.links.map((link) => ({ traceId: link.span.traceId, spanId: link.span.spanId }))
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
  /** Given each span once, when it ends. */
  readonly write: (span: EndedSpan) => void
}

/**
 * An Effect tracer whose spans, once ended, go to `write` (the envelope writer, then the sender). Effect's
 * `context` hook is left out: it re-enters the fiber's span as the active OpenTelemetry context every time a fiber
 * resumes, for code that reads `context.active()`, and none does here — nothing outside Effect is instrumented.
 */
export const exportingTracer = (exporter: Exporter): Tracer.Tracer =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind) =>
      new ExportedSpan(exporter, name, parent, context, links, startTime, kind),
    context: (execution) => execution()
  })
