/**
 * Configuration of the queue host, read through Effect `Config` here and nowhere else (DESIGN.md, Configuration).
 *
 * The Refer and Monitor client credentials (`HMPPS_AUTH_URL`, `OAUTH2_CLIENT_ID`, `OAUTH2_CLIENT_SECRET`) and the
 * database (`DATABASE_URL`) are read by core's own layers (`makeCoreLayer`); only `HMPPS_AUTH_URL`'s presence is read
 * here, to tell a deployment from a developer's machine (see `devStack`).
 */

import { Config, Option } from "effect"

/** Queue and DLQ names (client-contract.md §5.2: `<service>-queue` plus `<service>-dlq`). */
export const DEFAULT_QUEUE_NAME = "refer-and-monitor-and-delius-queue"
export const DEFAULT_DLQ_NAME = "refer-and-monitor-and-delius-dlq"
/** The reference service's dev OAuth client (dev-dataset.md §8), used against the dev stack's token endpoint. */
export const DEV_CLIENT_CREDENTIALS = {
  clientId: "refer-and-monitor-and-delius",
  clientSecret: "refer-and-monitor-and-delius"
} as const
/** §5.1 / client-contract.md §5.2: three deliveries in all, then the DLQ. */
export const MAX_RECEIVE_COUNT = 3

export interface ConsumerSettings {
  /** Long-poll wait per ReceiveMessage, 0–20 s (20 in production; short in tests so stop and retries are quick). */
  readonly waitTimeSeconds: number
  /** Messages handled at once; a receive asks for at most the free slots (and never more than 10). */
  readonly concurrency: number
  /** Visibility timeout set on receive and renewed by the heartbeat while a handler runs. */
  readonly visibilityTimeoutSeconds: number
  /**
   * Visibility after a Failure, by receive count (hmpps-sqs `errorVisibilityTimeout`, client-contract.md §5.3):
   * entry n after the n-th receive, the last entry reused; 0 on the final receive so the DLQ move happens at once.
   */
  readonly errorVisibilityTimeouts: ReadonlyArray<number>
  /** Receive errors back off exponentially from `initial` to at most `max` (milliseconds). */
  readonly receiveErrorBackoffMillis: { readonly initial: number; readonly max: number }
  /** How often the counters are logged (milliseconds). */
  readonly statsIntervalMillis: number
  /** How long a drain waits for in-flight handlers before interrupting them (their messages are redelivered). */
  readonly drainTimeoutMillis: number
}

export const defaultConsumerSettings: ConsumerSettings = {
  waitTimeSeconds: 20,
  concurrency: 4,
  visibilityTimeoutSeconds: 30,
  errorVisibilityTimeouts: [1, 10, 60],
  receiveErrorBackoffMillis: { initial: 1_000, max: 30_000 },
  statsIntervalMillis: 60_000,
  drainTimeoutMillis: 25_000
}

export interface SqsHostConfig {
  /** `MESSAGING_CONSUMER_QUEUE`: a queue name (resolved with GetQueueUrl) or a queue URL. */
  readonly queue: string
  readonly region: string
  /** `AWS_ENDPOINT_URL_SQS`: an emulator; `None` = AWS itself, or the in-process dev stack (see `devStackWanted`). */
  readonly endpoint: Option.Option<string>
  /** Whether `HMPPS_AUTH_URL` is set: always in a deployment, never on a developer's machine. */
  readonly hmppsAuthConfigured: boolean
  /**
   * Whether `MESSAGING_CONSUMER_DETAIL_URLS` is set (core parses and applies it, §5.3). With `HMPPS_AUTH_URL` set it
   * is required: `startQueueHost` refuses to start without it (see `requireDetailUrls`).
   */
  readonly detailUrlsConfigured: boolean
  /** `QUEUE_DEV_STACK`: `auto` (default), `true` or `false`. */
  readonly devStack: "auto" | "true" | "false"
  readonly devSqsPort: number
  readonly devReferAndMonitorPort: number
  /** `QUEUE_HEALTH_PORT`: health endpoints of the queue host when it runs without the HTTP API (default 8081). */
  readonly healthPort: number
  readonly consumer: ConsumerSettings
}

const nonBlank = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Config.map(Option.map((value) => value.trim())),
    Config.map(Option.filter((value) => value !== ""))
  )

const seconds = (name: string, fallback: number, max: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `${name} must be between 0 and ${max}`, validation: (n) => n >= 0 && n <= max }),
    Config.withDefault(fallback)
  )

/** A loopback port for the dev stack; 0 = any free port. */
const devPort = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({
      message: `${name} must be a port number (0 = any free port)`,
      validation: (n) => n >= 0 && n <= 65_535
    }),
    Config.withDefault(fallback)
  )

