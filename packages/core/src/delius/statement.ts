/**
 * How core runs the statements it issues (DESIGN.md, The Delius data layer). The fast path reads @effect/sql internals
 * (a statement's `compile` and `transformRows`, `Statement.currentTransformer`, `SqlClient.TransactionConnection`):
 * test/statement.test.ts pins each of them and the @effect/sql release, and fails naming the one that changed.
 */
import { SqlClient, type SqlConnection, type SqlError, Statement } from "@effect/sql"
import { Context, Effect, FiberRef, Option } from "effect"

const { currentTransformer } = Statement

type TransformRows = NonNullable<Parameters<SqlConnection.Connection["execute"]>[2]>
/** What `run` reads from an @effect/sql statement: its public `compile` and the row transform it was built with. */
interface Compilable {
  readonly compile: () => readonly [sql: string, params: ReadonlyArray<unknown>]
  readonly transformRows: TransformRows | undefined
}
const isCompilable = (u: unknown): u is Compilable =>
  typeof u === "object" && u !== null && "compile" in u && "transformRows" in u

/** Runs one compiled statement outside a transaction, holding the client's connection for that statement only. */
export type DirectExecute = (
  sql: string,
  params: ReadonlyArray<unknown>,
  transformRows: TransformRows | undefined
) => Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>

// A client that can run a statement outside a transaction in a step or two (the SQLite client: one connection behind
// a semaphore, a synchronous driver) registers that here, keyed by the connection getter its statements carry
// (`acquirer`, an @effect/sql internal pinned by test/statement.test.ts).
const directExecutors = new WeakMap<object, DirectExecute>()

/** Register `execute` for the statements of the client `statement` (any statement made by it) belongs to. */
export const registerDirectExecute = (statement: unknown, execute: DirectExecute): void => {
  const acquirer = acquirerOf(statement)
  if (acquirer !== undefined) directExecutors.set(acquirer, execute)
}

const acquirerOf = (statement: unknown): object | undefined => {
  const acquirer = typeof statement === "object" && statement !== null ? Reflect.get(statement, "acquirer") : undefined
  return typeof acquirer === "object" && acquirer !== null ? acquirer : undefined
}

/**
 * Execute a statement. Inside a transaction with spans off, it runs straight on the transaction's connection: the
 * statement's own path opens a span, a scope and a connection lookup every time, about 45 µs against 8 µs of SQLite
 * work (measured on the appointment merge), and a write workflow issues a dozen statements in its transaction. Outside
 * a transaction it runs on the client's direct path when the client registered one (the SQLite client: the semaphore
 * held for the one statement, no span or scope), else as @effect/sql runs it (a pool's connection); with spans on (the
 * `sql.execute` dependency spans must be exported) or a statement transformer installed, always as @effect/sql runs it.
 */
export const run = <A>(
  statement: Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>
): Effect.Effect<ReadonlyArray<A>, SqlError.SqlError> =>
  Effect.withFiberRuntime((fiber) => {
    if (!isCompilable(statement) || fiber.getFiberRef(FiberRef.currentTracerEnabled)) return statement
    if (Option.isSome(fiber.getFiberRef(currentTransformer))) return statement
    const transaction = Context.getOption(fiber.currentContext, SqlClient.TransactionConnection)
    if (Option.isNone(transaction)) {
      const acquirer = acquirerOf(statement)
      const direct = acquirer === undefined ? undefined : directExecutors.get(acquirer)
      if (direct === undefined) return statement
      const [sql, params] = statement.compile()
      return direct(sql, params, statement.transformRows) as Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>
    }
    const [sql, params] = statement.compile()
    return transaction.value[0].execute(sql, params, statement.transformRows)
  })
