import type { SqlError } from "@effect/sql"
import { Effect, Either, FiberRef, Option, ParseResult, Schema } from "effect"
import type { DatabaseError } from "../errors.js"
import { toDatabaseError } from "./database.js"
import { run, runLater, runNow, statementSpan } from "./statement.js"

/**
 * Run a statement, decode its rows with a Schema, and map driver and decode failures to one `DatabaseError` that
 * names the operation (DESIGN.md, The Delius data layer). With spans on, each statement is one client span named for
 * the operation (statement.ts `statementSpan`).
 */
export const findAll = <A, I>(operation: string, row: Schema.Schema<A, I>) => {
  const decode = rowsDecoder(row)
  const toError = toDatabaseError(operation)
  const rows = (
    statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>
  ): Effect.Effect<ReadonlyArray<A>, DatabaseError> =>
    Effect.withFiberRuntime((fiber): Effect.Effect<ReadonlyArray<A>, DatabaseError> => {
      // Inside the span, spans are off: the statement takes the path below.
      if (fiber.getFiberRef(FiberRef.currentTracerEnabled)) return statementSpan(operation, statement)(rows(statement))
      const settle = (result: Either.Either<ReadonlyArray<unknown>, SqlError.SqlError>) => {
        if (Either.isLeft(result)) return Either.left(toError(result.left))
        const decoded = decode(result.right)
        return Either.isLeft(decoded) ? Either.left(toError(decoded.left)) : Either.right(decoded.right)
      }
      // On a synchronous client (SQLite) the statement and its decode are one step of the runtime, on the PostgreSQL
      // client one `Effect.async` (statement.ts).
      const now = runNow(fiber, statement)
      if (now !== undefined) return settle(now)
      const later = runLater(fiber, statement)
      if (later !== undefined) return Effect.async((resume) => later((result) => resume(settle(result))))
      return run(statement).pipe(Effect.flatMap(decode), Effect.mapError(toError))
    })
  return rows
}

/**
 * Decode rows one by one with the row Schema's parser (Effect keeps one parser per Schema, so nothing is built per
 * call). Row schemas are synchronous, so the decode is a plain function returning an Either (itself an Effect),
 * without the effectful parser's per-row Effect steps (DESIGN.md, The Delius data layer). A failure is reported as the
 * array's decode reports it (`[index]` and the row's issue).
 */
const rowsDecoder = <A, I>(row: Schema.Schema<A, I>) => {
  const decodeRow = ParseResult.decodeUnknownEither(row)
  return (rows: ReadonlyArray<unknown>): Either.Either<ReadonlyArray<A>, ParseResult.ParseError> => {
    const decoded: Array<A> = []
    for (const value of rows) {
      const result = decodeRow(value)
      if (Either.isLeft(result)) return Schema.decodeUnknownEither(Schema.Array(row))(rows)
      decoded.push(result.right)
    }
    return Either.right(decoded)
  }
}

export const findOne =
  <A, I>(operation: string, row: Schema.Schema<A, I>) =>
  (
    statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>
  ): Effect.Effect<Option.Option<A>, DatabaseError> =>
    findAll(operation, row)(statement).pipe(Effect.map((rows) => Option.fromNullable(rows[0])))

export const execute = (operation: string) => {
  const toError = toDatabaseError(operation)
  const executed = (
    statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>
  ): Effect.Effect<void, DatabaseError> =>
    Effect.withFiberRuntime((fiber): Effect.Effect<void, DatabaseError> => {
      if (fiber.getFiberRef(FiberRef.currentTracerEnabled))
        return statementSpan(operation, statement)(executed(statement))
      const now = runNow(fiber, statement)
      if (now !== undefined) return Either.isLeft(now) ? Either.left(toError(now.left)) : Effect.void
      const later = runLater(fiber, statement)
      if (later !== undefined) {
        return Effect.async((resume) =>
          later((result) => resume(Either.isLeft(result) ? Either.left(toError(result.left)) : Effect.void))
        )
      }
      return run(statement).pipe(Effect.asVoid, Effect.mapError(toError))
    })
  return executed
}

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
