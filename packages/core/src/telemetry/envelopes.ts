/**
 * Application Insights envelopes (the ingestion endpoint's `track` items) written as JSON text straight from an ended
 * span (DESIGN.md, Running in production).
 *
 * Why not the Azure Monitor exporter's span path: it turns each span into an OpenTelemetry `ReadableSpan`, then an
 * envelope object, then the REST client's wire object, and only then JSON. Per record that chain cost more than the
 * span itself — a referral start sends 26 records, and the exporter's work was about a seventh of the exporting host's
 * CPU (the JSON.stringify of the batch alone 5%). Here a span becomes its envelope's text once, when it ends; the
 * parts that never change (instrumentation key, role tags) are written once per process, and a statement's SQL text is
 * escaped once per statement shape, not once per execution.
 *
 * What is written is what Microsoft's exporter (@azure/monitor-opentelemetry-exporter 1.0.0-beta.42,
 * `readableSpanToEnvelope`, `spanEventsToEnvelopes`, `createResourceMetricEnvelope`) writes for the same span: server
 * and consumer spans are requests, the others dependencies (HTTP, SQL, in-process, queue), an `exception` event is an
 * exception item and any other event a trace message; the same attributes are read for the same fields, and the rest
 * are the item's properties, truncated as it truncates them. test/envelopes.test.ts runs the same programs through
 * both and compares the items field by field. Not carried over, as no span of this service sets them: gRPC and Azure
 * SDK dependencies, and Event Hub spans.
 */
import type { Tracer } from "effect"

/** An attribute as OpenTelemetry holds it. */
export type AttributeValue = string | number | boolean

export interface SpanEvent {
  readonly name: string
  /** Nanoseconds since the epoch. */
  readonly time: bigint
  readonly attributes: Readonly<Record<string, AttributeValue>>
}

/** All the envelope writer reads of a span once it has ended. */
export interface EndedSpan {
  readonly name: string
  readonly kind: Tracer.SpanKind
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  /** Nanoseconds since the epoch; the end is never before the start. */
  readonly startTime: bigint
  readonly endTime: bigint
  readonly attributes: Readonly<Record<string, AttributeValue>>
  /** Status ERROR: a failure (an interruption is not one). */
  readonly failed: boolean
  readonly events: ReadonlyArray<SpanEvent>
  readonly links: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
}

/** Who sends: the envelope fields and tags that are the same for every item of the process. */
export interface EnvelopeSource {
  readonly instrumentationKey: string
  /** `ai.cloud.role`: the resource's `service.name`. */
  readonly role: string
  /** `ai.cloud.roleInstance`: the resource's `service.instance.id` (the pod's host name). */
  readonly roleInstance: string
  /** `ai.application.ver`: the resource's `service.version`, when set. */
  readonly serviceVersion?: string | undefined
  /** `ai.internal.sdkVersion`: what wrote the items. */
  readonly sdkVersion: string
  /** The connection string's `ApplicationId`, when it has one: a property of the resource item, for correlation. */
  readonly applicationId?: string | undefined
}

// The ingestion endpoint's field limits, as the exporter applies them (its MaxPropertyLengths).
const NINE_BIT = 512
const TEN_BIT = 1024
const THIRTEEN_BIT = 8192
const FIFTEEN_BIT = 32768

