import { Args, Command, Options } from "@effect/cli"
import { lazy } from "../output.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON instead of text"))

/** `db migrate`: create the Delius schema subset in an embedded or test database (never in production Delius). */
const migrateCommand = Command.make("migrate", { json }, (args) =>
  lazy(
    () => import("../run/db.js"),
    (m) => m.migrate(args)
  )
).pipe(
  Command.withDescription(
    "Create or upgrade the Delius schema subset (embedded and test databases only) in DATABASE_URL"
  )
)

const dataset = Options.choice("dataset", ["dev", "reference"]).pipe(
  Options.withDefault("dev" as const),
  Options.withDescription("dev: the dev dataset (people, NSIs, contacts); reference: only the codes of spec §§6–8")
)

const seedCommand = Command.make("seed", { dataset, json }, (args) =>
  lazy(
    () => import("../run/db.js"),
    (m) => m.seed(args)
  )
).pipe(
  Command.withDescription(
    "Load the reference codes or the dev dataset into DATABASE_URL (a migrated database; does nothing if already seeded)"
  )
)

const dialect = Args.choice(
  [
    ["sqlite", "sqlite"],
    ["postgres", "postgres"],
    ["oracle", "oracle"],
    ["mssql", "mssql"]
  ] as const,
  { name: "dialect" }
).pipe(Args.withDescription("The database the DDL is for"))

const ddlCommand = Command.make("ddl", { dialect }, (args) =>
  lazy(
    () => import("../run/db.js"),
    (m) => m.ddl(args)
  )
).pipe(Command.withDescription("Print the DDL of the Delius schema subset for a database (for test databases)"))

export const dbCommand = Command.make("db").pipe(
  Command.withDescription("Database administration"),
  Command.withSubcommands([migrateCommand, seedCommand, ddlCommand])
)
