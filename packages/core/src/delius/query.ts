import { SqlClient, type SqlConnection, type SqlError, Statement } from "@effect/sql"
import { Context, Effect, FiberRef, Option, Schema } from "effect"
import type { ParseError } from "effect/ParseResult"
import type { DatabaseError } from "../errors.js"
import { memoizedBy } from "../memo.js"
import { toDatabaseError } from "./database.js"
import { traced } from "../telemetry/spans.js"

const { currentTransformer } = Statement

/**
 * Run a statement, decode its rows with a Schema, and map driver and decode failures to one `DatabaseError` that
 * names the operation (DESIGN.md, The Delius data layer). Each helper is traced under the operation name when spans
 * are on (telemetry/spans.ts).
 */
export const findAll = <A, I>(operation: string, row: Schema.Schema<A, I>) => {
  const decode = rowsDecoder(row)
  return (
    statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>
  ): Effect.Effect<ReadonlyArray<A>, DatabaseError> =>
    run(statement).pipe(Effect.flatMap(decode), Effect.mapError(toDatabaseError(operation)), traced(operation))
}

type Rows = Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>
type TransformRows = NonNullable<Parameters<SqlConnection.Connection["execute"]>[2]>
/** What `run` reads from an @effect/sql statement: its public `compile` and the row transform it was built with. */
interface Compilable {
  readonly compile: () => readonly [sql: string, params: ReadonlyArray<unknown>]
  readonly transformRows: TransformRows | undefined
}
const isCompilable = (u: unknown): u is Compilable =>
  typeof u === "object" && u !== null && "compile" in u && "transformRows" in u

/**
 * Execute a statement. Inside a transaction with spans off, it runs straight on the transaction's connection: the
 * statement's own path opens a span, a scope and a connection lookup every time, about 45 µs against 8 µs of SQLite work
 * (issue 13), and a write workflow issues a dozen statements in its transaction. Outside a transaction (the connection
 * comes from the pool or the SQLite semaphore), with spans on (the `sql.execute` dependency spans must be exported), or
 * with a statement transformer installed, the statement runs as @effect/sql runs it.
 */
export const run = (statement: Rows): Rows =>
  Effect.withFiberRuntime((fiber) => {
    if (!isCompilable(statement) || fiber.getFiberRef(FiberRef.currentTracerEnabled)) return statement
    const transaction = Context.getOption(fiber.currentContext, SqlClient.TransactionConnection)
    if (Option.isNone(transaction) || Option.isSome(fiber.getFiberRef(currentTransformer))) return statement
    const [sql, params] = statement.compile()
    return transaction.value[0].execute(sql, params, statement.transformRows)
  })

/** One decoder per row Schema (see memo.ts). */
const rowsDecoder: <A, I>(
  row: Schema.Schema<A, I>
) => (rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<A>, ParseError> = memoizedBy(
  (row: Schema.Schema<any, any>) => Schema.decodeUnknown(Schema.Array(row))
) as never

export const findOne =
  <A, I>(operation: string, row: Schema.Schema<A, I>) =>
  (
    statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>
  ): Effect.Effect<Option.Option<A>, DatabaseError> =>
    findAll(operation, row)(statement).pipe(Effect.map((rows) => Option.fromNullable(rows[0])))

export const execute =
  (operation: string) =>
  (statement: Effect.Effect<unknown, SqlError.SqlError>): Effect.Effect<void, DatabaseError> =>
    run(statement as Rows).pipe(Effect.asVoid, Effect.mapError(toDatabaseError(operation)), traced(operation))

/** `COUNT(*) AS N`-style single number. */
export const countOf =
  (operation: string) =>
  (statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>): Effect.Effect<number, DatabaseError> =>
    findAll(operation, CountRow)(statement).pipe(Effect.map((rows) => rows[0]?.n ?? 0))

const CountRow = Schema.Struct({ n: Schema.Number })

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2}))?(?:\.(\d{1,9}))?/

/** Canonical stored timestamp `YYYY-MM-DD HH:MM:SS.ffffff` from any driver's text form. */
export const canonicalTimestamp = (text: string): string => {
  const m = TIMESTAMP.exec(text)
  if (!m) return text.length === 10 ? `${text} 00:00:00.000000` : text
  return `${m[1]} ${m[2]}:${m[3] ?? "00"}.${(m[4] ?? "").padEnd(6, "0").slice(0, 6)}`
}

/** A Delius timestamp column (Europe/London wall clock), decoded to the canonical text form. */
export const StoredTimestamp = Schema.transform(Schema.String, Schema.String, {
  strict: true,
  decode: canonicalTimestamp,
  encode: (s) => s
})

/** A Delius DATE column as `YYYY-MM-DD` (Oracle DATE carries a time part, which is dropped). */
export const StoredDate = Schema.transform(Schema.String, Schema.String, {
  strict: true,
  decode: (s) => s.slice(0, 10),
  encode: (s) => s
})
