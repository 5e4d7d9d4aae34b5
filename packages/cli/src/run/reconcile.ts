/**
 * `referral reconcile` and `reconcile --since`: core's Reconciliation rendered for a support engineer — one line per
 * difference (what R&M says, what Delius has, the workflow that writes it), `--json` the same result as one document.
 * Exit codes: 0 in sync, 3 differences remain (`ExitCode.rejected`'s number: "not what it should be"), 1 on error.
 */

import {
  type Database,
  type DatabaseError,
  type Difference,
  type NotFound,
  type ReferAndMonitorError,
  makeCoreLayer,
  Reconciliation,
  type ReconcileResult,
  type SweepResult,
  Telemetry
} from "@ram-delius/core"
import { type ConfigError, Console, Duration, Effect, Layer } from "effect"
import { parseWindow } from "../duration.js"
import { CliError, ExitCode, printJson, setExitCode } from "../output.js"
import { existingDatabase, explainMissingDatabase, requireSchema } from "./database.js"

export const DRIFT_EXIT_CODE = 3

/** One line: `<kind> <subject>: R&M <…>; Delius <…> → <workflow>` and, when no workflow can fix it, why. */
export const differenceLine = (d: Omit<Difference, "repair">) =>
  `${d.kind} ${d.subject}: R&M ${d.referAndMonitor}; Delius ${d.delius} → ${d.workflow}${d.fixable ? "" : ` [not fixable: ${d.reason ?? "no workflow"}]`}`

const render = (result: ReconcileResult, apply: boolean) =>
  Effect.gen(function* () {
    for (const a of result.applied) {
      yield* Console.log(
        `${a.outcome === "written" ? "WROTE" : "FAILED"} ${a.kind} ${a.subject} via ${a.workflow}: ${a.message}`
      )
    }
    if (result.inSync) return yield* Console.log(`In sync: ${result.crn} referral ${result.referralId}.`)
    for (const d of result.differences) yield* Console.log(differenceLine(d))
    const fixable = result.differences.filter((d) => d.fixable).length
    yield* Console.log(
      `${result.differences.length} difference(s) remain for ${result.crn} referral ${result.referralId}` +
        (apply ? "." : fixable > 0 ? `; ${fixable} can be fixed with --apply.` : "; none can be fixed automatically.")
    )
  })

/** Core with the reconciliation on top; telemetry to stderr so stdout stays the command's output. */
const reconcileLayer = Reconciliation.layer.pipe(
  Layer.provideMerge(makeCoreLayer({ telemetry: Telemetry.stderrLayer, database: existingDatabase, prepare: false }))
)

/**
 * R&M unreachable or refusing: one sentence naming where it was called and the setting, rather than the generic
 * "connection refused" reading (which speaks of the local queue).
 */
const explainReferAndMonitor = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchIf(
    effect,
    (e): e is E & ReferAndMonitorError => (e as { _tag?: unknown })?._tag === "ReferAndMonitorError",
    (e) =>
      new CliError({
        message: `Refer and Monitor could not be read: ${e.message}. Check REFER_AND_MONITOR_URL (in dev mode the local stub runs with \`npm start\`).`,
        exitCode: ExitCode.failure
      })
  )

const withReconciliation = <A, E>(effect: Effect.Effect<A, E, Reconciliation>) =>
  Effect.zipRight(requireSchema, effect).pipe(
    Effect.provide(reconcileLayer),
    explainMissingDatabase,
    explainReferAndMonitor
  )

/** What the commands fail with: the user's mistake, a referral not found, or the database (its layer's errors too). */
type ReconcileFailure =
  CliError | NotFound | DatabaseError | ConfigError.ConfigError | Layer.Layer.Error<Database.DatabaseLayer>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const referralReconcile = (args: {
  crn: string
  referralId: string
  apply: boolean
  json: boolean
}): Effect.Effect<void, ReconcileFailure> =>
  Effect.gen(function* () {
    if (!UUID.test(args.referralId)) {
      return yield* new CliError({
        message: `${args.referralId} is not a referral id (a UUID).`,
        exitCode: ExitCode.badInput
      })
    }
    yield* withReconciliation(
      Effect.gen(function* () {
        const reconciliation = yield* Reconciliation
        const result = yield* reconciliation.referral(args.crn, args.referralId.toLowerCase(), { apply: args.apply })
        yield* args.json ? printJson(result) : render(result, args.apply)
        const failed = result.applied.some((a) => a.outcome === "failed")
        yield* setExitCode(failed ? ExitCode.failure : result.inSync ? ExitCode.ok : DRIFT_EXIT_CODE)
      })
    )
  })

const renderSweep = (result: SweepResult) =>
  Effect.gen(function* () {
    for (const d of result.drifted) yield* Console.log(`DRIFT ${d.crn} ${d.referralId}: ${d.kinds.join(", ")}`)
    for (const f of result.failed) yield* Console.error(`FAILED ${f.crn} ${f.referralId}: ${f.message}`)
    yield* Console.log(
      `Reconciled ${result.referrals} referral(s) changed since ${result.since}: ${result.inSync} in sync, ` +
        `${result.drifted.length} drifted, ${result.failed.length} failed.`
    )
  })

export const reconcileSince = (args: {
  since: string
  rate: number
  json: boolean
}): Effect.Effect<void, ReconcileFailure> =>
  Effect.gen(function* () {
    const window = parseWindow(args.since)
    if (window === undefined) {
      return yield* new CliError({
        message: `--since ${args.since} is not a duration such as 7d, 12h or 30m.`,
        exitCode: ExitCode.badInput
      })
    }
    if (!(args.rate > 0)) {
      return yield* new CliError({
        message: `--rate must be a positive number of referrals a second.`,
        exitCode: ExitCode.badInput
      })
    }
    yield* withReconciliation(
      Effect.gen(function* () {
        const sinceMillis = Date.now() - Duration.toMillis(window)
        const result = yield* (yield* Reconciliation).since({ sinceMillis, ratePerSecond: args.rate })
        yield* args.json ? printJson(result) : renderSweep(result)
        yield* setExitCode(
          result.failed.length > 0 ? ExitCode.failure : result.drifted.length > 0 ? DRIFT_EXIT_CODE : ExitCode.ok
        )
      })
    )
  })
