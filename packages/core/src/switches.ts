/**
 * The switches operators flip in an incident, and the environment the run is in — read here, once, for the hosts and
 * the CLI alike (DESIGN.md, Configuration):
 *   - `READ_ONLY=true` (Delius failover or maintenance, `DATABASE_URL` on the standby): Delius writes answer 503 with
 *     `Retry-After`, the consumer receives nothing, the CLI's writing commands refuse; reads are served.
 *   - `MESSAGING_CONSUMER_ENABLED=false`: the consumer makes no receive call (messages stay on the queue); health UP.
 *   - `ENVIRONMENT_NAME` (`dev` | `preprod` | `prod`; unset = a local run): which Delius databases may be used
 *     (databaseUrl.ts, `environmentRefusal`).
 */

import { Config, ConfigError, Either, Option } from "effect"
import type { EnvironmentName } from "./delius/databaseUrl.js"

/** A boolean switch; blank counts as unset (a chart value left empty must not stop the service). */
const flag = (name: string, fallback: boolean) =>
  Config.string(name).pipe(
    Config.withDefault(""),
    Config.mapOrFail((text) => {
      const value = text.trim().toLowerCase()
      if (value === "") return Either.right(fallback)
      if (["true", "yes", "on", "1"].includes(value)) return Either.right(true)
      if (["false", "no", "off", "0"].includes(value)) return Either.right(false)
      return Either.left(ConfigError.InvalidData([name], `${name} must be true or false`))
    })
  )

export const readOnly: Config.Config<boolean> = flag("READ_ONLY", false)

export const consumerEnabledSetting: Config.Config<boolean> = flag("MESSAGING_CONSUMER_ENABLED", true)

export type ConsumerSwitch =
  | { readonly enabled: true }
  | { readonly enabled: false; readonly disabledBy: "READ_ONLY" | "MESSAGING_CONSUMER_ENABLED" }

/** Whether the consumer may receive: not when read-only (its handlers write Delius), nor when switched off. */
export const consumerSwitch: Config.Config<ConsumerSwitch> = Config.map(
  Config.all({ readOnly, enabled: consumerEnabledSetting }),
  ({ enabled, readOnly }): ConsumerSwitch =>
    readOnly
      ? { enabled: false, disabledBy: "READ_ONLY" }
      : enabled
        ? { enabled: true }
        : { enabled: false, disabledBy: "MESSAGING_CONSUMER_ENABLED" }
)

const ENVIRONMENTS: ReadonlyArray<EnvironmentName> = ["dev", "preprod", "prod"]

/** `ENVIRONMENT_NAME`, case-insensitive; unset or blank is a local run; anything else refuses to start, naming it. */
export const environmentName: Config.Config<Option.Option<EnvironmentName>> = Config.string("ENVIRONMENT_NAME").pipe(
  Config.withDefault(""),
  Config.mapOrFail((text) => {
    const value = text.trim().toLowerCase()
    if (value === "") return Either.right(Option.none())
    return ENVIRONMENTS.includes(value as EnvironmentName)
      ? Either.right(Option.some(value as EnvironmentName))
      : Either.left(
          ConfigError.InvalidData(["ENVIRONMENT_NAME"], "ENVIRONMENT_NAME must be dev, preprod or prod (unset: local)")
        )
  })
)
