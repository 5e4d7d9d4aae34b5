/**
 * Everything that differs between the databases this service runs on (DESIGN.md, The Delius data layer): the next
 * id from a Delius sequence, the per-person row lock, the count of rows an UPDATE changed, pagination, and the DDL
 * and catalogue queries of the embedded/test schema. Nothing else in the code base branches on the database: code
 * outside this module asks the dialect instead of testing its name. The Oracle and SQL Server SQL here never runs in
 * this repository's tests, so test/dialect.test.ts pins its text through each database's statement compiler.
 */
import type { SqlClient, SqlError, Statement } from "@effect/sql"
import { Context, Effect, Option } from "effect"
import type { OracleExecuteResult } from "./oracle/OracleClient.js"
import { asStatement, run } from "./statement.js"
import type { ColumnType, SequenceName } from "./tables.js"

export type DialectName = "sqlite" | "postgres" | "oracle" | "mssql"

export interface DialectShape {
  readonly name: DialectName
  /**
   * The database lives with the service (SQLite): hosts migrate and seed it at start-up. Server databases (Oracle in
   * production) are never migrated implicitly — the schema belongs to Delius (DESIGN.md).
   */
  readonly embedded: boolean
  /** Next value of a Delius sequence (allocation size 1, spec §8.1). */
  readonly nextId: (sql: SqlClient.SqlClient, sequence: SequenceName) => Effect.Effect<number, SqlError.SqlError>
  /**
   * Lock the person's `OFFENDER` row until the end of the current transaction and return its id (None when no
   * non-deleted person has that CRN). Every write workflow starts with this, so that R&M and SQS redeliveries running the
   * same operation at once — in any process — are serialised per person (DESIGN.md, Concurrency; decision Q1).
   * It must be the first statement of the transaction (SQLite takes its write lock here, before any read snapshot).
   */
  /** The person's OFFENDER_ID once locked; none when no (non-deleted) person has the CRN. */
  readonly lockPerson: (
    sql: SqlClient.SqlClient,
    crn: string
  ) => Effect.Effect<Option.Option<number>, SqlError.SqlError>
  /**
   * Run an UPDATE (with no RETURNING of its own) and return how many rows it changed. The drivers report that count
   * in different shapes, or not at all (@effect/sql-mssql drops tedious's row count), so each dialect asks for it in
   * the way its database and client can answer.
   */
  readonly affectedRows: (
    sql: SqlClient.SqlClient,
    update: Statement.Statement<unknown>,
    /** What the statement does: its span's name when spans are on (statement.ts `startStatementSpan`). */
    name: string
  ) => Effect.Effect<number, SqlError.SqlError>
  /** A statement that proves the connection works (readiness checks). */
  readonly ping: string
  /** Row-limiting clause appended to a query ordered by the caller. */
  readonly limit: (n: number) => string
  /**
   * SQL expression for the calendar date of a `date` column (spec §7.7 counts distinct contact *dates*): SQLite keeps
   * dates as text (any time part is cut off, as `StoredDate` does when decoding), Oracle's DATE carries a time of day.
   */
  readonly dateOnly: (column: string) => string
  readonly columnType: (type: ColumnType) => string
  /** DDL that must run before the tables and `createSequence` (SQLite emulates sequences with a table). */
  readonly sequenceSupport: ReadonlyArray<string>
  readonly createSequence: (sequence: SequenceName) => ReadonlyArray<string>
  /** Whether the current schema has a table of this (upper-case, unquoted) name. */
  readonly tableExists: (sql: SqlClient.SqlClient, name: string) => Effect.Effect<boolean, SqlError.SqlError>
}

export class Dialect extends Context.Tag("@ram-delius/core/Dialect")<Dialect, DialectShape>() {}

const firstNumber = (rows: ReadonlyArray<Record<string, unknown>>): number | undefined => {
  const row = rows[0]
  if (row === undefined) return undefined
  const value = Object.values(row)[0]
  return value === null || value === undefined ? undefined : Number(value)
}

