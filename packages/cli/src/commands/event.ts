import { Args, Command, Options } from "@effect/cli"
import { SqlClient } from "@effect/sql"
import { crnOf, decodeMessage, type EventResult, handleDomainEvent, londonDateTime, makeCoreLayer, Telemetry } from "@ram-delius/core"
import { Console, Data, Effect, Either } from "effect"
import { readFileSync } from "node:fs"
import { changesSince, snapshot } from "../inspect.js"
import { ExitCode, printJson, setExitCode, table } from "../output.js"

class DryRunRollback extends Data.TaggedError("DryRunRollback")<{
  readonly result: EventResult
  readonly changes: ReadonlyArray<{ table: string; change: string; row: Record<string, unknown> }>
}> {}

const exitCodeOf = (result: EventResult) =>
  result.outcome === "Success" ? ExitCode.ok : result.outcome === "Failure" ? ExitCode.failure : ExitCode.rejected

/**
 * `event process <file> [--dry-run]`: run one SQS message body (SNS envelope or bare domain event) through the same
 * handler as the queue host — e.g. a message copied from the DLQ. With --dry-run everything runs inside one
 * transaction that is rolled back, and the rows it would have written are printed.
 */
export const eventProcess = Command.make(
  "process",
  {
    file: Args.file({ name: "file", exists: "yes" }).pipe(Args.withDescription("File holding the message body")),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Roll back and print the rows that would be written")),
    json: Options.boolean("json")
  },
  ({ file, dryRun, json }) =>
    Effect.gen(function* () {
      const body = readFileSync(file, "utf8")
      if (!dryRun) {
        const result = yield* handleDomainEvent(body)
        yield* setExitCode(exitCodeOf(result))
        return yield* json ? printJson(result) : Console.log(table([{ ...result, properties: JSON.stringify(result.properties) }], 200))
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
      if (json) return yield* printJson({ dryRun: true, result: outcome.result, changes: outcome.changes })
      yield* Console.log(`DRY RUN — rolled back. Outcome: ${outcome.result.outcome} (${outcome.result.telemetryName})`)
      yield* Console.log(JSON.stringify(outcome.result.properties))
      for (const change of outcome.changes) {
        yield* Console.log(`\n${change.change} ${change.table}\n${table([change.row], 80)}`)
      }
      if (outcome.changes.length === 0) yield* Console.log("No rows would be written.")
    }).pipe(Effect.provide(makeCoreLayer({ telemetry: Telemetry.stderrLayer })))
).pipe(Command.withDescription("Process one event message through the handler (optionally as a dry run)"))

export const eventCommand = Command.make("event").pipe(
  Command.withDescription("Replay domain events"),
  Command.withSubcommands([eventProcess])
)
