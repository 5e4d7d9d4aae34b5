/**
 * The SQLite client's lock and lean path (DESIGN.md, The Delius data layer).
 *
 * The one connection is guarded by a FIFO lock: a transaction holds it from BEGIN to COMMIT / ROLLBACK, a statement
 * outside one while it runs. Waiting for it is uninterruptible (as @effect/sql's wait for a transaction's connection
 * is): the holder is a transaction of synchronous statements, so the wait is bounded, and a waiter interrupted after
 * being handed the lock could not give it back. An uncontended take is two steps (Effect's Semaphore takes 8).
 *
 * With spans off, a transaction and a statement outside one cost the runtime a handful of steps. @effect/sql's own path
 * opens a (no-op) span, a scope and a finalizer per transaction and per statement — about 130 Effect operations for an
 * empty transaction and 100 for one statement, counted with a supervisor — where the work is the lock, a synchronous
 * BEGIN / statement / COMMIT on the connection and the lock back. The SQL and its order are @effect/sql's (BEGIN; COMMIT
 * on success; ROLLBACK on failure, defect or interruption), so every statement runs as before. With spans on (an
 * exporter configured) the same path runs inside a `sql.transaction` span (statement.ts `leanWithTransaction`). Inside
 * another transaction (a savepoint), @effect/sql's own `withTransaction` runs.
 */
import * as Client from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import type { Connection } from "@effect/sql/SqlConnection"
import * as Either from "effect/Either"
import { type DirectExecute, leanWithTransaction, type SyncExecute } from "../statement.js"

/** The connection's lock: `take` waits (first come first served; run it uninterruptibly), `release` hands it on. */
export const makeLock = () => {
  let held = false
  const waiters: Array<() => void> = []
  const releaseNow = () => {
    const next = waiters.shift()
    if (next === undefined) held = false
    else next()
  }
  // Only ever run uninterruptibly (by its callers): a waiter interrupted here would be handed the lock later anyway.
  const take: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (!held) {
      held = true
      resume(Effect.void)
    } else waiters.push(() => resume(Effect.void))
  })
  return { take, release: Effect.sync(releaseNow), releaseNow, isHeld: () => held }
}

export type Lock = ReturnType<typeof makeLock>

type WithTransaction = Client.SqlClient["withTransaction"]
type Rows = (sql: string, params: ReadonlyArray<unknown>, transform: boolean) => ReadonlyArray<unknown>

const failed = (cause: unknown) => new SqlError({ cause, message: "Failed to execute statement" })

export const leanPath = (
  connection: Connection,
  rows: Rows,
  lock: Lock,
  fallback: WithTransaction,
  spanAttributes: ReadonlyArray<readonly [string, unknown]>
) => {
  const { take, releaseNow } = lock
  /** COMMIT or ROLLBACK, then the lock back; a failed COMMIT is rolled back and is a defect (as @effect/sql's is). */
  const end = <A, E>(exit: Exit.Exit<A, E>): Exit.Exit<A, E> => {
    try {
      rows(Exit.isSuccess(exit) ? "COMMIT" : "ROLLBACK", [], false)
      return exit
    } catch (error) {
      if (Exit.isSuccess(exit)) {
        try {
          rows("ROLLBACK", [], false)
        } catch {
          // Nothing was open any more: the failed COMMIT is what is reported.
        }
      }
      return Exit.failCause(Cause.die(failed(error)))
    } finally {
      releaseNow()
    }
  }

  /** BEGIN, the body, COMMIT or ROLLBACK, holding the lock; `context` is the caller's, put back when it ends. */
  const transaction = <R, E, A>(effect: Effect.Effect<A, E, R>, context: Context.Context<never>) => {
    const inTransaction = Context.add(context, Client.TransactionConnection, [connection, 0] as const)
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(take, (): Effect.Effect<A, E | SqlError, R> => {
        try {
          rows("BEGIN", [], false)
        } catch (error) {
          releaseNow()
          return Effect.fail(failed(error))
        }
        // The body sees the connection as its transaction's (statements look `TransactionConnection` up); the
        // context is put back when it ends, however it ends.
        return Effect.zipRight(
          FiberRef.set(FiberRef.currentContext, inTransaction),
          Effect.flatMap(Effect.exit(restore(effect)), (exit) => {
            const ended = end(exit)
            return Effect.zipRight(FiberRef.set(FiberRef.currentContext, context), ended)
          })
        )
      })
    )
  }

  /** One statement now, on the connection (the caller knows it is free or is its own transaction's). */
  const now: SyncExecute = (sql, params, transformRows) => {
    try {
      return Either.right(rows(sql, params, transformRows !== undefined))
    } catch (error) {
      return Either.left(failed(error))
    }
  }

  /** One statement outside a transaction while the connection is held: once it is handed over, then handed on. */
  const later: DirectExecute = (sql, params, transformRows) =>
    Effect.uninterruptible(
      Effect.flatMap(take, () => {
        try {
          return now(sql, params, transformRows)
        } finally {
          releaseNow()
        }
      })
    )

  const withTransaction = leanWithTransaction(fallback, spanAttributes, transaction)
  return { withTransaction, direct: { now, later, free: () => !lock.isHeld() } }
}