/** Every setting of the queue host, with the defaults of DESIGN.md (Configuration). */
export const sqsHostConfig: Config.Config<SqsHostConfig> = Config.all({
  queue: Config.string("MESSAGING_CONSUMER_QUEUE").pipe(Config.withDefault(DEFAULT_QUEUE_NAME)),
  region: Config.string("AWS_REGION").pipe(Config.withDefault("eu-west-2")),
  endpoint: nonBlank("AWS_ENDPOINT_URL_SQS"),
  hmppsAuthConfigured: Config.map(nonBlank("HMPPS_AUTH_URL"), Option.isSome),
  detailUrlsConfigured: Config.map(nonBlank("MESSAGING_CONSUMER_DETAIL_URLS"), Option.isSome),
  devStack: Config.literal("auto", "true", "false")("QUEUE_DEV_STACK").pipe(Config.withDefault("auto" as const)),
  devSqsPort: devPort("DEV_SQS_PORT", 4566),
  devReferAndMonitorPort: devPort("DEV_REFER_AND_MONITOR_PORT", 8091),
  healthPort: devPort("QUEUE_HEALTH_PORT", 8081),
  consumer: Config.all({
    waitTimeSeconds: seconds("QUEUE_WAIT_TIME_SECONDS", defaultConsumerSettings.waitTimeSeconds, 20),
    concurrency: Config.integer("QUEUE_CONCURRENCY").pipe(
      Config.validate({
        message: "QUEUE_CONCURRENCY must be between 1 and 100",
        validation: (n) => n >= 1 && n <= 100
      }),
      Config.withDefault(defaultConsumerSettings.concurrency)
    ),
    visibilityTimeoutSeconds: seconds(
      "QUEUE_VISIBILITY_TIMEOUT_SECONDS",
      defaultConsumerSettings.visibilityTimeoutSeconds,
      43_200
    ).pipe(
      Config.validate({ message: "QUEUE_VISIBILITY_TIMEOUT_SECONDS must be at least 3", validation: (n) => n >= 3 })
    ),
    errorVisibilityTimeouts: Config.array(Config.integer(), "QUEUE_ERROR_VISIBILITY_TIMEOUTS").pipe(
      Config.validate({
        message: "QUEUE_ERROR_VISIBILITY_TIMEOUTS must be a comma-separated list of seconds (0–43200)",
        validation: (list) => list.length > 0 && list.every((n) => n >= 0 && n <= 43_200)
      }),
      Config.withDefault(defaultConsumerSettings.errorVisibilityTimeouts)
    ),
    receiveErrorBackoffMillis: Config.succeed(defaultConsumerSettings.receiveErrorBackoffMillis),
    statsIntervalMillis: Config.integer("QUEUE_STATS_INTERVAL_SECONDS").pipe(
      Config.map((s) => s * 1000),
      Config.withDefault(defaultConsumerSettings.statsIntervalMillis)
    ),
    drainTimeoutMillis: Config.integer("QUEUE_DRAIN_TIMEOUT_SECONDS").pipe(
      Config.map((s) => s * 1000),
      Config.withDefault(defaultConsumerSettings.drainTimeoutMillis)
    )
  })
})

/** Build details for the queue host's `/info` (the HTTP host reads the same variables, http-koa config.ts). */
export const buildInfo = Config.all({
  buildNumber: Config.string("BUILD_NUMBER").pipe(Config.withDefault("dev")),
  gitRef: Config.string("GIT_REF").pipe(Config.withDefault("unknown")),
  gitBranch: Config.string("GIT_BRANCH").pipe(Config.withDefault("unknown"))
})

/**
 * Start the in-process dev stack (fauxqs + R&M stub)? `auto`: only when neither `AWS_ENDPOINT_URL_SQS` nor
 * `HMPPS_AUTH_URL` is set. A deployment talks to AWS SQS without an endpoint override too, but always has
 * `HMPPS_AUTH_URL` (R&M callbacks need a token, §5.3), so it never starts an emulator by accident.
 */
export const devStackWanted = (config: Pick<SqsHostConfig, "devStack" | "endpoint" | "hmppsAuthConfigured">): boolean =>
  config.devStack === "true" ||
  (config.devStack === "auto" && Option.isNone(config.endpoint) && !config.hmppsAuthConfigured)

/** Defaults shared by `serve --queue` and `events send` running in separate processes. */
export const DEV_STACK_DEFAULTS = {
  region: "eu-west-2",
  sqsPort: 4566,
  referAndMonitorPort: 8091,
  queueName: DEFAULT_QUEUE_NAME,
  dlqName: DEFAULT_DLQ_NAME,
  /** fauxqs accepts any credentials; the SDK still needs some to sign with. */
  credentials: { accessKeyId: "dev", secretAccessKey: "dev" },
  ...DEV_CLIENT_CREDENTIALS
} as const

/**
 * §5.3: the consumer sends its bearer token only to the origins in `MESSAGING_CONSUMER_DETAIL_URLS`. A deployment
 * (`HMPPS_AUTH_URL` set) without the list would fail every R&M callback, so the queue host refuses to start instead,
 * naming the variable. Undefined when the host may start.
 */
export const missingDetailUrls = (config: SqsHostConfig): string | undefined =>
  config.hmppsAuthConfigured && !config.detailUrlsConfigured
    ? "MESSAGING_CONSUMER_DETAIL_URLS is not set: with HMPPS_AUTH_URL set, list the Refer and Monitor origins " +
      "(scheme://host[:port], comma-separated) the consumer may send its token to"
    : undefined
