/**
 * The outbound Refer and Monitor client (spec §5.3): GET of the event's absolute `detailUrl` with a client-credentials
 * bearer token, decoded with the caller's schema (`schemas.ts`).
 *
 * Failure model: every failure is a `ReferAndMonitorError`, which the queue host treats as a Failure (retry, then DLQ
 * — §5.2). `transient` only says whether retrying in-process can help: transport errors, timeouts, 5xx, 429 and 408
 * are retried by the event handler (3 attempts in all per receive, §5.2 step 6, §5.3 — the client itself does not
 * retry by default, so there is one retry layer); other 4xx and undecodable bodies are not. A 404 is still a Failure
 * for the message (the event may have raced ahead of R&M's commit, client-contract.md §3.1) — SQS redelivery retries it.
 *
 * The bearer token only goes to R&M (§5.3 "Allowed hosts"): a URL whose origin is not one of the allowed
 * `detailUrlOrigins` — or that is relative, not http(s), or malformed — is refused before any request (and before a
 * token is fetched), as a non-transient error naming the URL, so the message fails to the DLQ where support sees it.
 */

import { FetchHttpClient, HttpClient, HttpTraceContext } from "@effect/platform"
import {
  Context,
  Duration,
  Effect,
  Either,
  FiberRef,
  Layer,
  Option,
  ParseResult,
  Redacted,
  Schedule,
  Schema,
  type ConfigError,
  type Tracer
} from "effect"
import { describeFailure } from "../describe.js"
import { memoizedBy } from "../memo.js"
import { ReferAndMonitorError } from "../errors.js"
import {
  defaultTimeouts,
  DETAIL_URLS_VARIABLE,
  devDetailUrlOrigins,
  devReferAndMonitorPort,
  type DetailUrlOrigins,
  httpOrigin,
  referAndMonitorSettings,
  type HmppsAuthCredentials,
  type HttpTimeouts
} from "./config.js"
import { deadlinesOf } from "./deadlines.js"
import { fastThenSchema } from "./fastDecode.js"
import { bodySnippet, HmppsAuthToken, isTransientStatus, type HttpExchange } from "./HmppsAuth.js"

export interface ReferAndMonitorClientShape {
  /**
   * GET `url` (absolute) and decode the JSON body with `schema`. A 2xx with an empty body is `null` (§5.3: the handlers
   * treat it as "not found").
   */
  readonly get: <A, I>(url: string, schema: Schema.Schema<A, I>) => Effect.Effect<A | null, ReferAndMonitorError>
}

export interface ReferAndMonitorClientOptions {
  /** HMPPS Auth client credentials; `undefined` = dev mode, R&M is called without a token. */
  readonly auth?: HmppsAuthCredentials | undefined
  /** Per-attempt timeouts; default connect 1 s, read 5 s (§5.3). See `HttpTimeouts` for how they apply to fetch. */
  readonly timeouts?:
    | { readonly connect?: Duration.DurationInput | undefined; readonly read?: Duration.DurationInput | undefined }
    | undefined
  /**
   * Delays between attempts of a transient failure; its recurrences bound the retries. Default: none (one attempt),
   * because the event handler already retries the whole handling 3 times (§5.2 step 6) and §5.3 allows 3 attempts in
   * all per receive — retrying here too made a 5xx cost 9 GETs. An embedder calling R&M outside `handleDomainEvent`
   * can pass e.g. `defaultRetrySchedule`.
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, ReferAndMonitorError> | undefined
  /**
   * The origins URLs may have (`MESSAGING_CONSUMER_DETAIL_URLS`, §5.3). Default: dev mode's local R&M stub
   * (`http://localhost:{DEV_REFER_AND_MONITOR_PORT}` and `http://127.0.0.1:…`, port default 8091).
   */
  readonly detailUrlOrigins?: DetailUrlOrigins | undefined
}

/** For embedders that call R&M on their own: 3 attempts in all, with a short exponential back-off (100 ms, 200 ms). */
export const defaultRetrySchedule: Schedule.Schedule<unknown, ReferAndMonitorError> = Schedule.exponential(
  "100 millis"
).pipe(Schedule.intersect(Schedule.recurs(2)))

/** The client's own default: no retry — one retry layer, the event handler's (§5.2 step 6, §5.3). */
const noRetry: Schedule.Schedule<unknown, ReferAndMonitorError> = Schedule.stop

const resolveTimeouts = (timeouts: ReferAndMonitorClientOptions["timeouts"]): HttpTimeouts => ({
  connect: timeouts?.connect === undefined ? defaultTimeouts.connect : Duration.decode(timeouts.connect),
  read: timeouts?.read === undefined ? defaultTimeouts.read : Duration.decode(timeouts.read)
})

