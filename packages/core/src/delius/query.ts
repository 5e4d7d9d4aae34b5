import type { SqlError } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import type { DatabaseError } from "../errors.js"
import { toDatabaseError } from "./database.js"

/**
 * Run a statement, decode its rows with a Schema, and map driver and decode failures to one `DatabaseError` that
 * names the operation (DESIGN.md, The Delius data layer). Each helper is traced under the operation name.
 */
export const findAll =
  <A, I>(operation: string, row: Schema.Schema<A, I>) =>
  (statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>): Effect.Effect<ReadonlyArray<A>, DatabaseError> =>
    statement.pipe(
      Effect.flatMap(Schema.decodeUnknown(Schema.Array(row))),
      Effect.mapError(toDatabaseError(operation)),
      Effect.withSpan(operation)
    )

export const findOne =
  <A, I>(operation: string, row: Schema.Schema<A, I>) =>
  (statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>): Effect.Effect<Option.Option<A>, DatabaseError> =>
    findAll(operation, row)(statement).pipe(Effect.map((rows) => Option.fromNullable(rows[0])))

export const execute =
  (operation: string) =>
  (statement: Effect.Effect<unknown, SqlError.SqlError>): Effect.Effect<void, DatabaseError> =>
    statement.pipe(Effect.asVoid, Effect.mapError(toDatabaseError(operation)), Effect.withSpan(operation))

/** `COUNT(*) AS N`-style single number. */
export const countOf =
  (operation: string) =>
  (statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>): Effect.Effect<number, DatabaseError> =>
    findAll(operation, Schema.Struct({ n: Schema.Number }))(statement).pipe(Effect.map((rows) => rows[0]?.n ?? 0))

/** Nullable column helpers: Delius Y/N and 1/0 flags, text dates. */
export const Nullable = Schema.NullOr
export const Id = Schema.Number
export const Text = Schema.String
