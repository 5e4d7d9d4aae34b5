import { SqlClient } from "@effect/sql"
import { Database, ddl as ddlOf, dialects, migrate as migrateDatabase, seed as seedDatabase } from "@ram-delius/core"
import { Console, Effect } from "effect"
import { CliError, ExitCode, printJson } from "../output.js"
import { refuseOracle, refuseWhenReadOnly, withExistingDatabase } from "./database.js"

/** Both refusals come before any connection: the database layer is only provided after them. */
const writesDatabase = (command: string) => Effect.zipRight(refuseOracle(command), refuseWhenReadOnly(command))

export const migrate = ({ json }: { json: boolean }) =>
  Effect.zipRight(
    writesDatabase("db migrate"),
    Effect.gen(function* () {
      const applied = yield* migrateDatabase
      if (json) return yield* printJson({ applied })
      yield* Console.log(applied.length === 0 ? "Schema is up to date." : `Applied migrations: ${applied.join(", ")}`)
    }).pipe(Effect.provide(Database.layer))
  )

const rowCount = (sql: SqlClient.SqlClient, table: "R_CONTACT_TYPE" | "OFFENDER") =>
  sql
    .unsafe<Record<string, unknown>>(`SELECT COUNT(*) AS N FROM ${table}`)
    .pipe(Effect.map((rows) => Number(Object.values(rows[0] ?? {})[0] ?? 0)))

/**
 * `db seed` twice does nothing the second time (set-up is idempotent): the reference codes (R_CONTACT_TYPE)
 * and the dev people (OFFENDER) tell which dataset is already there. Seeding needs a migrated database, so this is
 * not a place that creates one.
 */
export const seed = ({ dataset, json }: { dataset: "dev" | "reference"; json: boolean }) =>
  Effect.zipRight(writesDatabase("db seed"), seedExisting({ dataset, json }))

const seedExisting = ({ dataset, json }: { dataset: "dev" | "reference"; json: boolean }) =>
  withExistingDatabase(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const codes = yield* rowCount(sql, "R_CONTACT_TYPE")
      const people = yield* rowCount(sql, "OFFENDER")
      const present = people > 0 ? "dev" : codes > 0 ? "reference" : undefined
      if (present === dataset || present === "dev") {
        if (json) return yield* printJson({ seeded: null, alreadySeeded: present })
        return yield* Console.log(`The database already holds the ${present} dataset; nothing to do.`)
      }
      if (present === "reference") {
        return yield* new CliError({
          message:
            "The database already holds the reference dataset; the dev dataset needs an empty, migrated database.",
          exitCode: ExitCode.badInput
        })
      }
      yield* seedDatabase(dataset)
      if (json) return yield* printJson({ seeded: dataset })
      yield* Console.log(`Seeded the ${dataset} dataset.`)
    })
  )

export const ddl = ({ dialect }: { dialect: keyof typeof dialects }) =>
  Console.log(
    ddlOf(dialects[dialect])
      .map((s) => `${s};`)
      .join("\n\n")
  )
