/**
 * The queue host's database health check: `SELECT 1` (the dialect's ping) through core's SqlClient, answered at the
 * deadline even when the database holds the check uninterruptibly (as http-koa's health.ts). Shared by the running
 * consumer and the disabled one, so `/health` reads the database the same way whichever runs.
 */

import { Dialect, Log } from "@ram-delius/core"
import { SqlClient } from "@effect/sql"
import { Duration, Effect, Exit, type ManagedRuntime, Option } from "effect"

export interface DatabaseHealth {
  readonly status: "UP" | "DOWN"
  readonly error?: string
}

export const databaseCheck =
  <R, E>(runtime: ManagedRuntime.ManagedRuntime<R, E>) =>
  async (timeoutMs = 5_000): Promise<DatabaseHealth> => {
    const exit = await runtime.runPromiseExit(
      Effect.gen(function* () {
        // Not in the runtime's type, but every core layer has them (makeCoreLayer); absent → DOWN, not a crash.
        const sql = yield* Effect.serviceOption(SqlClient.SqlClient)
        const dialect = yield* Effect.serviceOption(Dialect)
        if (Option.isNone(sql) || Option.isNone(dialect)) return yield* Effect.fail("no database in core")
        yield* sql.value.unsafe(dialect.value.ping)
      }).pipe(
        Effect.disconnect,
        Effect.timeoutFail({ duration: Duration.millis(timeoutMs), onTimeout: () => "timed out" })
      )
    )
    return Exit.isSuccess(exit) ? { status: "UP" } : { status: "DOWN", error: Log.describeCause(exit.cause, false) }
  }
