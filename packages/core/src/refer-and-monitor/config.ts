import { Config, Duration, Effect, Option, type ConfigError, type Redacted } from "effect"

/**
 * Configuration of the outbound Refer and Monitor client, read through Effect `Config` here and nowhere else
 * (DESIGN.md, Configuration). There is no R&M base URL: callbacks use the event's absolute `detailUrl` (§5.3, §10).
 */

/** Client credentials for HMPPS Auth (§5.3: OAuth2 client-credentials, provider `hmpps-auth`). */
export interface HmppsAuthCredentials {
  /** HMPPS Auth base URL, e.g. `https://sign-in.hmpps.service.justice.gov.uk/auth`; the token URI is `{url}/oauth/token`. */
  readonly url: string
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
}

/**
 * `HMPPS_AUTH_URL` (unset or blank → dev mode), and then, required, `OAUTH2_CLIENT_ID` and `OAUTH2_CLIENT_SECRET`
 * (the secret as `Redacted`, so it never reaches a log line or an error message).
 */
export const referAndMonitorSettings: Effect.Effect<ReferAndMonitorSettings, ConfigError.ConfigError> = Effect.gen(
  function* () {
    const url = (yield* Config.option(Config.string("HMPPS_AUTH_URL"))).pipe(
      Option.map((value) => value.trim().replace(/\/+$/, "")),
      Option.filter((value) => value !== "")
    )
    if (Option.isNone(url)) return { auth: undefined }
    const clientId = yield* Config.nonEmptyString("OAUTH2_CLIENT_ID")
    const clientSecret = yield* Config.redacted("OAUTH2_CLIENT_SECRET")
    return { auth: { url: url.value, clientId, clientSecret } }
  }
)
