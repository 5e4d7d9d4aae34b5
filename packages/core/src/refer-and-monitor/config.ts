/**
 * Configuration of the outbound Refer and Monitor client, read through Effect `Config` here and nowhere else
 * (DESIGN.md, Configuration). There is no R&M base URL: callbacks use the event's absolute `detailUrl` (§5.3, §10).
 */

import { Config, ConfigError, Duration, Effect, Either, Option, type Redacted } from "effect"

/** Client credentials for HMPPS Auth (§5.3: OAuth2 client-credentials, provider `hmpps-auth`). */
export interface HmppsAuthCredentials {
  /** HMPPS Auth base URL, e.g. `https://sign-in.hmpps.service.justice.gov.uk/auth`; the token URI is `{url}/oauth/token`. */
  readonly url: string
  /**
   * Where tokens are fetched when that differs from `{url}/oauth/token` (`HMPPS_AUTH_TOKEN_URL`): HMPPS deployments
   * fetch them through an in-cluster URL while inbound tokens are still issued and signed by the public `url` (§10).
   */
  readonly tokenUrl?: string | undefined
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
}

/**
 * Per-attempt timeouts (§5.3: connect 1 s, read 5 s). The fetch client cannot set a socket connect timeout on its own,
 * so `connect + read` bounds the wait for the response headers (connecting plus waiting for the first byte) and `read`
 * bounds reading the body.
 */
export interface HttpTimeouts {
  readonly connect: Duration.Duration
  readonly read: Duration.Duration
}

export const defaultTimeouts: HttpTimeouts = {
  connect: Duration.seconds(1),
  read: Duration.seconds(5)
}

/** The token is refreshed this long before it expires. */
export const tokenRefreshMargin: Duration.Duration = Duration.seconds(60)

export interface ReferAndMonitorSettings {
  /** `undefined` when `HMPPS_AUTH_URL` is not set: dev mode, R&M is called without a token. */
  readonly auth: HmppsAuthCredentials | undefined
  /** The origins a `detailUrl` may have (`MESSAGING_CONSUMER_DETAIL_URLS`, §5.3); see `DetailUrlOrigins`. */
  readonly detailUrlOrigins: DetailUrlOrigins
}

// --- which origins the bearer token may be sent to (§5.3 "Allowed hosts") ------------------------------------------

export const DETAIL_URLS_VARIABLE = "MESSAGING_CONSUMER_DETAIL_URLS"

/**
 * The origins (`scheme://host[:port]`, as `URL.origin` spells them) R&M may be called at with the bearer token. `set`
 * false: `MESSAGING_CONSUMER_DETAIL_URLS` was not set although `HMPPS_AUTH_URL` is — nothing is allowed (the queue
 * host refuses to start in that case; this is the rule for everything else that calls R&M, e.g. `event process`).
 */
export interface DetailUrlOrigins {
  readonly origins: ReadonlyArray<string>
  readonly set: boolean
}

/** The dev R&M stub's port (`DEV_REFER_AND_MONITOR_PORT`, shared with the queue host's dev stack). */
const DEV_REFER_AND_MONITOR_PORT = 8091

/** Dev mode's default: the local R&M stub, as `localhost` (the fixtures' detail URLs) and as `127.0.0.1`. */
export const devDetailUrlOrigins = (port: number): DetailUrlOrigins => ({
  origins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
  set: true
})

/** The origin of an absolute http(s) URL; none when it is relative, of another scheme, or malformed. */
export const httpOrigin = (url: string): Option.Option<string> => {
  if (!URL.canParse(url)) return Option.none()
  const parsed = new URL(url)
  return parsed.protocol === "http:" || parsed.protocol === "https:" ? Option.some(parsed.origin) : Option.none()
}

/**
 * `MESSAGING_CONSUMER_DETAIL_URLS`: comma-separated origins. An entry with a path, query, credentials or another
 * scheme is refused (Left, naming it): an operator who wrote `https://r-and-m/api` meant something this rule cannot do.
 */
