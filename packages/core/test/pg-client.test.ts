import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { Cause, Effect, Exit, Fiber, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { resultName } from "../src/delius/database.js"
import * as PgClient from "../src/delius/postgres/PgClient.js"
import { findAll } from "../src/delius/query.js"
import { run } from "../src/delius/statement.js"
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js"
import { Schema } from "effect"

/**
 * The project's PostgreSQL client (delius/postgres) on the real server at 127.0.0.1:5432: transactions commit and roll
 * back, an interrupted transaction gives its connection back, statements are prepared once per connection under a
 * name kept per client, and driver failures are SqlErrors carrying the server's error.
 */

let db: TestDatabase
beforeAll(async () => {
  db = await createPostgresDatabase()
})
afterAll(async () => {
  await db.drop()
})

type Runtime = ManagedRuntime.ManagedRuntime<SqlClient.SqlClient, SqlError>
const runtimes: Array<Runtime> = []
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.dispose()))
})

const client = (maxConnections?: number): Runtime => {
  const runtime = ManagedRuntime.make(
    PgClient.layer({
      url: Redacted.make(db.url),
      maxConnections,
      transformResultNames: resultName,
      transformQueryNames: (name) => name.toLowerCase()
    }) as Layer.Layer<SqlClient.SqlClient, SqlError>
  )
  runtimes.push(runtime)
  return runtime
}

const sql = <A, E>(runtime: Runtime, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, f))

const table = async (name: string) => {
  await sql(client(), (s) => s.unsafe(`CREATE TABLE ${name} (PROBE_ID INTEGER PRIMARY KEY, PROBE_TEXT VARCHAR(20))`))
  return name
}

const Probe = Schema.Struct({ probeId: Schema.Number, probeText: Schema.String })
const probes = (s: SqlClient.SqlClient, name: string) =>
  findAll("probes", Probe)(s`SELECT PROBE_ID, PROBE_TEXT FROM ${s(name)} ORDER BY PROBE_ID`)

