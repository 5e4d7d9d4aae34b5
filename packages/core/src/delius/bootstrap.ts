import { Config, ConfigError, Effect } from "effect"
import { Dialect } from "./dialect.js"
import { currentVersion, migrate } from "./migrations.js"
import { seed, type SeedDataset } from "./seed.js"

/** `DELIUS_SEED` = dev | reference | none: which data a freshly migrated database receives. */
export const seedDatasetConfig = Config.literal(
  "dev",
  "reference",
  "none"
)("DELIUS_SEED").pipe(Config.withDefault("dev" as const))

/**
 * Make an embedded (or explicitly requested) database ready: migrate it, and seed it when it was empty. Server
 * databases (Oracle in production) are never migrated implicitly — the schema belongs to Delius (DESIGN.md); the
 * hosts only call this for SQLite, or when `DELIUS_MIGRATE=true` asks for it (tests, dev PostgreSQL).
 */
export const prepareDatabase = (options: { readonly seed?: SeedDataset } = {}) =>
  Effect.gen(function* () {
    const dialect = yield* Dialect
    const migrateWanted = dialect.embedded || (yield* Config.boolean("DELIUS_MIGRATE").pipe(Config.withDefault(false)))
    // Delius is Oracle in every environment, and its schema is Delius's own (DESIGN.md, The Delius data layer): a
    // migration there would create tables in the live database, so the switch is refused before any statement runs.
    if (migrateWanted && dialect.name === "oracle") {
      return yield* Effect.fail(
        ConfigError.InvalidData(
          ["DELIUS_MIGRATE"],
          "DELIUS_MIGRATE=true is refused on an Oracle database: the Delius schema is never migrated by this service"
        )
      )
    }
    if (!migrateWanted) return { migrated: [] as ReadonlyArray<number>, seeded: "none" as SeedDataset }
    const wasEmpty = (yield* currentVersion) === 0
    const migrated = yield* migrate
    const dataset = options.seed ?? (yield* seedDatasetConfig)
    if (wasEmpty) yield* seed(dataset)
    return { migrated, seeded: wasEmpty ? dataset : ("none" as SeedDataset) }
  })
