import { Args, Command, Options } from "@effect/cli"
import { Database, ddl, dialects, migrate, seed } from "@ram-delius/core"
import { Console, Effect } from "effect"
import { printJson } from "../output.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON instead of text"))

/** `db migrate`: create the Delius schema subset in an embedded or test database (never in production Delius). */
export const migrateCommand = Command.make("migrate", { json }, ({ json }) =>
  Effect.gen(function* () {
    const applied = yield* migrate
    if (json) return yield* printJson({ applied })
    yield* Console.log(applied.length === 0 ? "Schema is up to date." : `Applied migrations: ${applied.join(", ")}`)
  }).pipe(Effect.provide(Database.layer))
).pipe(Command.withDescription("Create or upgrade the Delius schema subset (embedded and test databases only) in DATABASE_URL"))

const dataset = Options.choice("dataset", ["dev", "reference"]).pipe(
  Options.withDefault("dev" as const),
  Options.withDescription("dev: the dev dataset (people, NSIs, contacts); reference: only the codes of spec §§6–8")
)

export const seedCommand = Command.make("seed", { dataset, json }, ({ dataset, json }) =>
  Effect.gen(function* () {
    yield* seed(dataset)
    if (json) return yield* printJson({ seeded: dataset })
    yield* Console.log(`Seeded the ${dataset} dataset.`)
  }).pipe(Effect.provide(Database.layer))
).pipe(Command.withDescription("Load the reference codes or the dev dataset into DATABASE_URL (an empty, migrated database)"))

const dialect = Args.choice<keyof typeof dialects>(
  [["sqlite", "sqlite"], ["postgres", "postgres"], ["oracle", "oracle"], ["mssql", "mssql"]],
  { name: "dialect" }
)

export const ddlCommand = Command.make("ddl", { dialect }, ({ dialect }) =>
  Console.log(ddl(dialects[dialect]).map((s) => `${s};`).join("\n\n"))
).pipe(Command.withDescription("Print the DDL of the Delius schema subset for a database (for test databases)"))

export const dbCommand = Command.make("db").pipe(
  Command.withDescription("Database administration"),
  Command.withSubcommands([migrateCommand, seedCommand, ddlCommand])
)