const personLocked = (rows: ReadonlyArray<Record<string, unknown>>) => Option.fromNullable(firstNumber(rows))

const positiveCount = (rows: ReadonlyArray<Record<string, unknown>>): boolean => (firstNumber(rows) ?? 0) > 0

// SQLite (3.35+) and PostgreSQL return one row per changed row: counting them needs nothing from the driver's raw
// result, whose shape differs between SQLite drivers.
const countReturnedRows = (sql: SqlClient.SqlClient, update: Statement.Statement<unknown>, name: string) =>
  run(sql`${update} RETURNING 1`, name).pipe(Effect.map((rows) => rows.length))

// PostgreSQL and SQL Server keep table names in information_schema; the DDL's unquoted names fold to lower case on
// PostgreSQL, hence UPPER.
const informationSchemaTableExists = (sql: SqlClient.SqlClient, name: string) =>
  sql<
    Record<string, unknown>
  >`SELECT COUNT(*) AS N FROM information_schema.tables WHERE UPPER(table_name) = ${name}`.pipe(
    Effect.map(positiveCount)
  )

const requireNumber = (sequence: string) => (rows: ReadonlyArray<Record<string, unknown>>) => {
  const n = firstNumber(rows)
  return n === undefined ? Effect.die(new Error(`Sequence ${sequence} returned no value`)) : Effect.succeed(n)
}

export const sqlite: DialectShape = {
  name: "sqlite",
  embedded: true,
  ping: "SELECT 1",
  // SQLite has no sequences: a one-row-per-sequence table emulates them inside the caller's transaction.
  nextId: (sql, sequence) =>
    run(
      sql<
        Record<string, unknown>
      >`UPDATE DELIUS_SEQUENCE SET LAST_VALUE = LAST_VALUE + 1 WHERE SEQUENCE_NAME = ${sequence} RETURNING LAST_VALUE`,
      "Sequence.next"
    ).pipe(Effect.flatMap(requireNumber(sequence))),
  // A no-op UPDATE takes SQLite's database write lock (busy_timeout makes other writers wait) — the closest SQLite
  // has to a row lock.
  lockPerson: (sql, crn) =>
    run(
      sql<
        Record<string, unknown>
      >`UPDATE OFFENDER SET SOFT_DELETED = SOFT_DELETED WHERE CRN = ${crn} AND SOFT_DELETED = 0 RETURNING OFFENDER_ID`,
      "Person.lock"
    ).pipe(Effect.map(personLocked)),
  affectedRows: countReturnedRows,
  limit: (n) => `LIMIT ${Math.trunc(n)}`,
  dateOnly: (column) => `substr(${column}, 1, 10)`,
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
  sequenceSupport: ["CREATE TABLE DELIUS_SEQUENCE (SEQUENCE_NAME TEXT PRIMARY KEY, LAST_VALUE INTEGER NOT NULL)"],
  createSequence: (sequence) => [`INSERT INTO DELIUS_SEQUENCE (SEQUENCE_NAME, LAST_VALUE) VALUES ('${sequence}', 0)`],
  tableExists: (sql, name) =>
    sql<Record<string, unknown>>`SELECT COUNT(*) AS N FROM sqlite_master WHERE type = 'table' AND name = ${name}`.pipe(
      Effect.map(positiveCount)
    )
}

