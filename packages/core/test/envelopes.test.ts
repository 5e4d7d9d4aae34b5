import * as OtelResource from "@effect/opentelemetry/Resource"
import * as OtelTracer from "@effect/opentelemetry/Tracer"
import { resourceFromAttributes } from "@opentelemetry/resources"
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor
} from "@opentelemetry/sdk-trace-base"
import { Effect, Exit, Fiber, Layer, Tracer } from "effect"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { envelopeWriter, timeSpan } from "../src/telemetry/envelopes.js"
import { exportedSpanContext, exportingTracer } from "../src/telemetry/exportedSpans.js"

/**
 * envelopes.ts writes the Application Insights items that Microsoft's exporter wrote for the same span. Each case runs
 * one program twice: under @effect/opentelemetry's tracer over the OpenTelemetry SDK, its spans turned into items by
 * Microsoft's own functions (`readableSpanToEnvelope`, `spanEventsToEnvelopes`, then the REST client's serializer, as
 * its exporter posts them), and under exportingTracer with the envelope writer. The items must be the same, field by
 * field; only ids (replaced by the names of the spans they point at), times and the writer's own sdkVersion tag differ.
 *
 * Microsoft's functions are internal to @azure/monitor-opentelemetry-exporter (pinned to an exact version in
 * package.json): they are imported from its files.
 */

const exporterDir = dirname(
  createRequire(import.meta.url).resolve("@azure/monitor-opentelemetry-exporter/package.json")
)
const internal = async <T>(file: string): Promise<T> =>
  (await import(pathToFileURL(join(exporterDir, "dist", "esm", file)).href)) as T
const { readableSpanToEnvelope, spanEventsToEnvelopes } = await internal<{
  readableSpanToEnvelope: (span: ReadableSpan, iKey: string) => unknown
  spanEventsToEnvelopes: (span: ReadableSpan, iKey: string) => Array<unknown>
}>("utils/spanUtils.js")
const { createResourceMetricEnvelope } = await internal<{
  createResourceMetricEnvelope: (resource: unknown, iKey: string, applicationId?: string) => unknown
}>("utils/common.js")
const { telemetryItemSerializer } = await internal<{ telemetryItemSerializer: (item: unknown) => unknown }>(
  "generated/models/models.js"
)

const IKEY = "11111111-2222-3333-4444-555555555555"
const ROLE = "refer-and-monitor-and-delius"
const INSTANCE = "pod-7f9c"
const VERSION = "2026-12-07.123.abcdef0"
const APPLICATION = "99999999-8888-7777-6666-555555555555"
// The resource ApplicationInsights.ts gives the logs (and the exporter gave the spans).
const resource = resourceFromAttributes({
  ...OtelResource.configToAttributes({ serviceName: ROLE, serviceVersion: VERSION }),
  "service.instance.id": INSTANCE
})
const writer = envelopeWriter({
  instrumentationKey: IKEY,
  role: ROLE,
  roleInstance: INSTANCE,
  serviceVersion: VERSION,
  sdkVersion: "node24:test",
  applicationId: APPLICATION
})

type Item = Record<string, unknown> & {
  tags: Record<string, string>
  data: { baseType: string; baseData: Record<string, unknown> }
}
/** As posted: JSON (undefined fields gone). */
const wire = (item: unknown): Item => JSON.parse(JSON.stringify(item)) as Item

const microsofts = async (program: Effect.Effect<unknown, unknown>) => {
  const exporter = new InMemorySpanExporter()
  const processor = new SimpleSpanProcessor(exporter)
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] })
  const tracer = Layer.unwrapEffect(
    OtelTracer.make.pipe(
      Effect.map(({ span }) => Layer.setTracer(Tracer.make({ span, context: (execution) => execution() }))),
      Effect.provideService(OtelTracer.OtelTracer, provider.getTracer(ROLE))
    )
  )
  await Effect.runPromise(Effect.provide(Effect.exit(program), tracer))
  await processor.forceFlush()
  const spans = exporter.getFinishedSpans()
  return {
    spans,
    items: spans.flatMap((span) =>
      [readableSpanToEnvelope(span, IKEY), ...spanEventsToEnvelopes(span, IKEY)].map((e) =>
        wire(telemetryItemSerializer(e))
      )
    )
  }
}

