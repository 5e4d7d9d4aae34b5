import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { createPostgresDatabase, createSqliteDatabase, PG_ADMIN_URL, prepare, type TestDatabase } from "./databases.js"

/**
 * A fresh, migrated database holding the dev dataset, per test. Migrating and seeding is done once per dialect and
 * test file (a "template"); every test then gets a byte copy of it — a file copy for SQLite, `CREATE DATABASE …
 * TEMPLATE …` for PostgreSQL — so each test starts from exactly the dev dataset (same ids, same sequence values) in
 * a few milliseconds.
 */
const templates = new Map<"sqlite" | "postgres", Promise<TestDatabase>>()
const created: Array<TestDatabase> = []

const template = (kind: "sqlite" | "postgres"): Promise<TestDatabase> => {
  let existing = templates.get(kind)
  if (existing === undefined) {
    existing = (async () => {
      const db = kind === "sqlite" ? createSqliteDatabase() : await createPostgresDatabase()
      await prepare(db.url, "dev")
      return db
    })()
    templates.set(kind, existing)
  }
  return existing
}

const copySqlite = (source: TestDatabase): TestDatabase => {
  const from = source.url.slice("sqlite:".length)
  const dir = mkdtempSync(join(tmpdir(), "ram-delius-"))
  const to = join(dir, "delius.sqlite")
  copyFileSync(from, to)
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`)
  return { name: "sqlite", url: `sqlite:${to}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
}

const copyPostgres = async (source: TestDatabase): Promise<TestDatabase> => {
  const templateName = new URL(source.url).pathname.slice(1)
  const name = `ram_delius_t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateName}`)
  } finally {
    await admin.end()
  }
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    name: "postgres",
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    }
  }
}

// PostgreSQL copies take a few hundred milliseconds: the next one is prepared while the current test runs.
const prefetched = new Map<"sqlite" | "postgres", Promise<TestDatabase>>()

const copy = async (kind: "sqlite" | "postgres"): Promise<TestDatabase> => {
  const source = await template(kind)
  const db = kind === "sqlite" ? copySqlite(source) : await copyPostgres(source)
  created.push(db)
  return db
}

/** A new database holding the dev dataset (spec/dev-dataset.md). Dropped by `dropSeededDatabases`. */
export const createSeededDatabase = async (kind: "sqlite" | "postgres"): Promise<TestDatabase> => {
  const ready = prefetched.get(kind)
  prefetched.delete(kind)
  const db = await (ready ?? copy(kind))
  if (kind === "postgres") {
    const next = copy(kind)
    next.catch(() => undefined)
    prefetched.set(kind, next)
  }
  return db
}

/** Drop every database made by this module, templates included (call from `afterAll`). */
export const dropSeededDatabases = async (): Promise<void> => {
  await Promise.all([...prefetched.values()].map((p) => p.catch(() => undefined)))
  prefetched.clear()
  const all = [...created.splice(0)]
  for (const t of templates.values()) all.push(await t)
  templates.clear()
  await Promise.all(all.map((db) => db.drop().catch(() => undefined)))
}