// Sequence names below are interpolated only from the closed `SequenceName` union, never from input.
export const postgres: DialectShape = {
  name: "postgres",
  embedded: false,
  ping: "SELECT 1",
  nextId: (sql, sequence) =>
    run(sql.unsafe<Record<string, unknown>>(`SELECT nextval('${sequence}') AS ID`), "Sequence.next").pipe(
      Effect.flatMap(requireNumber(sequence))
    ),
  lockPerson: (sql, crn) =>
    run(
      sql<Record<string, unknown>>`SELECT OFFENDER_ID FROM OFFENDER WHERE CRN = ${crn} AND SOFT_DELETED = 0 FOR UPDATE`,
      "Person.lock"
    ).pipe(Effect.map(personLocked)),
  affectedRows: countReturnedRows,
  limit: (n) => `LIMIT ${Math.trunc(n)}`,
  dateOnly: (column) => column,
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
  sequenceSupport: [],
  createSequence: (sequence) => [`CREATE SEQUENCE ${sequence} START WITH 1 INCREMENT BY 1`],
  tableExists: informationSchemaTableExists
}

export const oracle: DialectShape = {
  name: "oracle",
  embedded: false,
  ping: "SELECT 1 FROM DUAL",
  nextId: (sql, sequence) =>
    run(sql.unsafe<Record<string, unknown>>(`SELECT ${sequence}.NEXTVAL AS ID FROM DUAL`), "Sequence.next").pipe(
      Effect.flatMap(requireNumber(sequence))
    ),
  lockPerson: (sql, crn) =>
    run(
      sql<Record<string, unknown>>`SELECT OFFENDER_ID FROM OFFENDER WHERE CRN = ${crn} AND SOFT_DELETED = 0 FOR UPDATE`,
      "Person.lock"
    ).pipe(Effect.map(personLocked)),
  // Oracle has no RETURNING without INTO out-binds; the project's Oracle client hands back oracledb's result, whose
  // rowsAffected is the count.
  affectedRows: (_sql, update, name) =>
    update.raw.pipe(
      Effect.map((raw) => (raw as OracleExecuteResult).rowsAffected ?? 0),
      asStatement(name, update)
    ),
  limit: (n) => `FETCH FIRST ${Math.trunc(n)} ROWS ONLY`,
  dateOnly: (column) => `TRUNC(${column})`,
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
  sequenceSupport: [],
  createSequence: (sequence) => [`CREATE SEQUENCE ${sequence} START WITH 1 INCREMENT BY 1`],
  tableExists: (sql, name) =>
    sql<Record<string, unknown>>`SELECT COUNT(*) AS N FROM USER_TABLES WHERE TABLE_NAME = ${name}`.pipe(
      Effect.map(positiveCount)
    )
}

export const mssql: DialectShape = {
  name: "mssql",
  embedded: false,
  ping: "SELECT 1",
  nextId: (sql, sequence) =>
    run(sql.unsafe<Record<string, unknown>>(`SELECT NEXT VALUE FOR ${sequence} AS ID`), "Sequence.next").pipe(
      Effect.flatMap(requireNumber(sequence))
    ),
  lockPerson: (sql, crn) =>
    run(
      sql<
        Record<string, unknown>
      >`SELECT OFFENDER_ID FROM OFFENDER WITH (UPDLOCK, ROWLOCK, HOLDLOCK) WHERE CRN = ${crn} AND SOFT_DELETED = 0`,
      "Person.lock"
    ).pipe(Effect.map(personLocked)),
  // @effect/sql-mssql resolves a statement with its rows only; @@ROWCOUNT, read in the same batch, is the UPDATE's.
  affectedRows: (sql, update, name) => {
    const counted = sql<Record<string, unknown>>`${update}; SELECT @@ROWCOUNT AS N`
    return counted.pipe(
      Effect.map((rows) => firstNumber(rows) ?? 0),
      asStatement(name, counted)
    )
  },
  limit: (n) => `OFFSET 0 ROWS FETCH NEXT ${Math.trunc(n)} ROWS ONLY`,
  dateOnly: (column) => column,
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
  sequenceSupport: [],
  createSequence: (sequence) => [`CREATE SEQUENCE ${sequence} AS BIGINT START WITH 1 INCREMENT BY 1`],
  tableExists: informationSchemaTableExists
}

export const dialects: Record<DialectName, DialectShape> = { sqlite, postgres, oracle, mssql }
