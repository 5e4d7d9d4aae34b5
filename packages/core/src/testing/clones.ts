/**
 * A fresh, migrated database holding the dev dataset, per test. Migrating and seeding is done once per dialect and
 * process (a "template"); every test then gets a byte copy of it — a file copy for SQLite, `CREATE DATABASE …
 * TEMPLATE …` for PostgreSQL — so each test starts from exactly the dev dataset (same ids, same sequence values) in
 * a few milliseconds.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  createPostgresDatabase,
  createSeededDatabase,
  sqliteFile,
  type TestDatabase,
  type TestDialect
} from "./databases.js"

const templates = new Map<TestDialect, Promise<TestDatabase>>()
const created: Array<TestDatabase> = []

const template = (kind: TestDialect): Promise<TestDatabase> => {
  let existing = templates.get(kind)
  if (existing === undefined) {
    existing = createSeededDatabase(kind, "dev")
    templates.set(kind, existing)
  }
  return existing
}

const copySqlite = (source: TestDatabase): TestDatabase => {
  const from = sqliteFile(source)
  const dir = mkdtempSync(join(tmpdir(), "ram-delius-"))
  const to = join(dir, "delius.sqlite")
  copyFileSync(from, to)
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`)
  return { name: "sqlite", url: `sqlite:${to}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
}

const copyPostgres = (source: TestDatabase): Promise<TestDatabase> =>
  createPostgresDatabase({ template: new URL(source.url).pathname.slice(1) })

// PostgreSQL copies take a few hundred milliseconds: the next one is prepared while the current test runs.
const prefetched = new Map<TestDialect, Promise<TestDatabase>>()

const copy = async (kind: TestDialect): Promise<TestDatabase> => {
  const source = await template(kind)
  const db = kind === "sqlite" ? copySqlite(source) : await copyPostgres(source)
  created.push(db)
  return db
}

/** A new database holding the dev dataset (spec/dev-dataset.md), copied from a template. Dropped by `dropSeededDatabases`. */
export const cloneSeededDatabase = async (kind: TestDialect): Promise<TestDatabase> => {
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

/** Drop every database made by `cloneSeededDatabase`, templates included (call from `afterAll`). */
export const dropSeededDatabases = async (): Promise<void> => {
  await Promise.all([...prefetched.values()].map((p) => p.catch(() => undefined)))
  prefetched.clear()
  const all = [...created.splice(0)]
  for (const t of templates.values()) all.push(await t)
  templates.clear()
  await Promise.all(all.map((db) => db.drop().catch(() => undefined)))
}
