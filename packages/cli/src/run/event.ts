import { SqlClient } from "@effect/sql"
import {
  crnOf,
  decodeMessage,
  type EventResult,
  handleDomainEvent,
  londonDateTime,
  makeCoreLayer,
  Telemetry
} from "@ram-delius/core"
import { Console, Data, Effect, Either } from "effect"
import { readFileSync } from "node:fs"
import { changesSince, snapshot } from "../inspect.js"
import { CliError, ExitCode, printJson, setExitCode, table } from "../output.js"
import { existingDatabase, explainMissingDatabase, refuseWhenReadOnly, requireSchema } from "./database.js"

type Change = { table: string; change: string; row: Record<string, unknown> }

class DryRunRollback extends Data.TaggedError("DryRunRollback")<{
  readonly result: EventResult
  readonly changes: ReadonlyArray<Change>
}> {}

const exitCodeOf = (result: EventResult) =>
  result.outcome === "Success" ? ExitCode.ok : result.outcome === "Failure" ? ExitCode.failure : ExitCode.rejected

/** The file is the user's input: unreadable or not JSON is bad input (exit 4), not a rejected message. */
const readBody = (file: string) =>
  Effect.try({
    try: () => {
      const body = readFileSync(file, "utf8")
      JSON.parse(body)
      return body
    },
    catch: (e) =>
      new CliError({
        message: `${file} is not a JSON message body: ${e instanceof Error ? e.message : String(e)}`,
        exitCode: ExitCode.badInput
      })
  })

export const eventProcess = ({
  file,
  dryRun,
  json
}: {
  file: string
  dryRun: boolean
  json: boolean
}): Effect.Effect<void, unknown> =>
  // Refused before core (and its database connection) is built. A dry run too: its statements run (then roll back),
  // and a read-only standby refuses them anyway.
  Effect.zipRight(
    refuseWhenReadOnly(dryRun ? "event process --dry-run" : "event process"),
    processEvent({ file, dryRun, json })
  )

const processEvent = ({ file, dryRun, json }: { file: string; dryRun: boolean; json: boolean }) =>
  Effect.gen(function* () {
    const body = yield* readBody(file)
    yield* requireSchema
    if (!dryRun) {
      const result = yield* handleDomainEvent(body)
      yield* setExitCode(exitCodeOf(result))
      return yield* json
        ? printJson(result)
        : Console.log(table([{ ...result, properties: JSON.stringify(result.properties) }]))
    }
    const sql = yield* SqlClient.SqlClient
    const since = londonDateTime(Date.now() - 1)
    // The message's person: their contacts are compared row by row (see inspect.ts).
    const decoded = decodeMessage(body)
    const crn = Either.isRight(decoded) ? crnOf(decoded.right.event) : ""
    const outcome = yield* sql
      .withTransaction(
        Effect.gen(function* () {
          const before = yield* snapshot(crn)
          const result = yield* handleDomainEvent(body)
          const changes = yield* changesSince(before, crn, since)
          return yield* new DryRunRollback({ result, changes })
        })
      )
      .pipe(Effect.flip)
    if (!(outcome instanceof DryRunRollback)) return yield* Effect.fail(outcome)
    yield* setExitCode(exitCodeOf(outcome.result))
    // The audit row (§8.2) is written for every handled message, replays included; it is not a change to the case, so
    // it is reported apart from the Delius changes (a dry run says exactly what it did and did not do).
    const audit = outcome.changes.filter((c) => c.table === "AUDITED_INTERACTION")
    const changes = outcome.changes.filter((c) => c.table !== "AUDITED_INTERACTION")
    if (json) return yield* printJson({ dryRun: true, result: outcome.result, changes, audit })
    yield* Console.log(
      `DRY RUN — rolled back, nothing was saved. Outcome: ${outcome.result.outcome} (${outcome.result.telemetryName})`
    )
    yield* Console.log(JSON.stringify(outcome.result.properties))
    if (changes.length === 0) yield* Console.log("\nNo Delius changes.")
    else yield* Console.log(`\nDelius changes (${changes.length}):`)
    for (const change of changes) {
      yield* Console.log(`\n${change.change} ${change.table}\n${table([change.row])}`)
    }
    yield* Console.log(
      audit.length === 0
        ? "\nAudit: no AUDITED_INTERACTION row."
        : `\nAudit: ${audit.length} AUDITED_INTERACTION row(s) would be recorded (the audit trail of this call, not a Delius change).`
    )
  }).pipe(
    Effect.provide(makeCoreLayer({ telemetry: Telemetry.stderrLayer, database: existingDatabase, prepare: false })),
    explainMissingDatabase
  )
