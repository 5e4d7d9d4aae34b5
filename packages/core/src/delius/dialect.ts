import type { SqlClient } from "@effect/sql"
import { Context, Effect } from "effect"
import type { ColumnType } from "./tables.js"
import type { SequenceName } from "./tables.js"

/**
 * Everything that differs between the databases this service runs on (DESIGN.md, The Delius data layer): the next
 * id from a Delius sequence, the per-person row lock, column types for the embedded/test DDL and pagination. Nothing
 * else in the code base branches on the database.
 */
export type DialectName = "sqlite" | "postgres" | "oracle" | "mssql"

export interface DialectShape {
  readonly name: DialectName
  /** Next value of a Delius sequence (allocation size 1, spec §8.1). */
  readonly nextId: (sql: SqlClient.SqlClient, sequence: SequenceName) => Effect.Effect<number, unknown>
  /**
   * Lock the person's `OFFENDER` row until the end of the current transaction and return its id (None when no
   * non-deleted person has that CRN). Every write workflow starts with this, so that R&M and SQS redeliveries running the
   * same operation at once — in any process — are serialised per person (DESIGN.md, Concurrency; decision Q1).
   * It must be the first statement of the transaction (SQLite takes its write lock here, before any read snapshot).
   */
  readonly lockPerson: (sql: SqlClient.SqlClient, crn: string) => Effect.Effect<number | undefined, unknown>
  /** A statement that proves the connection works (readiness checks). */
  readonly ping: string
  /** Row-limiting clause appended to a query ordered by the caller. */
  readonly limit: (n: number) => string
  readonly columnType: (type: ColumnType) => string
  readonly createSequence: (sequence: SequenceName) => ReadonlyArray<string>
}

export class Dialect extends Context.Tag("@ram-delius/core/Dialect")<Dialect, DialectShape>() {}

const firstNumber = (rows: ReadonlyArray<Record<string, unknown>>): number | undefined => {
  const row = rows[0]
  if (row === undefined) return undefined
  const value = Object.values(row)[0]
  return value === null || value === undefined ? undefined : Number(value)
}

const requireNumber = (sequence: string) => (rows: ReadonlyArray<Record<string, unknown>>) => {
  const n = firstNumber(rows)
  return n === undefined ? Effect.die(new Error(`Sequence ${sequence} returned no value`)) : Effect.succeed(n)
}

export const sqlite: DialectShape = {
  name: "sqlite",
  ping: "SELECT 1",
  // SQLite has no sequences: a one-row-per-sequence table emulates them inside the caller's transaction.
  nextId: (sql, sequence) =>
    sql<Record<string, unknown>>`UPDATE DELIUS_SEQUENCE SET LAST_VALUE = LAST_VALUE + 1 WHERE SEQUENCE_NAME = ${sequence} RETURNING LAST_VALUE`.pipe(
      Effect.flatMap(requireNumber(sequence))
    ),
  // A no-op UPDATE takes SQLite's database write lock (busy_timeout makes other writers wait) — the closest SQLite
  // has to a row lock.
  lockPerson: (sql, crn) =>
    sql<Record<string, unknown>>`UPDATE OFFENDER SET SOFT_DELETED = SOFT_DELETED WHERE CRN = ${crn} AND SOFT_DELETED = 0 RETURNING OFFENDER_ID`.pipe(
      Effect.map(firstNumber)
    ),
  limit: (n) => `LIMIT ${Math.trunc(n)}`,
  columnType: (type) => {
    if (typeof type === "object") return "TEXT"
    switch (type) {
      case "id":
      case "int":
      case "flag":
        return "INTEGER"
      case "decimal":
        return "NUMERIC"
      case "yn":
      case "clob":
      case "date":
      case "timestamp":
        return "TEXT"
    }
  },
  createSequence: (sequence) => [`INSERT INTO DELIUS_SEQUENCE (SEQUENCE_NAME, LAST_VALUE) VALUES ('${sequence}', 0)`]
}


