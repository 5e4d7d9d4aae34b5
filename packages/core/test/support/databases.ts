import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import * as Database from "../../src/delius/database.js"
import { migrate } from "../../src/delius/migrations.js"
import { seed, type SeedDataset } from "../../src/delius/seed.js"

/**
 * Real databases for tests: a temporary SQLite file, and a fresh PostgreSQL database per test file on the build
 * machine's server (PG_TEST_URL, default postgres://postgres@127.0.0.1:5432/test), dropped afterwards.
 */
export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? "postgres://postgres@127.0.0.1:5432/test"

export interface TestDatabase {
  readonly name: "sqlite" | "postgres"
  readonly url: string
  readonly drop: () => Promise<void>
}

export const createSqliteDatabase = (): TestDatabase => {
  const dir = mkdtempSync(join(tmpdir(), "ram-delius-"))
  return {
    name: "sqlite",
    url: `sqlite:${join(dir, "delius.sqlite")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true })
  }
}

export const createPostgresDatabase = async (): Promise<TestDatabase> => {
  const name = `ram_delius_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    name: "postgres",
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    }
  }
}

export const createDatabase = (kind: "sqlite" | "postgres") =>
  kind === "sqlite" ? Promise.resolve(createSqliteDatabase()) : createPostgresDatabase()

/** Migrate and seed a test database through its own short-lived connection. */
export const prepare = (url: string, dataset: SeedDataset = "dev") =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate
      yield* seed(dataset)
    }).pipe(Effect.provide(Database.layerFromUrl(url)), Effect.scoped)
  )

export const dialectsUnderTest = ["sqlite", "postgres"] as const

export const withSql = <A, E>(url: string, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.flatMap(SqlClient.SqlClient, f).pipe(Effect.provide(Database.layerFromUrl(url))) as Effect.Effect<A, E>)

export { Layer }
