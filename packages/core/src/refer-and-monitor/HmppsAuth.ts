import { HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import { Clock, Context, Duration, Effect, Layer, Option, ParseResult, Redacted, Schema, SynchronizedRef } from "effect"
import { describeFailure } from "../describe.js"
import { ReferAndMonitorError } from "../errors.js"
import {
  defaultTimeouts,
  tokenRefreshMargin,
  tokenUrlOf,
  type HmppsAuthCredentials,
  type HttpTimeouts
} from "./config.js"

// --- one HTTP exchange with timeouts, shared by the token fetch and the R&M client ---------------------------------

/** A completed exchange: status and the whole body as text. */
export interface HttpExchange {
  readonly status: number
  readonly body: string
}

/** Statuses worth retrying: server errors, rate limiting and request timeouts (the rest of 4xx will not change). */
export const isTransientStatus = (status: number): boolean => status >= 500 || status === 429 || status === 408

/**
 * Sends `request` and reads the whole body, bounded by the §5.3 timeouts (see `HttpTimeouts` for how connect and read
 * map onto the fetch client). Only transport problems fail here; the caller judges the status. Timeouts and transport
 * errors are transient; an invalid URL or an unencodable body is not.
 */
const exchange = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  timeouts: HttpTimeouts
): Effect.Effect<HttpExchange, ReferAndMonitorError> => {
  const url = request.url
  const what = `${request.method} ${url}`
  const transportError = (error: HttpClientError.HttpClientError) =>
    new ReferAndMonitorError({
      url,
      message: `${what} failed: ${error._tag === "RequestError" ? `${error.reason} error` : "reading the response failed"}: ${describeFailure(error.cause)}`,
      transient: error._tag === "ResponseError" || error.reason === "Transport",
      cause: error
    })
  const headersTimeout = Duration.sum(timeouts.connect, timeouts.read)
  return client.execute(request).pipe(
    Effect.mapError(transportError),
    Effect.timeoutFail({
      duration: headersTimeout,
      onTimeout: () =>
        new ReferAndMonitorError({
          url,
          message: `${what} timed out: no response within ${Duration.toMillis(headersTimeout)} ms (connect ${Duration.toMillis(timeouts.connect)} ms + read ${Duration.toMillis(timeouts.read)} ms)`,
          transient: true
        })
    }),
    Effect.flatMap((response) =>
      response.text.pipe(
        Effect.mapError(transportError),
        Effect.timeoutFail({
          duration: timeouts.read,
          onTimeout: () =>
            new ReferAndMonitorError({
              url,
              message: `${what} timed out reading the response body (read timeout ${Duration.toMillis(timeouts.read)} ms)`,
              status: response.status,
              transient: true
            })
        }),
        Effect.map((body): HttpExchange => ({ status: response.status, body }))
      )
    )
  )
}

/** At most the first 300 characters of a body, on one line, for error messages. */
export const bodySnippet = (body: string): string => {
  const oneLine = body.replace(/\s+/g, " ").trim()
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine
}

// --- HMPPS Auth client-credentials token ----------------------------------------------------------------------------

const TokenResponse = Schema.Struct({
  access_token: Schema.NonEmptyString,
  expires_in: Schema.Number
}).annotations({ identifier: "TokenResponse" })

interface CachedToken {
  readonly token: Redacted.Redacted<string>
  /** `token` as `get` answers it, made once */
  readonly answer: Option.Option<Redacted.Redacted<string>>
  /** epoch millis after which the token is fetched again (expiry minus the refresh margin) */
  readonly refreshAt: number
}

export interface HmppsAuthTokenShape {
  /**
   * A bearer token for calls to R&M, from the cache or freshly fetched; `None` in dev mode (no `HMPPS_AUTH_URL`),
   * where R&M is called without an `Authorization` header.
   */
  readonly get: Effect.Effect<Option.Option<Redacted.Redacted<string>>, ReferAndMonitorError>
  /** Drops `token` from the cache (after R&M answered 401 to it); a token fetched since is kept. */
  readonly invalidate: (token: Redacted.Redacted<string>) => Effect.Effect<void>
}

/**
 * Client-credentials token from HMPPS Auth (§5.3; spec §10 token URI `…/auth/oauth/token`, or `HMPPS_AUTH_TOKEN_URL`): POST with
 * `Authorization: Basic base64(clientId:clientSecret)` and form body `grant_type=client_credentials`.
 * The token is cached until `tokenRefreshMargin` (60 s) before `expires_in`; the cache is a `SynchronizedRef`, so
 * concurrent callers queue behind one fetch and then share its result. The secret and the token stay `Redacted`,
 * so neither reaches a log line, a span attribute or an error message.
 */
export class HmppsAuthToken extends Context.Tag("@ram-delius/core/HmppsAuthToken")<
  HmppsAuthToken,
  HmppsAuthTokenShape
