/**
 * The operational block of `/info` (both hosts): what an operator checks first in an incident — is the consumer on,
 * is the service read-only, which queue, which database (dialect and host, never credentials), which HMPPS Auth, where
 * the R&M token may go, how many contract types are mapped. Read from the configuration alone, so it is the same
 * answer whichever host serves it.
 */

import { Config, type ConfigError, Effect, Either, Option } from "effect"
import * as Database from "./delius/database.js"
import { describeEndpoints, parseDatabaseUrl } from "./delius/databaseUrl.js"
import { detailUrlOriginsConfig } from "./refer-and-monitor/config.js"
import { CONTRACT_TYPES, parseContractTypeMappings } from "./rules/contractType.js"
import { consumerSwitch, environmentName, readOnly } from "./switches.js"
import { redactText } from "./telemetry/Log.js"

/** The queue host's default queue (sqs-host config.ts; a test there checks the two agree). */
export const DEFAULT_QUEUE_NAME = "refer-and-monitor-and-delius-queue"

export interface OperationalInfo {
  /** `ENVIRONMENT_NAME`, or `local` when unset. */
  readonly environment: string
  readonly readOnly: boolean
  readonly consumer: {
    readonly enabled: boolean
    /** The setting that turned it off: `READ_ONLY` or `MESSAGING_CONSUMER_ENABLED`. */
    readonly disabledBy?: string
    readonly queue: string
  }
  readonly database: { readonly dialect: string; readonly host: string }
  readonly hmppsAuthUrl: string | null
  /** The origins the R&M bearer token may be sent to (`MESSAGING_CONSUMER_DETAIL_URLS`, §5.3). */
  readonly detailUrls: ReadonlyArray<string>
  /** Built-in §6.2 rows plus `CONTRACT_TYPE_NSI_TYPES`. */
  readonly contractTypesMapped: number
}

const nonBlank = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Config.map(Option.map((value) => value.trim())),
    Config.map(Option.filter((value) => value !== ""))
  )

const contractTypesMapped = Effect.map(nonBlank("CONTRACT_TYPE_NSI_TYPES"), (text) => {
  const parsed = parseContractTypeMappings(Option.getOrElse(text, () => ""))
  return new Set([...CONTRACT_TYPES, ...Either.getOrElse(parsed, () => new Map<string, string>()).keys()]).size
})

/** Dialect and host of `DATABASE_URL`; its credentials (and `DATABASE_*`'s) are never read here. */
const database = Effect.map(Database.databaseUrl, (url) =>
  Either.match(parseDatabaseUrl(url), {
    onLeft: () => ({ dialect: "invalid", host: "" }),
    onRight: (target) => ({ dialect: target._tag, host: describeEndpoints(target) })
  })
)

export const operationalInfo: Effect.Effect<OperationalInfo, ConfigError.ConfigError> = Effect.gen(function* () {
  const consumer = yield* consumerSwitch
  const authUrl = Option.map(yield* nonBlank("HMPPS_AUTH_URL"), (url) => redactText(url.replace(/\/+$/, "")))
  const detailUrls = yield* Effect.either(detailUrlOriginsConfig(Option.isSome(authUrl)))
  return {
    environment: Option.getOrElse(yield* environmentName, () => "local"),
    readOnly: yield* readOnly,
    consumer: {
      enabled: consumer.enabled,
      ...(consumer.enabled ? {} : { disabledBy: consumer.disabledBy }),
      queue: Option.getOrElse(yield* nonBlank("MESSAGING_CONSUMER_QUEUE"), () => DEFAULT_QUEUE_NAME)
    },
    database: yield* database,
    hmppsAuthUrl: Option.getOrNull(authUrl),
    detailUrls: Either.match(detailUrls, { onLeft: () => [], onRight: (allowed) => allowed.origins }),
    contractTypesMapped: yield* contractTypesMapped
  }
})

/** For code outside an Effect runtime (the hosts' `/info`); a configuration error is reported in the block itself. */
export const loadOperationalInfo = (): OperationalInfo | { readonly error: string } =>
  Either.match(Effect.runSync(Effect.either(operationalInfo)), {
    onLeft: (error) => ({ error: redactText(String(error)) }),
    onRight: (info) => info
  })
