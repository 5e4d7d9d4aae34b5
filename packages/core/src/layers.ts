import { Config, Effect, Layer, Option } from "effect"
import { ActionPlan } from "./action-plan/ActionPlan.js"
import { Appointment } from "./appointment/Appointment.js"
import { CaseReads } from "./case/CaseReads.js"
import { prepareDatabase } from "./delius/bootstrap.js"
import * as Database from "./delius/database.js"
import { DeliusUser } from "./delius/DeliusContext.js"
import { SqlRepositoriesLive } from "./delius/repositories/index.js"
import type { SeedDataset } from "./delius/seed.js"
import { UserDirectory } from "./directory/UserDirectory.js"
import { EventHandlerConfig } from "./events/handleDomainEvent.js"
import { ReferAndMonitorClient } from "./refer-and-monitor/ReferAndMonitorClient.js"
import { ContractTypes } from "./referral/ContractTypes.js"
import { Referral } from "./referral/Referral.js"
import { connectionString, Telemetry } from "./telemetry/Telemetry.js"

/**
 * Wiring of core for hosts and embedders. Every dependency can be swapped: a team with its own Delius access layer
 * provides its repositories; tests provide a test Telemetry and an embedded directory.
 */
export interface CoreOptions<EDb = never, ETel = never, EDir = never, ERm = never> {
  /** SqlClient + Dialect; default: `DATABASE_URL`. */
  readonly database?: Layer.Layer<Layer.Layer.Success<typeof Database.layer>, EDb>
  /** Migrate (and seed, when empty) before use: default true for SQLite, `DELIUS_MIGRATE=true` otherwise. */
  readonly prepare?: boolean | { readonly seed: SeedDataset }
  readonly telemetry?: Layer.Layer<Telemetry, ETel>
  readonly directory?: Layer.Layer<UserDirectory, EDir>
  readonly referAndMonitor?: Layer.Layer<ReferAndMonitorClient, ERm>
  /** Event handling settings (withdrawal-reason flag, in-process retry schedule); default from configuration. */
  readonly eventHandler?: Layer.Layer<EventHandlerConfig>
  /**
   * Repositories of your own in place of core's SQL ones (any subset): built on the same database layer, they win
   * over core's, and every workflow uses them.
   */
  readonly repositories?:
    Layer.Layer<never, never, Layer.Layer.Success<typeof Database.layer>> | Layer.Layer<any, never, any>
  /**
   * Make Effect spans (requests, statements, R&M calls, workflow steps). Default: only when they are exported, i.e.
   * when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set — otherwise every span would be built, timed and dropped (22 a
   * request, with a stack capture each; DESIGN.md, Running in production). Pass `true` when you export spans with a
   * tracer of your own.
   */
  readonly tracing?: boolean
}

const spansExported = Config.map(connectionString, Option.isSome)

export const makeCoreLayer = <EDb = never, ETel = never, EDir = never, ERm = never>(
  options: CoreOptions<EDb, ETel, EDir, ERm> = {}
) => {
  const database = (options.database ?? Database.layer) as Layer.Layer<
    Layer.Layer.Success<typeof Database.layer>,
    EDb | Layer.Layer.Error<typeof Database.layer>
  >
  const prepared =
    options.prepare === false
      ? database
      : Layer.tap(database, (context) =>
          prepareDatabase(typeof options.prepare === "object" ? { seed: options.prepare.seed } : {}).pipe(
            Effect.provide(context)
          )
        )
  const infrastructure = Layer.mergeAll(
    options.telemetry ?? Telemetry.layer,
    options.directory ?? UserDirectory.layerFromConfig,
    options.referAndMonitor ?? ReferAndMonitorClient.layer,
    options.eventHandler ?? EventHandlerConfig.layer
  )
  const sqlRepositories = SqlRepositoriesLive.pipe(Layer.provideMerge(prepared))
  // A later layer in a merge wins, so the caller's repositories replace core's of the same tag.
  const repositories =
    options.repositories === undefined
      ? sqlRepositories
      : (Layer.merge(
          sqlRepositories,
          options.repositories.pipe(Layer.provide(sqlRepositories))
        ) as typeof sqlRepositories)
  const deliusUser = DeliusUser.layer.pipe(Layer.provideMerge(repositories))
  // §6.2 with CONTRACT_TYPE_NSI_TYPES, checked against R_NSI_TYPE while core starts (a bad entry refuses to start).
  const contractTypes = ContractTypes.layer.pipe(Layer.provideMerge(deliusUser))
  // A fiber-ref setting of the layer: a runtime built on it (the hosts' ManagedRuntime) starts every fiber with it.
  const tracing = Layer.unwrapEffect(
    Effect.map(
      options.tracing === undefined ? Effect.orDie(spansExported) : Effect.succeed(options.tracing),
      Layer.setTracerEnabled
    )
  )
  return Layer.mergeAll(Referral.layer, Appointment.layer, ActionPlan.layer, CaseReads.layer).pipe(
    Layer.provideMerge(contractTypes),
    Layer.provideMerge(infrastructure),
    Layer.provideMerge(tracing)
  )
}

/** Everything core provides: workflows, reads, repositories, SqlClient, Dialect, Telemetry, directory, R&M client. */
export type CoreServices = Layer.Layer.Success<ReturnType<typeof makeCoreLayer>>
