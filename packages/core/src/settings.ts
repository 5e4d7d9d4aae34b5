/**
 * Every environment variable the service, its hosts and the CLI read, in one list: what the Helm chart may set, what
 * production must be given, and which values are secrets (Kubernetes secrets, never plain chart values). The chart's
 * tests check the chart and the source code against it (a variable read but not listed, or set by the chart but never
 * read, fails them); the README's Configuration table says the same in prose.
 */

export interface Setting {
  readonly name: string
  /** Held in a Kubernetes secret (`namespace_secrets`), never a plain value, never logged. */
  readonly secret: boolean
  /** Every production-like environment (dev, preprod, prod) must supply it: the chart's values or secrets. */
  readonly requiredInProduction: boolean
  /** Who reads it: the deployed service, the local dev stack only, or the test suites only. */
  readonly scope: "service" | "dev" | "test"
  readonly meaning: string
}

type Scope = Setting["scope"]
const setting = (
  name: string,
  flags: "secret" | "plain",
  required: boolean,
  meaning: string,
  scope: Scope = "service"
) => ({ name, secret: flags === "secret", requiredInProduction: required, scope, meaning }) satisfies Setting

const database: ReadonlyArray<Setting> = [
  setting(
    "DATABASE_URL",
    "secret",
    true,
    "Delius database URL (oracle://, JDBC forms, postgres://, mssql://, sqlite:)"
  ),
  setting("DATABASE_USERNAME", "secret", true, "database user, beside a credential-less DATABASE_URL"),
  setting("DATABASE_PASSWORD", "secret", true, "database password, beside a credential-less DATABASE_URL"),
  setting("DELIUS_DB_USERNAME", "plain", false, "the Delius user writes are attributed to (USER_.DISTINGUISHED_NAME)"),
  setting("DELIUS_SEED", "plain", false, "data for a freshly created embedded database: dev, reference, none"),
  setting("DELIUS_MIGRATE", "plain", false, "also migrate a server database on start (test and dev databases only)"),
  setting("READ_ONLY", "plain", false, "true: Delius writes answer 503 + Retry-After and the consumer stops receiving"),
  setting("ENVIRONMENT_NAME", "plain", true, "dev, preprod or prod; guards against the wrong environment's Delius"),
  setting("CONTRACT_TYPE_NSI_TYPES", "plain", false, "extra contract type → NSI type rows (§6.2)")
]

const auth: ReadonlyArray<Setting> = [
  setting("HMPPS_AUTH_URL", "plain", true, "HMPPS Auth base URL (JWKS, issuer, token endpoint)"),
  setting("HMPPS_AUTH_TOKEN_URL", "plain", false, "token endpoint when it differs from ${HMPPS_AUTH_URL}/oauth/token"),
  setting("API_ROLES", "plain", false, "roles accepted on the API (comma-separated)"),
  setting("OAUTH2_CLIENT_ID", "secret", true, "client credentials for the R&M callbacks"),
  setting("OAUTH2_CLIENT_SECRET", "secret", true, "client credentials for the R&M callbacks"),
  setting("REFER_AND_MONITOR_URL", "plain", false, "R&M API base URL (an allowed detail-URL origin)"),
  setting("REFER_AND_MONITOR_UI_URL", "plain", false, "R&M UI base URL, for the links in Delius notes"),
  setting("QUEUE_ADMIN_ROLE", "plain", false, "the role the /queue-admin endpoints require"),
  setting("QUEUE_ADMIN_PROTECT_RETRY_ALL", "plain", false, "true: retry-all-dlqs needs QUEUE_ADMIN_ROLE too"),
  setting("LDAP_URL", "secret", true, "Delius LDAP URL"),
  setting("LDAP_BIND_DN", "secret", true, "Delius LDAP bind DN"),
  setting("LDAP_BIND_PASSWORD", "secret", true, "Delius LDAP bind password"),
  setting("LDAP_BASE", "plain", false, "Delius LDAP base (users under ou=Users,<base>)")
]