export const parseDetailUrlOrigins = (text: string): Either.Either<ReadonlyArray<string>, string> => {
  const origins: Array<string> = []
  for (const raw of text.split(",")) {
    const entry = raw.trim()
    if (entry === "") continue
    const origin = httpOrigin(entry)
    if (Option.isNone(origin) || entry.replace(/\/$/, "").toLowerCase() !== origin.value.toLowerCase()) {
      return Either.left(
        `${DETAIL_URLS_VARIABLE}: ${JSON.stringify(entry)} is not an origin (scheme://host[:port], http or https)`
      )
    }
    origins.push(origin.value)
  }
  if (origins.length === 0) return Either.left(`${DETAIL_URLS_VARIABLE} is empty`)
  return Either.right(origins)
}

/** `DEV_REFER_AND_MONITOR_PORT` (default 8091): where the dev stack's R&M stub listens. */
export const devReferAndMonitorPort: Config.Config<number> = Config.integer("DEV_REFER_AND_MONITOR_PORT").pipe(
  Config.withDefault(DEV_REFER_AND_MONITOR_PORT)
)

/**
 * `MESSAGING_CONSUMER_DETAIL_URLS` when set (malformed → a configuration error naming it); otherwise, with
 * `HMPPS_AUTH_URL` set, nothing allowed; in dev mode the local R&M stub (§5.3).
 */
export const detailUrlOriginsConfig = (
  authConfigured: boolean
): Effect.Effect<DetailUrlOrigins, ConfigError.ConfigError> =>
  Effect.gen(function* () {
    const text = (yield* Config.option(Config.string(DETAIL_URLS_VARIABLE))).pipe(
      Option.map((value) => value.trim()),
      Option.filter((value) => value !== "")
    )
    if (Option.isSome(text)) {
      const parsed = parseDetailUrlOrigins(text.value)
      if (Either.isLeft(parsed)) return yield* Effect.fail(ConfigError.InvalidData([DETAIL_URLS_VARIABLE], parsed.left))
      return { origins: parsed.right, set: true }
    }
    if (authConfigured) return { origins: [], set: false }
    return devDetailUrlOrigins(yield* devReferAndMonitorPort)
  })

/** The client-credentials token URI: `HMPPS_AUTH_TOKEN_URL` when set, else `{HMPPS_AUTH_URL}/oauth/token` (§5.3, §10). */
export const tokenUrlOf = (credentials: HmppsAuthCredentials): string =>
  credentials.tokenUrl ?? `${credentials.url.replace(/\/+$/, "")}/oauth/token`

/**
 * `HMPPS_AUTH_URL` (unset or blank → dev mode), and then, required, `OAUTH2_CLIENT_ID` and `OAUTH2_CLIENT_SECRET`
 * (the secret as `Redacted`, so it never reaches a log line or an error message); optional `HMPPS_AUTH_TOKEN_URL`.
 */
export const referAndMonitorSettings: Effect.Effect<ReferAndMonitorSettings, ConfigError.ConfigError> = Effect.gen(
  function* () {
    const url = (yield* Config.option(Config.string("HMPPS_AUTH_URL"))).pipe(
      Option.map((value) => value.trim().replace(/\/+$/, "")),
      Option.filter((value) => value !== "")
    )
    if (Option.isNone(url)) return { auth: undefined, detailUrlOrigins: yield* detailUrlOriginsConfig(false) }
    const clientId = yield* Config.nonEmptyString("OAUTH2_CLIENT_ID")
    const clientSecret = yield* Config.redacted("OAUTH2_CLIENT_SECRET")
    const tokenUrl = (yield* Config.option(Config.string("HMPPS_AUTH_TOKEN_URL"))).pipe(
      Option.map((value) => value.trim()),
      Option.filter((value) => value !== ""),
      Option.getOrUndefined
    )
    return {
      auth: { url: url.value, clientId, clientSecret, tokenUrl },
      detailUrlOrigins: yield* detailUrlOriginsConfig(true)
    }
  }
)
