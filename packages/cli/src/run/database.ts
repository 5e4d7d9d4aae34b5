/**
 * The DATABASE_URL database for a command that needs an existing one (every command but `serve` and `db migrate`):
 * never creates a file or a directory (a read has no side effects), and says which command fixes a
 * missing or unmigrated embedded database instead of failing later with "no such table".
 */

import { currentVersion, Database, Dialect, Switches } from "@ram-delius/core"
import { Effect, Either, type Layer } from "effect"
import { CliError, ExitCode } from "../output.js"

type DatabaseLayer = typeof Database.layer
export const existingDatabase: DatabaseLayer = Database.layerWith({ create: false })

export const requireSchema = Effect.gen(function* () {
  const dialect = yield* Dialect
  // Only the embedded database is ours to migrate; a server database's schema belongs to Delius (DESIGN.md).
  if (dialect.name === "sqlite" && (yield* currentVersion) === 0) {
    return yield* new CliError({
      message:
        "The database in DATABASE_URL has no Delius tables yet: run `ram-delius db migrate` and `ram-delius db seed` first.",
      exitCode: ExitCode.failure
    })
  }
})

export const explainMissingDatabase = <A, E, R>(effect: Effect.Effect<A, E | Database.DatabaseNotFound, R>) =>
  Effect.catchIf(
    effect,
    (e): e is Database.DatabaseNotFound => e instanceof Database.DatabaseNotFound,
    (e) =>
      new CliError({
        message: `DATABASE_URL points at ${e.filename}, which does not exist: create it with \`ram-delius db migrate\` and \`ram-delius db seed\`, or set DATABASE_URL to an existing database.`,
        exitCode: ExitCode.failure
      })
  )

export const withExistingDatabase = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, unknown, Exclude<R, Layer.Layer.Success<DatabaseLayer>>> =>
  Effect.zipRight(requireSchema, effect).pipe(Effect.provide(existingDatabase), explainMissingDatabase)

/**
 * `READ_ONLY=true` (Delius failover or maintenance): a command that writes the database refuses before connecting,
 * with exit 5 — as the hosts refuse Delius writes (503) and receive nothing meanwhile.
 */
export const refuseWhenReadOnly = (command: string) =>
  Effect.flatMap(Switches.readOnly, (readOnly) =>
    readOnly
      ? new CliError({
          message: `READ_ONLY=true: \`${command}\` writes the database, so it is refused until READ_ONLY is unset.`,
          exitCode: ExitCode.refused
        })
      : Effect.void
  )

/**
 * `db migrate` and `db seed` create tables and rows of their own: never in an Oracle database, which is Delius itself
 * in every environment (its schema belongs to Delius, DESIGN.md) — refused before connecting, whatever ENVIRONMENT_NAME.
 */
export const refuseOracle = (command: string) =>
  Effect.flatMap(Database.databaseUrl, (url) => {
    const target = Database.parseDatabaseUrl(url)
    return Either.isRight(target) && target.right._tag === "oracle"
      ? new CliError({
          message: `\`${command}\` never runs against an Oracle database (Delius's schema belongs to Delius): DATABASE_URL is Oracle, so nothing was done.`,
          exitCode: ExitCode.refused
        })
      : Effect.void
  })