>() {
  static readonly make = (
    credentials: HmppsAuthCredentials,
    timeouts: HttpTimeouts = defaultTimeouts
  ): Effect.Effect<HmppsAuthTokenShape, never, HttpClient.HttpClient> =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const cache = yield* SynchronizedRef.make(Option.none<CachedToken>())
      // What the cache holds, readable without an effect: set only where the cache is changed (under its lock).
      let latest: CachedToken | undefined
      const tokenUrl = tokenUrlOf(credentials)
      const request = HttpClientRequest.post(tokenUrl).pipe(
        HttpClientRequest.basicAuth(credentials.clientId, credentials.clientSecret),
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyUrlParams({ grant_type: "client_credentials" })
      )

      const fetchToken = Effect.gen(function* () {
        const { status, body } = yield* exchange(client, request, timeouts)
        if (status < 200 || status > 299) {
          return yield* new ReferAndMonitorError({
            url: tokenUrl,
            status,
            transient: isTransientStatus(status),
            message: `HMPPS Auth token request to ${tokenUrl} failed with status ${status}`
          })
        }
        const decoded = yield* Schema.decodeUnknown(Schema.parseJson(TokenResponse))(body).pipe(
          Effect.mapError(
            (error) =>
              new ReferAndMonitorError({
                url: tokenUrl,
                status,
                transient: false,
                // The formatted error would quote the body, which holds the token: name the problem only.
                message: `HMPPS Auth token response from ${tokenUrl} is not a token response (${ParseResult.ArrayFormatter.formatErrorSync(
                  error
                )
                  .map((issue) => `${issue.path.join(".") || "body"}: ${issue._tag}`)
                  .join(", ")})`
              })
          )
        )
        const now = yield* Clock.currentTimeMillis
        yield* Effect.logDebug("HMPPS Auth token fetched").pipe(
          Effect.annotateLogs({ tokenUrl, expiresIn: decoded.expires_in })
        )
        const token = Redacted.make(decoded.access_token)
        return {
          token,
          answer: Option.some(token),
          refreshAt: now + decoded.expires_in * 1000 - Duration.toMillis(tokenRefreshMargin)
        } satisfies CachedToken
      }).pipe(Effect.withSpan("HmppsAuthToken.fetch", { attributes: { "url.full": tokenUrl } }))

      const refresh = SynchronizedRef.modifyEffect(
        cache,
        Effect.fnUntraced(function* (cached) {
          const now = yield* Clock.currentTimeMillis
          if (Option.isSome(cached) && now < cached.value.refreshAt) {
            return [Option.some(cached.value.token), cached] as const
          }
          const fresh = yield* fetchToken
          latest = fresh
          return [fresh.answer, Option.some(fresh)] as const
        })
      )

      // A valid cached token is read without the SynchronizedRef's lock (a semaphore round per call, on every R&M
      // callback, measurable on the queue host) and without a Ref read: one clock read (the fiber's Clock, so a
      // TestClock drives it) and the answer. Only a missing or expiring one queues behind the single fetch.
      const get = Effect.clockWith((clock) => {
        const cached = latest
        return cached !== undefined && clock.unsafeCurrentTimeMillis() < cached.refreshAt
          ? Effect.succeed(cached.answer)
          : refresh
      })

      const invalidate = (token: Redacted.Redacted<string>) =>
        SynchronizedRef.update(cache, (cached) => {
          if (Option.isNone(cached) || Redacted.value(cached.value.token) !== Redacted.value(token)) return cached
          latest = undefined
          return Option.none()
        })

      return { get, invalidate } satisfies HmppsAuthTokenShape
    })

  /**
   * Dev mode (no `HMPPS_AUTH_URL`): no token, no `Authorization` header. Logged once, at the first call, so a
   * misconfigured deployment is visible in the logs.
   */
  static readonly unauthenticated: Effect.Effect<HmppsAuthTokenShape> = Effect.gen(function* () {
    const warnOnce = yield* Effect.once(
      Effect.logWarning(
        "HMPPS_AUTH_URL is not set: Refer and Monitor is called without an Authorization header (dev mode only)"
      )
    )
    return {
      get: Effect.as(warnOnce, Option.none()),
      invalidate: () => Effect.void
    } satisfies HmppsAuthTokenShape
  })

  /** Token service for `credentials`, or the unauthenticated dev-mode service when `credentials` is undefined. */
  static readonly layer = (
    credentials: HmppsAuthCredentials | undefined,
    timeouts: HttpTimeouts = defaultTimeouts
  ): Layer.Layer<HmppsAuthToken, never, HttpClient.HttpClient> =>
    credentials === undefined
      ? Layer.effect(HmppsAuthToken, HmppsAuthToken.unauthenticated)
      : Layer.effect(HmppsAuthToken, HmppsAuthToken.make(credentials, timeouts))
}
