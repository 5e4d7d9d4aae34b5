/**
 * Versioned migrations for the embedded database and test databases only. In production the Delius schema belongs
 * to Delius and this service never creates tables there (DESIGN.md).
 */

import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DatabaseError } from "../errors.js"
import { Dialect, type DialectShape } from "./dialect.js"
import { sequences, tables, type Table } from "./tables.js"

export const SCHEMA_VERSION_TABLE = "RAM_DELIUS_SCHEMA_VERSION"

const createTable = (dialect: DialectShape, table: Table): ReadonlyArray<string> => {
  const columns = table.columns.map((column) => {
    const parts = [column.name, dialect.columnType(column.type)]
    if (column.default !== undefined) {
      parts.push(`DEFAULT ${typeof column.default === "number" ? column.default : `'${column.default}'`}`)
    }
    if (column.notNull) parts.push("NOT NULL")
    return parts.join(" ")
  })
  if (table.primaryKey) columns.push(`PRIMARY KEY (${table.primaryKey.join(", ")})`)
  const statements = [`CREATE TABLE ${table.name} (\n  ${columns.join(",\n  ")}\n)`]
  table.indexes?.forEach((index, i) => {
    statements.push(`CREATE INDEX ${table.name.replace(/_$/, "")}_IX${i + 1} ON ${table.name} (${index.join(", ")})`)
  })
  return statements
}

export interface Migration {
  readonly version: number
  readonly description: string
  readonly statements: (dialect: DialectShape) => ReadonlyArray<string>
}

export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "Delius schema subset (spec §8.1) and sequences",
    statements: (dialect) => [
      ...dialect.sequenceSupport,
      ...tables.flatMap((table) => createTable(dialect, table)),
      ...sequences.flatMap((sequence) => dialect.createSequence(sequence))
    ]
  }
]

/** DDL text of every migration for a dialect (used by `ram-delius db ddl` and the tests). */
export const ddl = (dialect: DialectShape): ReadonlyArray<string> => migrations.flatMap((m) => m.statements(dialect))

/** The schema version of the database, 0 when it has never been migrated. */
export const currentVersion = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const dialect = yield* Dialect
  if (!(yield* dialect.tableExists(sql, SCHEMA_VERSION_TABLE))) return 0
  const rows = yield* sql.unsafe<Record<string, unknown>>(`SELECT MAX(VERSION) AS V FROM ${SCHEMA_VERSION_TABLE}`)
  return Number(Object.values(rows[0] ?? {})[0] ?? 0)
}).pipe(
  Effect.mapError((cause) => new DatabaseError({ operation: "read schema version", message: String(cause), cause }))
)

/** Apply every migration newer than the database's version, each in its own transaction. Returns versions applied. */
export const migrate = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const dialect = yield* Dialect
  const from = yield* currentVersion
  const applied: Array<number> = []
  for (const migration of migrations.filter((m) => m.version > from)) {
    yield* Effect.gen(function* () {
      if (migration.version === 1) {
        yield* sql.unsafe(
          `CREATE TABLE ${SCHEMA_VERSION_TABLE} (VERSION ${dialect.columnType("int")} NOT NULL, DESCRIPTION ${dialect.columnType({ varchar: 200 })}, APPLIED_AT ${dialect.columnType({ varchar: 40 })})`
        )
      }
      for (const statement of migration.statements(dialect)) yield* sql.unsafe(statement)
      yield* sql`INSERT INTO ${sql.literal(SCHEMA_VERSION_TABLE)} (VERSION, DESCRIPTION, APPLIED_AT) VALUES (${migration.version}, ${migration.description}, ${new Date().toISOString()})`
    }).pipe(
      // Oracle and MySQL-like databases commit DDL implicitly; PostgreSQL, SQL Server and SQLite roll it back.
      sql.withTransaction
    )
    applied.push(migration.version)
  }
  return applied
}).pipe(
  Effect.mapError((cause) =>
    cause instanceof DatabaseError ? cause : new DatabaseError({ operation: "migrate", message: String(cause), cause })
  ),
  Effect.withSpan("Delius.migrate")
)