/** Attributes the exporter maps to fields or tags, so never copies into properties (its legacy and HTTP lists). */
const MAPPED = new Set([
  "net.peer.ip",
  "net.peer.name",
  "net.host.ip",
  "peer.service",
  "http.user_agent",
  "http.method",
  "http.url",
  "http.status_code",
  "http.route",
  "http.host",
  "db.system",
  "db.statement",
  "db.operation",
  "db.name",
  "rpc.system",
  "rpc.grpc.status_code",
  "exception.type",
  "exception.message",
  "exception.stacktrace",
  "http.scheme",
  "http.target",
  "http.flavor",
  "net.transport",
  "net.host.name",
  "net.host.port",
  "net.peer.port",
  "http.client_ip",
  "enduser.id",
  "http.status_text",
  "client.address",
  "client.port",
  "server.address",
  "server.port",
  "url.full",
  "url.path",
  "url.query",
  "url.scheme",
  "error.type",
  "network.local.address",
  "network.local.port",
  "network.protocol.name",
  "network.peer.address",
  "network.peer.port",
  "network.protocol.version",
  "network.transport",
  "user_agent.original",
  "http.request.method",
  "http.response.status_code",
  "enduser.pseudo.id",
  "user_agent.synthetic.type",
  "ai.operation.name"
])
const KEPT_MS = new Set(["_MS.ProcessedByMetricExtractors"])
const KEPT_MICROSOFT = new Set([
  "microsoft.gen_ai.main_agent.name",
  "microsoft.gen_ai.main_agent.id",
  "microsoft.gen_ai.main_agent.version",
  "microsoft.gen_ai.main_agent.conversation_id"
])
/** The gen-AI properties the exporter allows 256 KB; none is set here, every property gets the 8 KB limit. */
const isProperty = (key: string) =>
  !MAPPED.has(key) &&
  !(key.startsWith("_MS.") && !KEPT_MS.has(key)) &&
  !(key.startsWith("microsoft.") && !KEPT_MICROSOFT.has(key))

/** Database systems the portal shows as SQL (the exporter's `isSqlDB`). */
const SQL_SYSTEMS = new Set(["db2", "derby", "mariadb", "mssql", "oracle", "sqlite", "other_sql", "hsqldb", "h2"])
const DB_TYPES: Readonly<Record<string, string>> = {
  mysql: "mysql",
  postgresql: "postgresql",
  mongodb: "mongodb",
  redis: "redis"
}

const json = JSON.stringify

/**
 * JSON text of strings that recur from item to item (span names, statement texts): escaped once. Bounded, so text
 * that does not recur cannot grow it without limit; when full it starts again.
 */
const recurring = new Map<string, string>()
const quoted = (text: string): string => {
  let out = recurring.get(text)
  if (out === undefined) {
    if (recurring.size >= 2048) recurring.clear()
    recurring.set(text, (out = json(text)))
  }
  return out
}

/** A property value cut to 8 KB of UTF-8, as the exporter cuts it (a character cut in two becomes U+FFFD). */
const property = (value: AttributeValue): string => {
  const text = typeof value === "string" ? value : String(value)
  // Three bytes at most per UTF-16 unit: shorter text cannot be over the limit.
  if (text.length <= THIRTEEN_BIT / 3) return text
  const bytes = Buffer.from(text, "utf8")
  return bytes.byteLength <= THIRTEEN_BIT ? text : bytes.subarray(0, THIRTEEN_BIT).toString("utf8")
}

const propertiesOf = (attributes: Readonly<Record<string, AttributeValue>>, extra?: string): string => {
  let out = ""
  for (const key in attributes) {
    if (!isProperty(key)) continue
    out += `${out === "" ? "" : ","}${json(key)}:${json(property(attributes[key]!))}`
  }
  if (extra !== undefined) out += `${out === "" ? "" : ","}${extra}`
  return `{${out}}`
}

/**
 * An ISO 8601 time from nanoseconds since the epoch (milliseconds kept, as `Date` keeps them). The spans of a request
 * mostly start within the same millisecond: the last one written is kept.
 */
let lastMs = Number.NaN
let lastIso = ""
const isoTime = (nanos: bigint): string => {
  const ms = Number(nanos / 1_000_000n)
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString()
    lastMs = ms
  }
  return lastIso
}