const ours = async (program: Effect.Effect<unknown, unknown>) => {
  const items: Array<Item> = []
  const names = new Map<string, string>()
  const tracer = Layer.setTracer(
    exportingTracer({
      write: (span) => {
        names.set(span.spanId, span.name)
        writer.span(span, (text) => items.push(JSON.parse(text) as Item))
      }
    })
  )
  await Effect.runPromise(Effect.provide(Effect.exit(program), tracer))
  return { items, names }
}

const DURATION = /^(\d+\.)?\d\d:\d\d:\d\d\.\d{3,7}$/
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** An item with its ids replaced by span names, its times checked for shape and set aside. */
const normalised = (item: Item, names: ReadonlyMap<string, string>, traces: Map<string, string>) => {
  const { tags, data, time, ...rest } = item
  expect(time).toMatch(ISO)
  const base = { ...data.baseData }
  if (base.id !== undefined) base.id = names.get(String(base.id)) ?? `unknown ${String(base.id)}`
  if (base.duration !== undefined) {
    expect(base.duration).toMatch(DURATION)
    base.duration = "duration"
  }
  if (Array.isArray(base.exceptions)) {
    // A stack names the frames it passed through, which differ between the two tracers.
    base.exceptions = base.exceptions.map((e: Record<string, unknown>) => ({ ...e, stack: typeof e.stack }))
  }
  const properties = base.properties as Record<string, string> | undefined
  if (properties?.["_MS.links"] !== undefined) {
    const links = JSON.parse(properties["_MS.links"]) as Array<{ operation_Id: string; id: string }>
    base.properties = {
      ...properties,
      "_MS.links": links.map((link) => ({ trace: typeof link.operation_Id, to: names.get(link.id) }))
    }
  }
  const { "ai.internal.sdkVersion": sdk, ...otherTags } = tags
  expect(typeof sdk).toBe("string")
  const traceId = otherTags["ai.operation.id"]
  if (traceId !== undefined) {
    if (!traces.has(traceId)) traces.set(traceId, `trace ${traces.size + 1}`)
    otherTags["ai.operation.id"] = traces.get(traceId)!
  }
  const parent = otherTags["ai.operation.parentId"]
  if (parent !== undefined) otherTags["ai.operation.parentId"] = names.get(parent) ?? `unknown ${parent}`
  return { ...rest, tags: otherTags, data: { ...data, baseData: base } }
}

/** Runs `program` both ways and expects the same items; returns ours, as written. */
const bothWays = async (program: Effect.Effect<unknown, unknown>) => {
  const reference = await microsofts(program)
  const written = await ours(program)
  const referenceNames = new Map(reference.spans.map((span) => [span.spanContext().spanId, span.name]))
  expect(written.items.map((i) => normalised(i, written.names, new Map()))).toEqual(
    reference.items.map((i) => normalised(i, referenceNames, new Map()))
  )
  expect(written.items.length).toBeGreaterThan(0)
  return written.items
}

class Refused extends Error {
  override readonly name = "Refused"
}

const SQL = 'INSERT INTO CONTACT ("CONTACT_ID","NOTES") VALUES (?,?)'