// Sequence names below are interpolated only from the closed `SequenceName` union, never from input.
export const postgres: DialectShape = {
  name: "postgres",
  ping: "SELECT 1",
  nextId: (sql, sequence) =>
    sql.unsafe<Record<string, unknown>>(`SELECT nextval('${sequence}') AS ID`).pipe(Effect.flatMap(requireNumber(sequence))),
  lockPerson: (sql, crn) =>
    sql<Record<string, unknown>>`SELECT OFFENDER_ID FROM OFFENDER WHERE CRN = ${crn} AND SOFT_DELETED = 0 FOR UPDATE`.pipe(
      Effect.map(firstNumber)
    ),
  limit: (n) => `LIMIT ${Math.trunc(n)}`,
  columnType: (type) => {
    if (typeof type === "object") return `VARCHAR(${type.varchar})`
    switch (type) {
      case "id":
        return "BIGINT"
      case "int":
        return "INTEGER"
      case "flag":
        return "SMALLINT"
      case "yn":
        return "CHAR(1)"
      case "decimal":
        return "NUMERIC(10,2)"
      case "clob":
        return "TEXT"
      case "date":
        return "DATE"
      case "timestamp":
        return "TIMESTAMP(6)"
    }
  },
  createSequence: (sequence) => [`CREATE SEQUENCE ${sequence} START WITH 1 INCREMENT BY 1`]
}

export const oracle: DialectShape = {
  name: "oracle",
  ping: "SELECT 1 FROM DUAL",
  nextId: (sql, sequence) =>
    sql
      .unsafe<Record<string, unknown>>(`SELECT ${sequence}.NEXTVAL AS ID FROM DUAL`)
      .pipe(Effect.flatMap(requireNumber(sequence))),
  lockPerson: (sql, crn) =>
    sql<Record<string, unknown>>`SELECT OFFENDER_ID FROM OFFENDER WHERE CRN = ${crn} AND SOFT_DELETED = 0 FOR UPDATE`.pipe(
      Effect.map(firstNumber)
    ),
  limit: (n) => `FETCH FIRST ${Math.trunc(n)} ROWS ONLY`,
  columnType: (type) => {
    if (typeof type === "object") return `VARCHAR2(${type.varchar})`
    switch (type) {
      case "id":
        return "NUMBER(38)"
      case "int":
        return "NUMBER(10)"
      case "flag":
        return "NUMBER(1)"
      case "yn":
        return "CHAR(1)"
      case "decimal":
        return "NUMBER(10,2)"
      case "clob":
        return "CLOB"
      case "date":
        return "DATE"
      case "timestamp":
        return "TIMESTAMP(6)"
    }
  },
  createSequence: (sequence) => [`CREATE SEQUENCE ${sequence} START WITH 1 INCREMENT BY 1`]
}

export const mssql: DialectShape = {
  name: "mssql",
  ping: "SELECT 1",
  nextId: (sql, sequence) =>
    sql.unsafe<Record<string, unknown>>(`SELECT NEXT VALUE FOR ${sequence} AS ID`).pipe(Effect.flatMap(requireNumber(sequence))),
  lockPerson: (sql, crn) =>
    sql<Record<string, unknown>>`SELECT OFFENDER_ID FROM OFFENDER WITH (UPDLOCK, ROWLOCK, HOLDLOCK) WHERE CRN = ${crn} AND SOFT_DELETED = 0`.pipe(
      Effect.map(firstNumber)
    ),
  limit: (n) => `OFFSET 0 ROWS FETCH NEXT ${Math.trunc(n)} ROWS ONLY`,
  columnType: (type) => {
    if (typeof type === "object") return `NVARCHAR(${type.varchar})`
    switch (type) {
      case "id":
        return "BIGINT"
      case "int":
        return "INT"
      case "flag":
        return "SMALLINT"
      case "yn":
        return "CHAR(1)"
      case "decimal":
        return "DECIMAL(10,2)"
      case "clob":
        return "NVARCHAR(MAX)"
      case "date":
        return "DATE"
      case "timestamp":
        return "DATETIME2(6)"
    }
  },
  createSequence: (sequence) => [`CREATE SEQUENCE ${sequence} AS BIGINT START WITH 1 INCREMENT BY 1`]
}

export const dialects: Record<DialectName, DialectShape> = { sqlite, postgres, oracle, mssql }