/** A duration as `[d.]hh:mm:ss.fffffff`, the exporter's `msToTimeSpan`. */
export const timeSpan = (totalMs: number): string => {
  if (isNaN(totalMs) || totalMs < 0) totalMs = 0
  let sec = ((totalMs / 1000) % 60).toFixed(7)
  // Up to four trailing zeros dropped (the exporter's `.replace(/0{0,4}$/, "")`).
  let end = sec.length
  while (end > sec.length - 4 && sec.charCodeAt(end - 1) === 48) end--
  sec = sec.slice(0, end)
  let min = String(Math.floor(totalMs / 60_000) % 60)
  let hour = String(Math.floor(totalMs / 3_600_000) % 24)
  const days = Math.floor(totalMs / 86_400_000)
  if (sec.indexOf(".") < 2) sec = `0${sec}`
  if (min.length < 2) min = `0${min}`
  if (hour.length < 2) hour = `0${hour}`
  return `${days > 0 ? `${days}.` : ""}${hour}:${min}:${sec}`
}

/** Milliseconds between two nanosecond times, as OpenTelemetry's `hrTimeToMilliseconds` gives them. */
const durationMs = (start: bigint, end: bigint): number => {
  const nanos = end - start
  return Number(nanos / 1_000_000_000n) * 1e3 + Number(nanos % 1_000_000_000n) / 1e6
}

const text = (value: AttributeValue | undefined): string | undefined =>
  value === undefined || value === "" || value === 0 || value === false ? undefined : String(value)

/** The first of `keys` with a value the exporter counts as set (it tests with `||`). */
const first = (attributes: Readonly<Record<string, AttributeValue>>, a: string, b: string) =>
  text(attributes[a]) ?? text(attributes[b])

const httpMethodOf = (a: Readonly<Record<string, AttributeValue>>) => first(a, "http.request.method", "http.method")
const httpUrlOf = (a: Readonly<Record<string, AttributeValue>>) => first(a, "url.full", "http.url")
const statusCodeOf = (a: Readonly<Record<string, AttributeValue>>) =>
  first(a, "http.response.status_code", "http.status_code")
const hostOf = (a: Readonly<Record<string, AttributeValue>>) => first(a, "server.address", "http.host")
const peerIpOf = (a: Readonly<Record<string, AttributeValue>>) => first(a, "network.peer.address", "net.peer.ip")
const peerNameOf = (a: Readonly<Record<string, AttributeValue>>) => first(a, "client.address", "net.peer.name")

/** The exporter's `getUrl`: the full URL, else one put together from scheme, host or peer, and target. */
const urlOf = (a: Readonly<Record<string, AttributeValue>>): string => {
  if (httpMethodOf(a) === undefined) return ""
  const full = httpUrlOf(a)
  if (full !== undefined) return full
  const scheme = first(a, "url.scheme", "http.scheme")
  const target = text(a["url.path"]) ?? text(a["url.query"]) ?? text(a["http.target"])
  if (scheme === undefined || target === undefined) return ""
  const host = hostOf(a)
  if (host !== undefined) return `${scheme}://${host}${target}`
  const port = text(a["client.port"]) ?? text(a["server.port"]) ?? text(a["net.peer.port"])
  if (port === undefined) return ""
  const peer = peerNameOf(a) ?? peerIpOf(a)
  return peer === undefined ? "" : `${scheme}://${peer}:${port}${target}`
}

/** The exporter's `getDependencyTarget`. */
const targetOf = (a: Readonly<Record<string, AttributeValue>>): string =>
  text(a["peer.service"]) ?? hostOf(a) ?? httpUrlOf(a) ?? peerNameOf(a) ?? peerIpOf(a) ?? ""

/** A span's own sample rate (`microsoft.sample_rate`), else 100: every item of the span carries it. */
const sampleRateOf = (a: Readonly<Record<string, AttributeValue>>): number =>
  a["microsoft.sample_rate"] ? Number(a["microsoft.sample_rate"]) : 100

const DEFAULT_PORT = /(https?)(:\/\/.*)(:\d+)(\S*)/

const pathnameOf = (url: string): string | undefined => {
  try {
    return new URL(url).pathname
  } catch {
    return undefined
  }
}

/**
 * Writes envelopes for one process. `span` gives the items of an ended span (the span's, then one per event);
 * `resource` the resource item the exporter sends at the head of every batch.
 */