describe("envelopes: the items Microsoft's exporter writes for the same spans", () => {
  it("a request as the HTTP host traces it, a workflow under it, a transaction and statements (SQLite, PostgreSQL, Oracle)", async () => {
    const statement = (name: string, system: string, legacy: string, extra: Record<string, unknown> = {}) =>
      Effect.void.pipe(
        Effect.withSpan(name, {
          kind: "client",
          attributes: { "db.system.name": system, "db.system": legacy, "db.statement": SQL, ...extra }
        })
      )
    const program = Effect.all([
      statement("Contact.insert", "sqlite", "sqlite"),
      statement("Nsi.findByCrnAndUrn", "postgresql", "postgresql", { "db.namespace": "test", "db.name": "test" }),
      statement("Person.lock", "oracle", "oracle", { "server.address": "delius-db", "server.port": 1521 }),
      Effect.void.pipe(
        Effect.withSpan("sql.transaction", { kind: "client", attributes: { "db.system.name": "sqlite" } })
      )
    ]).pipe(
      Effect.withSpan("Referral.start"),
      Effect.withSpan("PUT /probation-case/:crn/referrals", {
        kind: "server",
        root: true,
        attributes: {
          "http.request.method": "PUT",
          "url.path": "/probation-case/X123456/referrals",
          "url.scheme": "http",
          "server.address": "127.0.0.1",
          "http.route": "/probation-case/:crn/referrals",
          "http.response.status_code": 204
        }
      })
    )
    const items = await bothWays(program)
    expect(items.map((i) => [i.name, i.data.baseData.name, i.data.baseData.type])).toEqual([
      ["Microsoft.ApplicationInsights.RemoteDependency", "Contact.insert", "SQL"],
      ["Microsoft.ApplicationInsights.RemoteDependency", "Nsi.findByCrnAndUrn", "postgresql"],
      ["Microsoft.ApplicationInsights.RemoteDependency", "Person.lock", "SQL"],
      ["Microsoft.ApplicationInsights.RemoteDependency", "sql.transaction", "Dependency"],
      ["Microsoft.ApplicationInsights.RemoteDependency", "Referral.start", "InProc"],
      ["Microsoft.ApplicationInsights.Request", "PUT /probation-case/:crn/referrals", undefined]
    ])
    expect(items[0]!.data.baseData).toMatchObject({
      data: SQL,
      target: "sqlite",
      properties: { "db.system.name": "sqlite" }
    })
    expect(items[1]!.data.baseData).toMatchObject({ target: "test" })
    expect(items[2]!.data.baseData).toMatchObject({ target: "delius-db" })
    expect(items[5]!.data.baseData).toMatchObject({
      responseCode: "204",
      success: true,
      url: "http://127.0.0.1/probation-case/X123456/referrals"
    })
    expect(items[5]!.tags).toMatchObject({
      "ai.cloud.role": ROLE,
      "ai.cloud.roleInstance": INSTANCE,
      "ai.application.ver": VERSION,
      "ai.operation.name": "PUT /probation-case/:crn/referrals"
    })
  })

  it("a request that failed with a 5xx, an unmatched one, and a 4xx", async () => {
    const request = (route: string | undefined, status: number) =>
      (status >= 500 ? Effect.fail(`status ${status}`) : Effect.void).pipe(
        Effect.withSpan(`GET ${route ?? "unmatched"}`, {
          kind: "server",
          root: true,
          attributes: {
            "http.request.method": "GET",
            "url.path": "/case/X1",
            "url.scheme": "https",
            "server.address": "ram-delius.hmpps.service.justice.gov.uk",
            "http.response.status_code": status,
            ...(route !== undefined ? { "http.route": route } : {})
          }
        })
      )
    const items = await bothWays(
      Effect.all([request("/case/:crn", 500), request(undefined, 404), request("/x", 401)].map(Effect.exit))
    )
    expect(items.map((i) => [i.data.baseType, i.data.baseData.success])).toEqual([
      ["RequestData", false],
      ["ExceptionData", undefined],
      ["RequestData", true],
      ["RequestData", true]
    ])
  })

  it("R&M and HMPPS Auth calls: HTTP dependencies, the default port dropped from the target", async () => {
    const get = (url: string, status: number) =>
      Effect.void.pipe(
        Effect.withSpan("http.client GET", {
          kind: "client",
          attributes: { "http.request.method": "GET", "url.full": url, "http.response.status_code": status }
        })
      )
    const program = Effect.all([
      get("https://refer-monitor-intervention.hmpps.service.justice.gov.uk:443/sent-referral/abc", 200),
      get("http://127.0.0.1:8081/referral/abc?x=1", 404),
      Effect.void.pipe(Effect.withSpan("HmppsAuthToken.fetch", { attributes: { "url.full": "https://auth/token" } }))
    ]).pipe(
      Effect.withSpan("ProcessMessage", { kind: "consumer", attributes: { "ai.operation.name": "ProcessMessage" } })
    )
    const items = await bothWays(program)
    expect(items[0]!.data.baseData).toMatchObject({
      name: "GET /sent-referral/abc",
      type: "Http",
      resultCode: "200",
      target: "https://refer-monitor-intervention.hmpps.service.justice.gov.uk/sent-referral/abc"
    })
    expect(items[3]!.data.baseData).toMatchObject({ name: "ProcessMessage", responseCode: "0" })
  })

  it("a failure: an exception item under the span; an interruption is no failure", async () => {
    const program = Effect.gen(function* () {
      const fiber = yield* Effect.fork(Effect.never.pipe(Effect.withSpan("R&M callback")))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      yield* Effect.fail(new Refused("no such CRN")).pipe(Effect.withSpan("Case.find"))
    }).pipe(Effect.withSpan("ProcessMessage", { kind: "consumer" }))
    const items = await bothWays(program)
    const exception = items.find((i) => i.data.baseType === "ExceptionData")!
    expect(exception.data.baseData.exceptions).toEqual([
      { typeName: "Refused", message: "no such CRN", hasFullStack: true, stack: expect.stringContaining("no such CRN") }
    ])
    expect(items.find((i) => i.data.baseData.name === "R&M callback")!.data.baseData).toMatchObject({
      success: true,
      properties: { "span.label": "⚠︎ Interrupted", "status.interrupted": "true" }
    })
  })

  it("events, links, a producer, a root span, attribute values of every kind, and properties cut at 8 KB", async () => {
    const program = Effect.gen(function* () {
      const first = yield* Effect.makeSpan("first")
      yield* Effect.useSpan(
        "second",
        { links: [{ _tag: "SpanLink", span: first, attributes: { why: "retry" } }] },
        (span) => Effect.sync(() => span.event("retried", 5_000_000n, { attempt: 2 }))
      )
      first.end(1_000_000n, Exit.void)
      yield* Effect.void.pipe(
        Effect.withSpan("publish", {
          kind: "producer",
          attributes: {
            count: 3,
            ok: true,
            big: 10n,
            object: { a: 1 },
            long: "é".repeat(5000),
            "microsoft.internal": "dropped",
            "_MS.ProcessedByMetricExtractors": "(Name:'X', Ver:'1.1')",
            "http.route": "mapped"
          }
        })
      )
    }).pipe(Effect.withSpan("root"))
    const items = await bothWays(program)
    const published = items.find((i) => i.data.baseData.name === "publish")!
    expect(published.data.baseData.type).toBe("Queue Message")
    expect(Buffer.byteLength(String((published.data.baseData.properties as Record<string, string>).long))).toBe(8192)
  })

  it("the resource item at the head of each batch", () => {
    const reference = wire(
      telemetryItemSerializer({
        ...(createResourceMetricEnvelope(resource, IKEY, APPLICATION) as object),
        time: new Date(0)
      })
    )
    expect(JSON.parse(writer.resource(new Date(0)))).toEqual({
      ...reference,
      tags: { ...reference.tags, "ai.internal.sdkVersion": "node24:test" }
    })
  })

  it("durations as the exporter writes them", () => {
    expect([0, 0.0004, 1.5, 61_000.25, 90_061_001].map(timeSpan)).toEqual([
      "00:00:00.000",
      "00:00:00.0000004",
      "00:00:00.0015",
      "00:01:01.00025",
      "1.01:01:01.001"
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
        Layer.setTracer(exportingTracer({ write: () => {} }))
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
