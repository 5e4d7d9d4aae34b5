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

/**
 * Execute a statement. Inside a transaction with spans off, it runs straight on the transaction's connection: the
 * statement's own path opens a span, a scope and a connection lookup every time, about 45 µs against 8 µs of SQLite
 * work (measured on the appointment merge), and a write workflow issues a dozen statements in its transaction. Outside
 * a transaction (the connection comes from the pool or the SQLite semaphore), with spans on (the `sql.execute`
 * dependency spans must be exported), or with a statement transformer installed, the statement runs as @effect/sql runs
 * it.
 */
export const run = <A>(
  statement: Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>
): Effect.Effect<ReadonlyArray<A>, SqlError.SqlError> =>
  Effect.withFiberRuntime((fiber) => {
    if (!isCompilable(statement) || fiber.getFiberRef(FiberRef.currentTracerEnabled)) return statement
    const transaction = Context.getOption(fiber.currentContext, SqlClient.TransactionConnection)
    if (Option.isNone(transaction) || Option.isSome(fiber.getFiberRef(currentTransformer))) return statement
    const [sql, params] = statement.compile()
    return transaction.value[0].execute(sql, params, statement.transformRows)
  })