export const envelopeWriter = (source: EnvelopeSource) => {
  const resourceTags =
    `"ai.internal.sdkVersion":${json(source.sdkVersion)},"ai.cloud.role":${json(source.role)},` +
    `"ai.cloud.roleInstance":${json(source.roleInstance)}` +
    (source.serviceVersion !== undefined ? `,"ai.application.ver":${json(source.serviceVersion)}` : "")
  const iKey = json(source.instrumentationKey)
  const head = (name: string, time: string, sampleRate: number, tags: string) =>
    `{"ver":1,"name":"${name}","time":"${time}","sampleRate":${sampleRate},"iKey":${iKey},"tags":{${resourceTags}${tags}},`

  const spanItem = (span: EndedSpan): string => {
    const a = span.attributes
    const server = span.kind === "server"
    let tags = `,"ai.operation.id":"${span.traceId}"`
    if (span.parentSpanId !== undefined) tags += `,"ai.operation.parentId":"${span.parentSpanId}"`
    const endUser = text(a["enduser.id"])
    if (endUser !== undefined) tags += `,"ai.user.authUserId":${json(endUser)}`
    const pseudoUser = text(a["enduser.pseudo.id"])
    if (pseudoUser !== undefined) tags += `,"ai.user.id":${json(pseudoUser)}`
    const userAgent = first(a, "user_agent.original", "http.user_agent")
    if (userAgent !== undefined) tags += `,"ai.user.userAgent":${json(userAgent)}`
    if (a["user_agent.synthetic.type"]) tags += `,"ai.operation.syntheticSource":"True"`
    const clientIp = text(a["microsoft.client.ip"])
    if (clientIp !== undefined) tags += `,"ai.location.ip":${json(clientIp)}`
    const method = httpMethodOf(a)
    let operationName: string | undefined
    if (server) {
      const ip = clientIp === undefined ? (first(a, "client.address", "http.client_ip") ?? peerIpOf(a)) : undefined
      if (ip !== undefined) tags += `,"ai.location.ip":${json(ip)}`
      operationName = span.name
      if (method !== undefined) {
        const route = text(a["http.route"])
        const url = route === undefined ? httpUrlOf(a) : undefined
        const path = url === undefined ? undefined : pathnameOf(url)
        if (route !== undefined) operationName = `${method} ${route}`.substring(0, TEN_BIT)
        else if (path !== undefined) operationName = `${method} ${path}`.substring(0, TEN_BIT)
      }
    } else if (a["ai.operation.name"]) {
      operationName = String(a["ai.operation.name"])
    }
    if (operationName !== undefined) tags += `,"ai.operation.name":${json(operationName)}`

    const links =
      span.links.length === 0
        ? undefined
        : `"_MS.links":${json(json(span.links.map((l) => ({ operation_Id: l.traceId, id: l.spanId }))))}`
    const properties = `"properties":${propertiesOf(a, links)},"measurements":{}`
    const duration = timeSpan(durationMs(span.startTime, span.endTime))
    const id = `"id":${json(span.spanId.substring(0, NINE_BIT))}`
    const sampleRate = sampleRateOf(a)
    const time = isoTime(span.startTime)

    if (server || span.kind === "consumer") {
      let fields = `"ver":2,${id}`
      if (operationName !== undefined) fields += `,"name":${quoted(operationName.substring(0, TEN_BIT))}`
      fields += `,"duration":"${duration}","success":${!span.failed}`
      let responseCode = "0"
      if (method !== undefined) {
        responseCode = statusCodeOf(a) ?? "0"
        fields += `,"responseCode":${json(responseCode)},"url":${json(urlOf(a))}`
      } else {
        const grpc = text(a["rpc.grpc.status_code"])
        fields += `,"responseCode":${json(grpc ?? responseCode)}`
      }
      return (
        head("Microsoft.ApplicationInsights.Request", time, sampleRate, tags) +
        `"data":{"baseType":"RequestData","baseData":{${fields},${properties}}}}`
      )
    }

    let name = span.name
    let type = "Dependency"
    let resultCode = "0"
    let data: string | undefined
    let target: string | undefined
    if (span.kind === "producer") type = "Queue Message"
    if (span.kind === "internal" && span.parentSpanId !== undefined) type = "InProc"
    const system = text(a["db.system"])
    if (method !== undefined) {
      const url = httpUrlOf(a)
      const path = url === undefined ? undefined : pathnameOf(url)
      if (path !== undefined) name = `${method} ${path}`
      type = "Http"
      data = urlOf(a)
      resultCode = statusCodeOf(a) ?? resultCode
      const to = targetOf(a)
      if (to !== "") {
        const parts = DEFAULT_PORT.exec(to)
        target =
          parts !== null &&
          ((parts[1] === "https" && parts[3] === ":443") || (parts[1] === "http" && parts[3] === ":80"))
            ? parts[1] + parts[2] + parts[4]
            : to
      }
    } else if (system !== undefined) {
      type = DB_TYPES[system] ?? (SQL_SYSTEMS.has(system) ? "SQL" : system)
      data = text(a["db.statement"]) ?? text(a["db.operation"])
      const to = targetOf(a)
      const database = text(a["db.name"])
      target = to !== "" ? (database !== undefined ? `${to}|${database}` : to) : (database ?? system)
    }
    let fields = `"ver":2,${id},"name":${quoted(name.substring(0, TEN_BIT))},"resultCode":${json(resultCode.substring(0, TEN_BIT))}`
    if (data !== undefined) fields += `,"data":${quoted(data.substring(0, THIRTEEN_BIT))}`
    fields += `,"type":${json(type.substring(0, TEN_BIT))}`
    if (target !== undefined) fields += `,"target":${json(target.substring(0, TEN_BIT))}`
    fields += `,"duration":"${duration}","success":${!span.failed}`
    return (
      head("Microsoft.ApplicationInsights.RemoteDependency", time, sampleRate, tags) +
      `"data":{"baseType":"RemoteDependencyData","baseData":{${fields},${properties}}}}`
    )
  }

  /** An event of a span: an `exception` is an exception item, any other a trace message, under the span. */
  const eventItem = (span: EndedSpan, event: SpanEvent): string => {
    const sampleRate = sampleRateOf(span.attributes)
    const tags = `,"ai.operation.id":"${span.traceId}","ai.operation.parentId":"${span.spanId}"`
    const time = isoTime(event.time)
    const e = event.attributes
    if (event.name === "exception") {
      const stack = String(e["exception.stacktrace"])
      const message = e["exception.message"] ? String(e["exception.message"]) : "Exception"
      const detail = `{"typeName":${json(String(e["exception.type"]))},"message":${json(message)},"hasFullStack":${stack !== ""},"stack":${json(stack)}}`
      return (
        head("Microsoft.ApplicationInsights.Exception", time, sampleRate, tags) +
        `"data":{"baseType":"ExceptionData","baseData":{"ver":2,"exceptions":[${detail}],"properties":${propertiesOf(e)}}}}`
      )
    }
    return (
      head("Microsoft.ApplicationInsights.Message", time, sampleRate, tags) +
      `"data":{"baseType":"MessageData","baseData":{"ver":2,"message":${json(event.name.substring(0, FIFTEEN_BIT))},"properties":${propertiesOf(e)}}}}`
    )
  }

  const resourceProperties = json({
    "service.name": source.role,
    ...(source.serviceVersion !== undefined ? { "service.version": source.serviceVersion } : {}),
    "service.instance.id": source.roleInstance,
    ...(source.applicationId !== undefined ? { "microsoft.applicationId": source.applicationId } : {})
  })

  return {
    span: (span: EndedSpan, write: (item: string) => void): void => {
      write(spanItem(span))
      for (const event of span.events) write(eventItem(span, event))
    },
    /** The resource item (the exporter's `_OTELRESOURCE_` metric) sent at the head of each batch. */
    resource: (now: Date): string =>
      head("Microsoft.ApplicationInsights.Metric", now.toISOString(), 100, "") +
      `"data":{"baseType":"MetricData","baseData":{"ver":2,"metrics":[{"name":"_OTELRESOURCE_","value":1}],"properties":${resourceProperties}}}}`
  }
}
