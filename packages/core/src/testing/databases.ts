/**
 * Real databases for tests and benchmarks (DESIGN.md, Style: real parts, not mocks): a temporary SQLite file, and a
 * fresh PostgreSQL database on the build machine's server (PG_TEST_URL, default postgres://postgres@127.0.0.1:5432/test),
 * each removed by its `drop`. `pg` is loaded only when a PostgreSQL database is asked for, so SQLite-only users of this
 * kit need not install it (it is an optional peer of core).
 */
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Database from "../delius/database.js"
import { migrate } from "../delius/migrations.js"
import { seed, type SeedDataset } from "../delius/seed.js"

export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? "postgres://postgres@127.0.0.1:5432/test"

/** The dialects every test runs on: the embedded one and the server one the build machine has. */
export const dialectsUnderTest = ["sqlite", "postgres"] as const

export type TestDialect = (typeof dialectsUnderTest)[number]

export interface TestDatabase {
  readonly name: TestDialect
  readonly url: string
  /** Removes the database (SQLite: its directory, synchronously before the promise settles). */
  readonly drop: () => Promise<void>
}

/** The file behind a `sqlite:` URL. */
export const sqliteFile = (db: TestDatabase): string => db.url.slice("sqlite:".length)

export const createSqliteDatabase = (): TestDatabase => {
  const dir = mkdtempSync(join(tmpdir(), "ram-delius-"))
  return {
    name: "sqlite",
    url: `sqlite:${join(dir, "delius.sqlite")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true })
  }
}

const uniqueName = (prefix: string) =>
  `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`

/** Runs one statement on the admin database (CREATE / DROP DATABASE cannot run inside a transaction or a pool). */
const admin = async (statement: string): Promise<void> => {
  const { default: pg } = await import("pg")
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/**
 * A new, empty PostgreSQL database (or, with `template`, a byte copy of that database). Names are generated here
 * (`ram_delius_…`, digits and lower-case letters only), never taken from input, so they can be spliced into the DDL.
 */
export const createPostgresDatabase = async (options: { readonly template?: string } = {}): Promise<TestDatabase> => {
  const name = uniqueName(options.template === undefined ? "ram_delius" : "ram_delius_t")
  await admin(`CREATE DATABASE ${name}${options.template === undefined ? "" : ` TEMPLATE ${options.template}`}`)
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return { name: "postgres", url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

/** A new, empty database of the given dialect. */
export const createDatabase = (kind: TestDialect): Promise<TestDatabase> =>
  kind === "sqlite" ? Promise.resolve(createSqliteDatabase()) : createPostgresDatabase()

/** Migrates and seeds a database through its own short-lived connection. */
export const migrateAndSeed = (url: string, dataset: SeedDataset = "dev"): Promise<void> =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate
      yield* seed(dataset)
    }).pipe(Effect.provide(Database.layerFromUrl(url)), Effect.scoped) as Effect.Effect<void, unknown>
  )

/**
 * A new database of the given dialect, migrated and holding `dataset` (default the dev dataset, spec/dev-dataset.md);
 * its own `drop` removes it. For one database per test file. Tests wanting a fresh copy per test use
 * `cloneSeededDatabase`.
 */
export const createSeededDatabase = async (
  kind: TestDialect = "sqlite",
  dataset: SeedDataset = "dev"
): Promise<TestDatabase> => {
  const db = await createDatabase(kind)
  try {
    await migrateAndSeed(db.url, dataset)
  } catch (error) {
    await db.drop().catch(() => undefined)
    throw error
  }
  return db
}