const queue: ReadonlyArray<Setting> = [
  setting("MESSAGING_CONSUMER_QUEUE", "secret", true, "SQS queue name or URL (from the queue's namespace secret)"),
  setting("MESSAGING_CONSUMER_ENABLED", "plain", false, "false: no receives at all, health stays UP"),
  setting("MESSAGING_CONSUMER_DETAIL_URLS", "plain", true, "origins an event's detailUrl may have (§5.3)"),
  setting("AWS_REGION", "plain", false, "SQS region"),
  setting("AWS_ENDPOINT_URL_SQS", "plain", false, "SQS endpoint (unset: AWS; the local emulator in development)"),
  setting("QUEUE_CONCURRENCY", "plain", false, "messages handled at once"),
  setting("QUEUE_HEALTH_PORT", "plain", false, "health port of the queue host when it runs without the API"),
  setting("QUEUE_WAIT_TIME_SECONDS", "plain", false, "SQS long-poll wait per receive"),
  setting("QUEUE_VISIBILITY_TIMEOUT_SECONDS", "plain", false, "visibility timeout of a received message"),
  setting("QUEUE_ERROR_VISIBILITY_TIMEOUTS", "plain", false, "retry delays after a failed attempt, per receive count"),
  setting("QUEUE_STATS_INTERVAL_SECONDS", "plain", false, "how often the consumer logs its counters"),
  setting("QUEUE_DRAIN_TIMEOUT_SECONDS", "plain", false, "on shutdown, how long in-flight messages may take"),
  setting("FEATURE_REFERRAL_WITHDRAWAL_REASON", "plain", false, "withdrawal reason as the NSI outcome (decision Q9)")
]

const process_: ReadonlyArray<Setting> = [
  setting("NODE_ENV", "plain", true, "production refuses dev auth mode and the token command"),
  setting("NODE_OPTIONS", "plain", true, "Node's heap sizing, kept within the container's memory limit"),
  setting("PORT", "plain", false, "HTTP port"),
  setting("REQUEST_TIMEOUT_MS", "plain", false, "bound on each HTTP request"),
  setting("SHUTDOWN_TIMEOUT_SECONDS", "plain", false, "how long the hosts drain on SIGTERM before exiting 1"),
  setting("BUILD_NUMBER", "plain", false, "build number on /info and /health (set by the image build)"),
  setting("GIT_REF", "plain", false, "commit on /info and /health (set by the image build)"),
  setting("GIT_BRANCH", "plain", false, "branch on /info (set by the image build)"),
  setting("PRODUCT_ID", "plain", false, "HMPPS product id on /info"),
  setting("APPLICATIONINSIGHTS_CONNECTION_STRING", "secret", true, "Application Insights connection string"),
  setting("APPLICATION_INSIGHTS_NO_STATSBEAT", "plain", false, "the exporter's own usage reporting (default off)"),
  setting("LOG_LEVEL", "plain", false, "debug, info, warn or error"),
  setting("LOG_FORMAT", "plain", false, "json or pretty (default: pretty only on a terminal outside production)"),
  setting("NO_COLOR", "plain", false, "CLI help without colours")
]

const local: ReadonlyArray<Setting> = [
  setting("DEV_JWK_FILE", "plain", false, "dev auth mode: the file holding the signing key", "dev"),
  setting(
    "QUEUE_DEV_STACK",
    "plain",
    false,
    "start the in-process SQS emulator and R&M stub: auto, true, false",
    "dev"
  ),
  setting("DEV_SQS_PORT", "plain", false, "dev stack: loopback port of the SQS emulator", "dev"),
  setting("DEV_REFER_AND_MONITOR_PORT", "plain", false, "dev stack: loopback port of the R&M API stub", "dev"),
  setting("PG_TEST_URL", "plain", false, "tests: the PostgreSQL server for temporary test databases", "test")
]

/** Every environment variable read anywhere in packages/\*\/src, by name. */
export const settings: ReadonlyArray<Setting> = [...database, ...auth, ...queue, ...process_, ...local]