const isSuccess = (status: number) => status >= 200 && status <= 299

/**
 * §5.3: the token only goes to a listed origin; anything else is refused before a request is made. The error, or
 * `undefined` when `url` may be called. A URL that starts with a listed origin and "/" has that origin (its authority
 * ends at that "/"), so the common case is a prefix test; anything else is parsed.
 */
const originGuard = (allowed: DetailUrlOrigins) => {
  const prefixes = allowed.origins.map((origin) => `${origin}/`)
  return (url: string): ReferAndMonitorError | undefined => {
    for (const prefix of prefixes) if (url.startsWith(prefix)) return undefined
    const origin = httpOrigin(url)
    if (Option.isSome(origin) && allowed.origins.includes(origin.value)) return undefined
    const why = Option.isNone(origin)
      ? "it is not an absolute http(s) URL"
      : !allowed.set
        ? `${DETAIL_URLS_VARIABLE} is not set`
        : `its origin ${origin.value} is not in ${DETAIL_URLS_VARIABLE} (${allowed.origins.join(", ")})`
    return new ReferAndMonitorError({
      url,
      transient: false,
      message: `Refused to call ${url}: ${why}; no request was made`
    })
  }
}

/**
 * One GET: a single `fetch` inside a single effect (the platform client plus two stacked `timeoutFail`s cost 4–5 ms
 * CPU a call against 0.9 ms for a plain fetch). Same timeouts as `exchange` (`HttpTimeouts`): the status and headers
 * within connect + read, then the whole body within read; both abort the one request, as does interruption of the
 * fiber (the canceler). The two deadlines are kept by `deadlinesOf` (deadlines.ts): one Node timer for each length,
 * not one per call. Same failures too: transport problems and timeouts are transient, the caller judges the status.
 * The body is read in the same promise chain as the status, one step each. With a span (spans on: the
 * `http.client GET` span), its trace context goes along as the platform client sends it (b3 and traceparent headers)
 * and the response status is set on it.
 */
const requestWith = (timeouts: HttpTimeouts) => {
  const headersMs = Duration.toMillis(Duration.sum(timeouts.connect, timeouts.read))
  const connectMs = Duration.toMillis(timeouts.connect)
  const readMs = Duration.toMillis(timeouts.read)
  const headersDue = deadlinesOf(headersMs)
  const bodyDue = deadlinesOf(readMs)
  // The header text of the last token: a cached token serves many calls, and undici copies a header value built per
  // call before checking it.
  let lastToken: Redacted.Redacted<string> | undefined
  let lastAuthorization = ""
  const authorizationOf = (token: Redacted.Redacted<string>) => {
    if (token !== lastToken) {
      lastToken = token
      lastAuthorization = `Bearer ${Redacted.value(token)}`
    }
    return lastAuthorization
  }
  return (
    url: string,
    token: Option.Option<Redacted.Redacted<string>>,
    span: Tracer.Span | undefined
  ): Effect.Effect<HttpExchange, ReferAndMonitorError> =>
    Effect.async<HttpExchange, ReferAndMonitorError>((resume) => {
      const headers: Record<string, string> = { accept: "application/json" }
      if (Option.isSome(token)) headers.authorization = authorizationOf(token.value)
      if (span !== undefined) Object.assign(headers, HttpTraceContext.toHeaders(span))
      const controller = new AbortController()
      let timedOut: ReferAndMonitorError | undefined
      let status: number | undefined
      // One expiry for both deadlines: until the status arrives it is the headers' deadline, then the body's.
      const expire = () => {
        timedOut = new ReferAndMonitorError(
          status === undefined
            ? {
                url,
                message: `GET ${url} timed out: no response within ${headersMs} ms (connect ${connectMs} ms + read ${readMs} ms)`,
                transient: true
              }
            : {
                url,
                message: `GET ${url} timed out reading the response body (read timeout ${readMs} ms)`,
                status,
                transient: true
              }
        )
        controller.abort()
      }
      let deadline = headersDue.start(expire)
      fetch(url, { headers, signal: controller.signal })
        .then((response) => {
          deadline.clear()
          status = response.status
          deadline = bodyDue.start(expire)
          return response.text()
        })
        .then(
          (body) => {
            deadline.clear()
            const exchange: HttpExchange = { status: status!, body }
            span?.attribute("http.response.status_code", exchange.status)
            resume(Effect.succeed(exchange))
          },
          (cause: unknown) => {
            deadline.clear()
            resume(
              Effect.fail(
                timedOut ??
                  new ReferAndMonitorError({
                    url,
                    message: `GET ${url} failed: ${status === undefined ? "Transport error" : "reading the response failed"}: ${describeFailure(cause)}`,
                    transient: true,
                    cause
                  })
              )
            )
          }
        )
      return Effect.sync(() => {
        deadline.clear()
        controller.abort()
      })
    })
}

