/**
 * Configuration of the HTTP host, read through Effect `Config` here and nowhere else in this package (DESIGN.md,
 * Configuration). Every value can also be passed to `startHttpServer` directly, which is what tests and embedders do.
 */

import { Switches } from "@ram-delius/core"
import { Config, Effect, Either, Option } from "effect"

/** Decision Q7: the newest role and the role the README documents are both accepted by default. */
export const DEFAULT_API_ROLES: ReadonlyArray<string> = [
  "ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW",
  "ROLE_CRS_REFERRAL"
]

export const DEFAULT_PORT = 8080
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const DEFAULT_DEV_JWK_FILE = "./data/dev-signing-key.json"
/** hmpps-sqs's role for its queue-admin endpoints. */
export const DEFAULT_QUEUE_ADMIN_ROLE = "ROLE_QUEUE_ADMIN"

export interface HttpConfig {
  /** `PORT` (default 8080). */
  readonly port: number
  /** `HMPPS_AUTH_URL` without a trailing slash; undefined (unset or blank) means dev mode outside production. */
  readonly hmppsAuthUrl: string | undefined
  /** `API_ROLES`, comma-separated; names without the `ROLE_` prefix get it (HMPPS Auth authorities always have it). */
  readonly apiRoles: ReadonlyArray<string>
  /** `REQUEST_TIMEOUT_MS` (default 10000): bound on each request's work in core, so an outage answers 503, never hangs. */
  readonly requestTimeoutMs: number
  /** `DEV_JWK_FILE` (default ./data/dev-signing-key.json): the dev-mode signing key. */
  readonly devJwkFile: string
  /** `NODE_ENV === "production"`: dev mode is refused. */
  readonly production: boolean
  /** Build metadata for `/info` and `/health` (HMPPS template names). */
  readonly build: BuildInfo
  /** `QUEUE_ADMIN_ROLE` (default ROLE_QUEUE_ADMIN): the role the `/queue-admin` endpoints require. */
  readonly queueAdminRole: string
  /** `QUEUE_ADMIN_PROTECT_RETRY_ALL=true`: `retry-all-dlqs` needs that role too (by default it is open, as hmpps-sqs). */
  readonly queueAdminProtectRetryAll: boolean
  /** `READ_ONLY=true`: Delius writes answer 503 with `Retry-After` (readOnly.ts). */
  readonly readOnly: boolean
}

export interface BuildInfo {
  readonly buildNumber: string
  readonly gitRef: string
  readonly gitBranch: string
  readonly productId: string
}

/** `ROLE_` prefix added when missing, blanks dropped. */
export const normaliseRoles = (roles: Iterable<string>): ReadonlyArray<string> =>
  [...roles]
    .map((r) => r.trim())
    .filter((r) => r !== "")
    .map((r) => (r.startsWith("ROLE_") ? r : `ROLE_${r}`))

const optionalString = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Config.map(Option.map((s) => s.trim())),
    Config.map(Option.filter((s) => s !== "")),
    Config.map(Option.getOrUndefined)
  )

const withDefault = (name: string, fallback: string) => Config.string(name).pipe(Config.withDefault(fallback))

const devJwkFile = withDefault("DEV_JWK_FILE", DEFAULT_DEV_JWK_FILE)

export const httpConfig: Config.Config<HttpConfig> = Config.all({
  port: Config.port("PORT").pipe(Config.withDefault(DEFAULT_PORT)),
  hmppsAuthUrl: Config.map(optionalString("HMPPS_AUTH_URL"), (url) => url?.replace(/\/+$/, "")),
  apiRoles: Config.map(optionalString("API_ROLES"), (roles) =>
    roles === undefined ? DEFAULT_API_ROLES : normaliseRoles(roles.split(","))
  ),
  requestTimeoutMs: Config.integer("REQUEST_TIMEOUT_MS").pipe(
    Config.validate({
      message: "REQUEST_TIMEOUT_MS must be a positive number of milliseconds",
      validation: (n) => n > 0
    }),
    Config.withDefault(DEFAULT_REQUEST_TIMEOUT_MS)
  ),
  devJwkFile,
  production: Config.map(withDefault("NODE_ENV", "development"), (env) => env === "production"),
  build: Config.all({
    buildNumber: withDefault("BUILD_NUMBER", "dev"),
    gitRef: withDefault("GIT_REF", "unknown"),
    gitBranch: withDefault("GIT_BRANCH", "unknown"),
    productId: withDefault("PRODUCT_ID", "HMPPS518")
  }),
  queueAdminRole: Config.map(optionalString("QUEUE_ADMIN_ROLE"), (role) =>
    role === undefined ? DEFAULT_QUEUE_ADMIN_ROLE : normaliseRoles([role])[0]!
  ),
  queueAdminProtectRetryAll: Config.boolean("QUEUE_ADMIN_PROTECT_RETRY_ALL").pipe(Config.withDefault(false)),
  readOnly: Switches.readOnly
})

/** Read the configuration from the environment; an invalid value throws an error naming the variable. */
export const loadHttpConfig = (): HttpConfig => {
  const result = Effect.runSync(Effect.either(httpConfig))
  if (Either.isLeft(result)) throw new Error(`Invalid HTTP configuration: ${String(result.left)}`)
  return result.right
}

/** `DEV_JWK_FILE` alone (what `issueDevToken` needs, without validating the server's other settings). */
export const loadDevJwkFile = (): string => Effect.runSync(Effect.orElseSucceed(devJwkFile, () => DEFAULT_DEV_JWK_FILE))
