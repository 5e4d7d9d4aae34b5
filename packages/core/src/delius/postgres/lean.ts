/**
 * The PostgreSQL client's transactions (DESIGN.md, The Delius data layer). With spans off, a transaction costs the
 * runtime a handful of steps: one to check a connection out of the pool and BEGIN on it, the body, one to COMMIT (on
 * success) or ROLLBACK (on failure, defect or interruption) and give the connection back. @effect/sql's own path opens a
 * (no-op) span, a scope and finalizers around the same SQL. The SQL and its order are @effect/sql's, and so is the
 * outcome: a failed BEGIN fails with a SqlError, a failed COMMIT or ROLLBACK is a defect. Waiting for a connection is
 * uninterruptible, as it is in @effect/sql. With spans on (an exporter configured) the same path runs inside a
 * `sql.transaction` span (statement.ts `leanWithTransaction`); inside another transaction (a savepoint), @effect/sql's own
 * `withTransaction` runs.
 *
 * A connection that reports an error while checked out (the server went away) is destroyed on release, not pooled.
 */
import * as Client from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Scope from "effect/Scope"
import type pg from "pg"
import { leanWithTransaction } from "../statement.js"

type WithTransaction = Client.SqlClient["withTransaction"]

/** A connection checked out of the pool, with what its release needs. */
interface Checkout {
  readonly client: pg.PoolClient
  readonly connection: Connection
  readonly onError: (cause: Error) => void
  readonly release: (cause?: Error) => void
  broken: Error | undefined
}

const acquireFailed = (cause: unknown) =>
  new SqlError({
    cause: cause ?? new Error("No client returned"),
    message: "Failed to acquire connection for transaction"
  })
const failed = (cause: unknown) => new SqlError({ cause, message: "Failed to execute statement" })

/** Give the connection back; destroyed (pg's `release(error)`) when it reported an error or its end failed. */
const giveBack = (checkout: Checkout, cause?: Error) => {
  checkout.client.off("error", checkout.onError)
  checkout.release(cause ?? checkout.broken)
}

export const leanTransactions = (pool: pg.Pool, connectionOf: (client: pg.PoolClient) => Connection) => {
  // One Connection per pooled pg client, made on its first checkout.
  const connections = new WeakMap<pg.PoolClient, Connection>()

  /** Check a connection out; `then` runs with it (and owns its release) once it is handed over. */
  const checkOut = (then: (checkout: Checkout) => void, fail: (error: SqlError) => void) =>
    pool.connect((error, client, release) => {
      if (error || client === undefined) return fail(acquireFailed(error))
      let connection = connections.get(client)
      if (connection === undefined) connections.set(client, (connection = connectionOf(client)))
      const checkout: Checkout = {
        client,
        connection,
        release,
        broken: undefined,
        onError: (cause) => (checkout.broken = cause)
      }
      client.on("error", checkout.onError)
      then(checkout)
    })

  /** For @effect/sql's own `withTransaction`: a connection held until the transaction's scope closes. */
  const reserve: Effect.Effect<Connection, SqlError, Scope.Scope> = Effect.flatMap(Effect.scope, (scope) =>
    Effect.flatMap(
      Effect.async<Checkout, SqlError>((resume) =>
        checkOut(
          (checkout) => resume(Effect.succeed(checkout)),
          (error) => resume(Effect.fail(error))
        )
      ),
      (checkout) =>
        Effect.as(
          Scope.addFinalizer(
            scope,
            Effect.sync(() => giveBack(checkout))
          ),
          checkout.connection
        )
    )
  )

  /** Check out and BEGIN, as one step. */
  const begin = Effect.async<Checkout, SqlError>((resume) =>
    checkOut(
      (checkout) =>
        checkout.client.query("BEGIN", (error: Error | null) => {
          if (error === null) return resume(Effect.succeed(checkout))
          giveBack(checkout, error)
          resume(Effect.fail(failed(error)))
        }),
      (error) => resume(Effect.fail(error))
    )
  )

  /** COMMIT or ROLLBACK and give the connection back, as one step; the body's exit, or a defect if that failed. */
  const end = <A, E>(checkout: Checkout, exit: Exit.Exit<A, E>) =>
    Effect.async<A, E>((resume) =>
      checkout.client.query(Exit.isSuccess(exit) ? "COMMIT" : "ROLLBACK", (error: Error | null) => {
        giveBack(checkout, error ?? undefined)
        resume(error === null ? exit : Exit.die(failed(error)))
      })
    )

  /** Check out and BEGIN, the body, COMMIT or ROLLBACK; `context` is the caller's, put back when it ends. */
  const transaction = <R, E, A>(effect: Effect.Effect<A, E, R>, context: Context.Context<never>) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(begin, (checkout): Effect.Effect<A, E | SqlError, R> => {
        // The body sees the connection as its transaction's (statements look `TransactionConnection` up); the
        // context is put back when it ends, however it ends.
        const inTransaction = Context.add(context, Client.TransactionConnection, [checkout.connection, 0] as const)
        return Effect.zipRight(
          FiberRef.set(FiberRef.currentContext, inTransaction),
          Effect.flatMap(Effect.exit(restore(effect)), (exit) =>
            Effect.zipRight(FiberRef.set(FiberRef.currentContext, context), end(checkout, exit))
          )
        )
      })
    )

  const withTransaction = (fallback: WithTransaction, spanAttributes: ReadonlyArray<readonly [string, unknown]>) =>
    leanWithTransaction(fallback, spanAttributes, transaction)

  return { reserve, withTransaction }
}