/** The `http.client GET` span: exported as the call's dependency (Application Insights shows R&M calls as
 * dependencies of the request or message), and the parent whose context the trace headers carry. */
const clientSpan = (url: string): Tracer.SpanOptions => ({
  kind: "client",
  attributes: { "http.request.method": "GET", "url.full": url },
  captureStackTrace: false
})

/**
 * One attempt: token, GET, status, decode. A 401 means the cached token was revoked or expired early: drop it and try
 * once more with a fresh one inside the same attempt, so a stale cache costs one extra request rather than a failed
 * message. `tracing`: spans are on (telemetry/spans.ts), so the GET gets its client span.
 */
const attemptWith = (auth: typeof HmppsAuthToken.Service, request: ReturnType<typeof requestWith>) => {
  const send = (url: string, token: Option.Option<Redacted.Redacted<string>>, tracing: boolean) =>
    tracing
      ? Effect.useSpan("http.client GET", clientSpan(url), (span) => request(url, token, span))
      : request(url, token, undefined)
  const refreshed = (url: string, token: Redacted.Redacted<string>, tracing: boolean) =>
    Effect.logWarning("Refer and Monitor rejected the cached HMPPS Auth token (401); fetching a new one").pipe(
      Effect.annotateLogs({ url }),
      Effect.zipRight(auth.invalidate(token)),
      Effect.zipRight(auth.get),
      Effect.flatMap((fresh) => send(url, fresh, tracing))
    )
  return <A, I>(
    url: string,
    schema: Schema.Schema<A, I>,
    tracing: boolean
  ): Effect.Effect<A | null, ReferAndMonitorError> =>
    Effect.flatMap(auth.get, (token) =>
      Effect.flatMap(send(url, token, tracing), (first) => {
        if (first.status === 401 && Option.isSome(token)) {
          return Effect.flatMap(refreshed(url, token.value, tracing), (response) => judge(url, response, schema))
        }
        return judge(url, first, schema)
      })
    )
}

/** A 2xx is decoded; any other status is a failure naming it (transient or not, `isTransientStatus`). */
const judge = <A, I>(
  url: string,
  response: HttpExchange,
  schema: Schema.Schema<A, I>
): Effect.Effect<A | null, ReferAndMonitorError> => {
  if (isSuccess(response.status)) return decodeBody(url, response, schema)
  const snippet = bodySnippet(response.body)
  return Effect.fail(
    new ReferAndMonitorError({
      url,
      status: response.status,
      transient: isTransientStatus(response.status),
      message: `GET ${url} failed with status ${response.status}${snippet === "" ? "" : `: ${snippet}`}`
    })
  )
}

const bodyDecoder = memoizedBy((schema: Schema.Schema<any, any>) => fastThenSchema(schema, { errors: "all" }))

/**
 * The body decoded with the caller's Schema; an empty body is `null` (§5.3: "no content", not a decode failure). The
 * body is parsed with JSON.parse first: Schema.parseJson around the same decode costs about 40 µs more a call. Response
 * schemas are synchronous, so the decode returns an Either; each schema's decoder is built once (`bodyDecoder`).
 */
const decodeBody = <A, I>(
  url: string,
  response: HttpExchange,
  schema: Schema.Schema<A, I>
): Effect.Effect<A | null, ReferAndMonitorError> => {
  const undecodable = (reason: string, cause: unknown) =>
    new ReferAndMonitorError({
      url,
      status: response.status,
      transient: false,
      message: `Unable to decode the response of GET ${url}: ${reason}`,
      cause
    })
  if (response.body.trim() === "") return Effect.succeed(null)
  let json: unknown
  try {
    json = JSON.parse(response.body)
  } catch (cause) {
    return Effect.fail(undecodable(`the body is not JSON (${describeFailure(cause)})`, cause))
  }
  // The hand-written fast path of the callback schemas (fastDecode.ts): its value is the Schema's; when it declines,
  // the Schema decodes, so every failure and its message are Schema's.
  const decoded = (bodyDecoder(schema) as (json: unknown) => Either.Either<A, ParseResult.ParseError>)(json)
  return Either.isRight(decoded)
    ? Effect.succeed(decoded.right)
    : Effect.fail(undecodable(ParseResult.TreeFormatter.formatErrorSync(decoded.left), decoded.left))
}