describe("PgClient transactions (spans off: the lean path)", () => {
  it("commits the body's writes; rows come back with camelCase names and numbers as numbers", async () => {
    const name = await table("tx_commit")
    const runtime = client()
    await sql(runtime, (s) =>
      s.withTransaction(run(s`INSERT INTO ${s(name)} ${s.insert({ PROBE_ID: 1, PROBE_TEXT: "one" })}`))
    )
    expect(await sql(runtime, (s) => probes(s, name))).toEqual([{ probeId: 1, probeText: "one" }])
  })

  it("rolls back on failure and on a defect; the failure is the body's", async () => {
    const name = await table("tx_rollback")
    const runtime = client()
    const insert = (s: SqlClient.SqlClient, id: number) =>
      run(s`INSERT INTO ${s(name)} ${s.insert({ PROBE_ID: id, PROBE_TEXT: "x" })}`)
    const failed = await runtime.runPromiseExit(
      Effect.flatMap(SqlClient.SqlClient, (s) => s.withTransaction(Effect.zipRight(insert(s, 1), Effect.fail("no"))))
    )
    expect(failed).toEqual(Exit.fail("no"))
    const died = await runtime.runPromiseExit(
      Effect.flatMap(SqlClient.SqlClient, (s) => s.withTransaction(Effect.zipRight(insert(s, 2), Effect.die("boom"))))
    )
    expect(Exit.isFailure(died) && Cause.isDie(died.cause)).toBe(true)
    expect(await sql(runtime, (s) => probes(s, name))).toEqual([])
  })

  it("a statement error inside the transaction is a SqlError with the server's error (unique violation)", async () => {
    const name = await table("tx_unique")
    const runtime = client()
    const exit = await runtime.runPromiseExit(
      Effect.flatMap(SqlClient.SqlClient, (s) =>
        s.withTransaction(
          Effect.zipRight(
            run(s`INSERT INTO ${s(name)} ${s.insert({ PROBE_ID: 1, PROBE_TEXT: "a" })}`),
            run(s`INSERT INTO ${s(name)} ${s.insert({ PROBE_ID: 1, PROBE_TEXT: "b" })}`)
          )
        )
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
    expect(error).toBeInstanceOf(SqlError)
    expect((error as SqlError).message).toBe("Failed to execute statement")
    expect(((error as SqlError).cause as { code?: string }).code).toBe("23505")
    expect(await sql(runtime, (s) => probes(s, name))).toEqual([])
  })

  it("an interrupted transaction rolls back and gives its connection back (a pool of one serves the next)", async () => {
    const name = await table("tx_interrupt")
    const runtime = client(1)
    const fiber = runtime.runFork(
      Effect.flatMap(SqlClient.SqlClient, (s) =>
        s.withTransaction(
          Effect.zipRight(run(s`INSERT INTO ${s(name)} ${s.insert({ PROBE_ID: 1, PROBE_TEXT: "x" })}`), Effect.never)
        )
      )
    )
    // Wait until the insert has run inside the transaction (the row is not visible outside it).
    await sql(runtime, () => Effect.sleep(200))
    await runtime.runPromise(Fiber.interrupt(fiber))
    expect(await sql(runtime, (s) => probes(s, name))).toEqual([])
  })

  it("a statement interrupted while it waits (a lock) is cancelled, and the connection serves the next", async () => {
    const name = await table("tx_cancel")
    const runtime = client(2)
    await sql(runtime, (s) => run(s`INSERT INTO ${s(name)} ${s.insert({ PROBE_ID: 1, PROBE_TEXT: "x" })}`))
    const locked = (s: SqlClient.SqlClient) => run(s`SELECT PROBE_ID FROM ${s(name)} WHERE PROBE_ID = ${1} FOR UPDATE`)
    const holder = runtime.runFork(
      Effect.flatMap(SqlClient.SqlClient, (s) => s.withTransaction(Effect.zipRight(locked(s), Effect.never)))
    )
    await sql(runtime, () => Effect.sleep(200))
    const waiter = await runtime.runPromiseExit(
      Effect.flatMap(SqlClient.SqlClient, (s) => s.withTransaction(locked(s))).pipe(Effect.timeout(300))
    )
    expect(Exit.isFailure(waiter)).toBe(true)
    await runtime.runPromise(Fiber.interrupt(holder))
    expect(await sql(runtime, (s) => s.withTransaction(locked(s)))).toEqual([{ probeId: 1 }])
  })

  it("nested transactions are savepoints: an inner failure rolls back only the inner writes", async () => {
    const name = await table("tx_nested")
    const runtime = client()
    const insert = (s: SqlClient.SqlClient, id: number) =>
      run(s`INSERT INTO ${s(name)} ${s.insert({ PROBE_ID: id, PROBE_TEXT: "x" })}`)
    await sql(runtime, (s) =>
      s.withTransaction(
        Effect.zipRight(
          insert(s, 1),
          Effect.ignore(s.withTransaction(Effect.zipRight(insert(s, 2), Effect.fail("no"))))
        )
      )
    )
    expect((await sql(runtime, (s) => probes(s, name))).map((p) => p.probeId)).toEqual([1])
  })
})

describe("PgClient prepared statements", () => {
  const prepared = (s: SqlClient.SqlClient) =>
    run(s.unsafe<{ name: string; statement: string }>("SELECT name, statement FROM pg_prepared_statements"))

  it("a statement with parameters is prepared once per connection under one name, on every connection", async () => {
    const name = await table("prep_reuse")
    const runtime = client(2)
    const select = (s: SqlClient.SqlClient) => run(s`SELECT PROBE_ID FROM ${s(name)} WHERE PROBE_ID = ${7}`)
    // Two transactions at once hold both connections; each runs the statement twice and lists its session's statements.
    const both = await sql(runtime, (s) =>
      Effect.all(
        [1, 2].map(() =>
          s.withTransaction(
            Effect.zipRight(Effect.zipRight(select(s), select(s)), Effect.zipLeft(prepared(s), Effect.sleep(100)))
          )
        ),
        { concurrency: 2 }
      )
    )
    const named = both.map((rows) => rows.filter((row) => row.statement.includes("prep_reuse")).map((row) => row.name))
    expect(named[0]).toHaveLength(1)
    expect(named[1]).toEqual(named[0])
  })

  it("after DDL, statements are prepared afresh (SELECT * sees the new column)", async () => {
    const name = await table("prep_ddl")
    const runtime = client(1)
    const all = (s: SqlClient.SqlClient) => run(s`SELECT * FROM ${s(name)} WHERE PROBE_ID = ${1}`)
    await sql(runtime, (s) => run(s`INSERT INTO ${s(name)} ${s.insert({ PROBE_ID: 1, PROBE_TEXT: "x" })}`))
    expect(await sql(runtime, all)).toEqual([{ probeId: 1, probeText: "x" }])
    await sql(runtime, (s) => s.unsafe(`ALTER TABLE ${name} ADD COLUMN PROBE_EXTRA INTEGER`))
    expect(await sql(runtime, all)).toEqual([{ probeId: 1, probeText: "x", probeExtra: null }])
  })

  it("DATE and TIMESTAMP come back as text, BIGINT and NUMERIC as numbers", async () => {
    const rows = await sql(client(), (s) =>
      run(
        s`SELECT DATE '2026-03-29' AS D, TIMESTAMP '2026-03-29 01:30:00.5' AS T, ${"9007199254740"}::BIGINT AS B, 1.25::NUMERIC AS N`
      )
    )
    expect(rows).toEqual([{ d: "2026-03-29", t: "2026-03-29 01:30:00.5", b: 9007199254740, n: 1.25 }])
  })

  it("a statement outside a transaction that fails is a SqlError, and the pool stays usable", async () => {
    const runtime = client(1)
    const exit = await runtime.runPromiseExit(
      Effect.flatMap(SqlClient.SqlClient, (s) => run(s`SELECT * FROM no_such_table WHERE X = ${1}`))
    )
    const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
    expect(error).toBeInstanceOf(SqlError)
    expect(((error as SqlError).cause as { code?: string }).code).toBe("42P01")
    expect(await sql(runtime, (s) => run(s`SELECT ${1}::INTEGER AS ONE`))).toEqual([{ one: 1 }])
  })
})

describe("PgClient start-up", () => {
  it("fails with PgClient: Failed to connect when the server is not there", async () => {
    const exit = await Effect.runPromiseExit(
      Layer.build(PgClient.layer({ url: Redacted.make("postgres://127.0.0.1:1/none") })).pipe(Effect.scoped)
    )
    const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
    expect(error).toBeInstanceOf(SqlError)
    expect((error as SqlError).message).toBe("PgClient: Failed to connect")
  })
})