/**
 * Builds the client on whatever `HmppsAuthToken` the context holds (embedders bring their own). The GET itself is a
 * plain fetch (see `requestWith`); `HttpClient` stays in the requirements so the signature embedders use is unchanged,
 * and it still carries the token requests.
 *
 * A call costs the runtime a handful of operations: the token, the GET, the decode, and a failure handler that logs
 * transient failures. The spans (`ReferAndMonitorClient.get` around the call, `http.client GET` around the request)
 * only when spans are exported (telemetry/spans.ts); the retry only when a schedule is given (the default is none).
 */
const make = (
  options: Pick<ReferAndMonitorClientOptions, "timeouts" | "retrySchedule" | "detailUrlOrigins"> = {}
): Effect.Effect<ReferAndMonitorClientShape, never, HttpClient.HttpClient | HmppsAuthToken> =>
  Effect.gen(function* () {
    const auth = yield* HmppsAuthToken
    const retrySchedule = options.retrySchedule === noRetry ? undefined : options.retrySchedule
    const refused = originGuard(
      options.detailUrlOrigins ?? devDetailUrlOrigins(yield* Effect.orDie(devReferAndMonitorPort))
    )
    const attempt = attemptWith(auth, requestWith(resolveTimeouts(options.timeouts)))

    const call = <A, I>(url: string, schema: Schema.Schema<A, I>, tracing: boolean) => {
      const refusal = refused(url)
      if (refusal !== undefined) return Effect.fail(refusal)
      const once = Effect.tapError(attempt(url, schema, tracing), (error) =>
        error.transient
          ? Effect.logWarning(`Refer and Monitor call failed: ${error.message}`).pipe(Effect.annotateLogs({ url }))
          : Effect.void
      )
      return retrySchedule === undefined
        ? once
        : Effect.retry(once, { schedule: retrySchedule, while: (error) => error.transient })
    }

    const get = <A, I>(url: string, schema: Schema.Schema<A, I>): Effect.Effect<A | null, ReferAndMonitorError> =>
      Effect.withFiberRuntime((fiber) =>
        fiber.getFiberRef(FiberRef.currentTracerEnabled)
          ? Effect.withSpan(call(url, schema, true), "ReferAndMonitorClient.get", {
              attributes: { "url.full": url },
              captureStackTrace: false
            })
          : call(url, schema, false)
      )

    return { get } satisfies ReferAndMonitorClientShape
  })

/** The transport: the platform's fetch client (core stays free of platform-node, DESIGN.md Layout). */
const withTransport = <A, E>(
  layer: Layer.Layer<A, E, HttpClient.HttpClient | HmppsAuthToken>,
  auth: HmppsAuthCredentials | undefined,
  timeouts: HttpTimeouts
): Layer.Layer<A, E> =>
  layer.pipe(Layer.provide(HmppsAuthToken.layer(auth, timeouts).pipe(Layer.provideMerge(FetchHttpClient.layer))))

export class ReferAndMonitorClient extends Context.Tag("@ram-delius/core/ReferAndMonitorClient")<
  ReferAndMonitorClient,
  ReferAndMonitorClientShape
>() {
  /** The service over the `HttpClient` and `HmppsAuthToken` in context. */
  static readonly make = make

  /** Explicit settings (tests and embedders), over `FetchHttpClient`. */
  static readonly layerWith = (options: ReferAndMonitorClientOptions = {}): Layer.Layer<ReferAndMonitorClient> => {
    const timeouts = resolveTimeouts(options.timeouts)
    return withTransport(
      Layer.effect(
        ReferAndMonitorClient,
        make({ timeouts, retrySchedule: options.retrySchedule, detailUrlOrigins: options.detailUrlOrigins })
      ),
      options.auth,
      timeouts
    )
  }

  /**
   * Settings from the environment (`HMPPS_AUTH_URL`, `HMPPS_AUTH_TOKEN_URL`, `OAUTH2_CLIENT_ID`, `OAUTH2_CLIENT_SECRET`,
   * `MESSAGING_CONSUMER_DETAIL_URLS` — config.ts).
   */
  static readonly layer: Layer.Layer<ReferAndMonitorClient, ConfigError.ConfigError> = Layer.unwrapEffect(
    Effect.map(referAndMonitorSettings, (settings) =>
      ReferAndMonitorClient.layerWith({ auth: settings.auth, detailUrlOrigins: settings.detailUrlOrigins })
    )
  )
}

/** Convenience accessor: `yield* getFromReferAndMonitor(detailUrl, ReferralSession)`. */
export const getFromReferAndMonitor = <A, I>(
  url: string,
  schema: Schema.Schema<A, I>
): Effect.Effect<A | null, ReferAndMonitorError, ReferAndMonitorClient> =>
  Effect.flatMap(ReferAndMonitorClient, (client) => client.get(url, schema))
