import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { resultName } from "../src/delius/database.js"
import * as SqliteClient from "../src/delius/sqlite/SqliteClient.js"
import { run } from "../src/delius/statement.js"

// ---------------------------------------------------------------------------------------------------------------------
// Compiler (pure)
// ---------------------------------------------------------------------------------------------------------------------

describe("SqliteClient.makeCompiler", () => {
  const compiler = SqliteClient.makeCompiler()
  const sql = Statement.make(Effect.never, compiler, [], undefined)

  it("uses ? placeholders in order and double-quoted identifiers", () => {
    expect(sql`SELECT ${sql("A.B")} FROM T WHERE X = ${1} AND Y = ${"two"}`.compile()).toEqual([
      'SELECT "A"."B" FROM T WHERE X = ? AND Y = ?',
      [1, "two"]
    ])
  })

  it("sql.in expands to one placeholder per value", () => {
    expect(sql`SELECT 1 WHERE X IN ${sql.in([1, 2, 3])}`.compile()).toEqual(["SELECT 1 WHERE X IN (?,?,?)", [1, 2, 3]])
  })

  it("sql.insert(...).returning('*') emits RETURNING *", () => {
    expect(sql`INSERT INTO T ${sql.insert({ A: 1, B: "x" }).returning("*")}`.compile()).toEqual([
      'INSERT INTO T ("A","B") VALUES (?,?) RETURNING *',
      [1, "x"]
    ])
  })

  it("applies transformQueryNames to identifiers", () => {
    // A distinct acquirer: Statement.make caches its constructor per acquirer.
    const upper = Statement.make(
      Effect.suspend(() => Effect.never),
      SqliteClient.makeCompiler((name) => name.toUpperCase()),
      [],
      undefined
    )
    expect(upper`INSERT INTO T ${upper.insert({ contactId: 1 })}`.compile()).toEqual([
      'INSERT INTO T ("CONTACTID") VALUES (?)',
      [1]
    ])
  })
})

// ---------------------------------------------------------------------------------------------------------------------
// Client, on a real temporary file
// ---------------------------------------------------------------------------------------------------------------------

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sqlite-client-"))
  file = join(dir, "test.sqlite")
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

const layer = (config: Partial<SqliteClient.SqliteClientConfig> = {}) =>
  SqliteClient.layer({ filename: file, transformResultNames: resultName, ...config })

const withClient = <A, E>(
  effect: Effect.Effect<A, E, SqliteClient.SqliteClient | SqlClient.SqlClient>,
  config?: Partial<SqliteClient.SqliteClientConfig>
) => Effect.scoped(Effect.provide(effect, layer(config)))

const setUp = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE ITEM (ITEM_ID INTEGER PRIMARY KEY, ITEM_NAME TEXT NOT NULL, FLAG INTEGER, DATA BLOB, BIG INTEGER)`
  return sql
})

/** Rows as another connection sees them (what is committed). */
const committed = (query: string) => {
  const db = new DatabaseSync(file, { readOnly: true })
  try {
    return db
      .prepare(query)
      .all()
      .map((row) => ({ ...row }))
  } finally {
    db.close()
  }
}

describe("SqliteClient against a temporary file", () => {
  it.effect("opens the file in WAL journal mode", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        expect(yield* sql`PRAGMA journal_mode`).toEqual([{ journalMode: "wal" }])
      })
    )
  )

  it.effect("sets the busy timeout (2000 ms by default)", () =>
    Effect.gen(function* () {
      const read = Effect.flatMap(SqlClient.SqlClient, (sql) => sql`PRAGMA busy_timeout`.values)
      expect(yield* withClient(read)).toEqual([[2000]])
      expect(yield* withClient(read, { busyTimeout: 150 })).toEqual([[150]])
    })
  )

  it.effect("returns camelCase result names; withoutTransforms keeps the database's", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* setUp
        yield* sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (${1}, ${"one"})`
        expect(yield* sql`SELECT ITEM_ID, ITEM_NAME FROM ITEM`).toEqual([{ itemId: 1, itemName: "one" }])
        expect(yield* sql.withoutTransforms()`SELECT ITEM_ID, ITEM_NAME FROM ITEM`).toEqual([
          { ITEM_ID: 1, ITEM_NAME: "one" }
        ])
        expect(yield* sql`SELECT ITEM_ID, ITEM_NAME FROM ITEM`.values).toEqual([[1, "one"]])
      })
    )
  )

  it.effect("binds booleans as 1/0, null, Uint8Array and bigint; reads integers back as numbers", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* setUp
        const bytes = new Uint8Array([0, 1, 254, 255])
        yield* sql`INSERT INTO ITEM ${sql.insert({ ITEM_ID: 1, ITEM_NAME: "a", FLAG: true, DATA: bytes, BIG: 9007199254740991n })}`
        yield* sql`INSERT INTO ITEM ${sql.insert({ ITEM_ID: 2, ITEM_NAME: "b", FLAG: false, DATA: null, BIG: null })}`
        const rows = yield* sql<{ itemId: number; flag: number; data: Uint8Array | null; big: number | null }>`
          SELECT ITEM_ID, FLAG, DATA, BIG FROM ITEM ORDER BY ITEM_ID`
        expect(rows).toEqual([
          { itemId: 1, flag: 1, data: bytes, big: 9007199254740991 },
          { itemId: 2, flag: 0, data: null, big: null }
        ])
        expect(typeof rows[0]!.big).toBe("number")
      })
    )
  )

  it.effect("RETURNING gives the inserted and updated rows", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* setUp
        expect(yield* sql`INSERT INTO ITEM ${sql.insert({ ITEM_NAME: "x" }).returning("*")}`).toEqual([
          { itemId: 1, itemName: "x", flag: null, data: null, big: null }
        ])
        expect(
          yield* sql`UPDATE ITEM SET ITEM_NAME = ${"y"} WHERE ITEM_ID = ${1} RETURNING ITEM_ID, ITEM_NAME`
        ).toEqual([{ itemId: 1, itemName: "y" }])
      })
    )
  )

  it.effect("a transaction commits: another connection sees its rows afterwards", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* setUp
        yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (1, 'a')`
            yield* sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (2, 'b')`
            // Not visible to other connections before COMMIT.
            expect(committed("SELECT COUNT(*) AS N FROM ITEM")).toEqual([{ N: 0 }])
          })
        )
        expect(committed("SELECT ITEM_ID FROM ITEM ORDER BY ITEM_ID")).toEqual([{ ITEM_ID: 1 }, { ITEM_ID: 2 }])
      })
    )
  )

  it.effect("a failing transaction rolls back every statement in it", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* setUp
        const exit = yield* Effect.exit(
          sql.withTransaction(
            Effect.gen(function* () {
              yield* sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (1, 'a')`
              return yield* Effect.fail("boom" as const)
            })
          )
        )
        expect(exit).toEqual(Exit.fail("boom"))
        expect(committed("SELECT COUNT(*) AS N FROM ITEM")).toEqual([{ N: 0 }])
        expect(yield* sql`SELECT COUNT(*) AS N FROM ITEM`).toEqual([{ n: 0 }])
      })
    )
  )

  it.effect("a nested transaction is a savepoint: its failure undoes only its own writes", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* setUp
        yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (1, 'outer')`
            const inner = yield* Effect.exit(
              sql.withTransaction(
                Effect.zipRight(sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (2, 'inner')`, Effect.fail("inner"))
              )
            )
            expect(Exit.isFailure(inner)).toBe(true)
            yield* sql.withTransaction(sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (3, 'kept')`)
          })
        )
        expect(committed("SELECT ITEM_ID, ITEM_NAME FROM ITEM ORDER BY ITEM_ID")).toEqual([
          { ITEM_ID: 1, ITEM_NAME: "outer" },
          { ITEM_ID: 3, ITEM_NAME: "kept" }
        ])
      })
    )
  )

  it.live("a statement from another fiber waits for a running transaction instead of joining it", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* setUp
        const inTransaction = yield* Effect.makeLatch()
        const finish = yield* Effect.makeLatch()
        const transaction = yield* Effect.fork(
          Effect.exit(
            sql.withTransaction(
              Effect.gen(function* () {
                yield* sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (1, 'tx')`
                yield* inTransaction.open
                yield* finish.await
                return yield* Effect.fail("rolled back")
              })
            )
          )
        )
        yield* inTransaction.await
        const outside = yield* Effect.fork(sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (2, 'outside')`)
        yield* Effect.yieldNow()
        // The outside statement is blocked on the connection while the transaction holds it.
        expect(outside.unsafePoll()).toBeNull()
        yield* finish.open
        yield* Fiber.join(transaction)
        yield* Fiber.join(outside)
        // Had it run inside the transaction, the rollback would have removed it too.
        expect(committed("SELECT ITEM_ID FROM ITEM")).toEqual([{ ITEM_ID: 2 }])
      })
    )
  )

  it.live("an interrupted transaction rolls back and gives the connection back", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* setUp
        const inTransaction = yield* Effect.makeLatch()
        const transaction = yield* Effect.fork(
          sql.withTransaction(
            Effect.zipRight(
              sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (1, 'interrupted')`,
              Effect.zipRight(inTransaction.open, Effect.never)
            )
          )
        )
        yield* inTransaction.await
        yield* Fiber.interrupt(transaction)
        expect(committed("SELECT COUNT(*) AS N FROM ITEM")).toEqual([{ N: 0 }])
        // The connection is free again: a new transaction and a statement outside one both run.
        yield* sql.withTransaction(sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (2, 'after')`)
        yield* run(sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (3, 'outside')`)
        expect(committed("SELECT ITEM_ID FROM ITEM ORDER BY ITEM_ID")).toEqual([{ ITEM_ID: 2 }, { ITEM_ID: 3 }])
      })
    )
  )

  it.live("concurrent transactions and direct statements run one at a time, none inside another's", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* setUp
        // Each transaction writes, yields to the other fibers, then fails or commits; the direct statements (core's
        // run) come in between. Had any statement joined another fiber's transaction, a rollback would remove it.
        const transaction = (id: number) =>
          Effect.exit(
            sql.withTransaction(
              Effect.gen(function* () {
                yield* run(sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (${id}, 'tx')`)
                yield* Effect.sleep(1)
                if (id % 2 === 0) return yield* Effect.fail("rolled back")
              })
            )
          )
        const direct = (id: number) => run(sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (${id}, 'direct')`)
        yield* Effect.all(
          Array.from({ length: 10 }, (_, i) => (i % 3 === 2 ? direct(100 + i) : transaction(i))),
          { concurrency: "unbounded" }
        )
        expect(committed("SELECT ITEM_ID FROM ITEM ORDER BY ITEM_ID")).toEqual(
          [1, 3, 7, 9, 102, 105, 108].map((id) => ({ ITEM_ID: id }))
        )
      })
    )
  )

  /** Another process takes the write lock, says "locked", holds it for `holdMs` (or until killed), then releases it. */
  const lockHolder = (holdMs: number) =>
    Effect.acquireRelease(
      Effect.async<ChildProcess>((resume) => {
        const child = spawn(process.execPath, [
          "-e",
          `const { DatabaseSync } = require("node:sqlite")
           const db = new DatabaseSync(${JSON.stringify(file)})
           db.exec("BEGIN IMMEDIATE")
           process.stdout.write("locked\\n")
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs})
           db.exec("ROLLBACK")
           db.close()`
        ])
        child.stdout.once("data", () => resume(Effect.succeed(child)))
        child.once("exit", (code) => resume(Effect.dieMessage(`lock holder exited early (${code})`)))
      }),
      (child) => Effect.sync(() => child.kill())
    )

  it.live("a write waits (busy timeout) for another process's lock and succeeds once it is released", () =>
    withClient(
      Effect.scoped(
        Effect.gen(function* () {
          const sql = yield* setUp
          yield* lockHolder(300)
          // Without the busy timeout this would fail at once with "database is locked".
          yield* sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (1, 'a')`
          expect(committed("SELECT COUNT(*) AS N FROM ITEM")).toEqual([{ N: 1 }])
        })
      ),
      { busyTimeout: 60_000 }
    )
  )

  it.live("a lock held longer than the busy timeout fails the write with SQLite's 'database is locked'", () =>
    withClient(
      Effect.scoped(
        Effect.gen(function* () {
          const sql = yield* setUp
          yield* lockHolder(60_000)
          const locked = yield* Effect.flip(sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (1, 'a')`)
          expect(locked).toBeInstanceOf(SqlError)
          expect(String((locked.cause as Error).message)).toContain("database is locked")
        })
      ),
      { busyTimeout: 50 }
    )
  )

  it.effect("prepares each SQL text once and reuses it (the cache holds one statement per text)", () =>
    withClient(
      Effect.gen(function* () {
        const client = yield* SqliteClient.SqliteClient
        const sql = yield* setUp
        const before = yield* client.preparedStatements
        for (let i = 1; i <= 5; i++) yield* sql`INSERT INTO ITEM (ITEM_ID, ITEM_NAME) VALUES (${i}, ${`n${i}`})`
        for (let i = 1; i <= 5; i++) yield* sql`SELECT ITEM_NAME FROM ITEM WHERE ITEM_ID = ${i}`
        expect((yield* client.preparedStatements) - before).toBe(2)
        expect(yield* sql`SELECT ITEM_NAME FROM ITEM WHERE ITEM_ID = ${3}`).toEqual([{ itemName: "n3" }])
      })
    )
  )

  it.effect("after DDL the cached result names follow the new columns (SELECT *)", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE T (A_COL INTEGER)`
        yield* sql`INSERT INTO T VALUES (1)`
        expect(yield* sql`SELECT * FROM T`).toEqual([{ aCol: 1 }])
        yield* sql`ALTER TABLE T ADD COLUMN B_COL TEXT`
        expect(yield* sql`SELECT * FROM T`).toEqual([{ aCol: 1, bCol: null }])
      })
    )
  )

  it.effect("a SQL error is a SqlError carrying SQLite's message", () =>
    withClient(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const error = yield* Effect.flip(sql`SELECT * FROM NO_SUCH_TABLE`)
        expect(error).toBeInstanceOf(SqlError)
        expect(String((error.cause as Error).message)).toContain("no such table: NO_SUCH_TABLE")
      })
    )
  )

  it.effect("an unopenable file fails the layer with a SqlError", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Layer.build(SqliteClient.layer({ filename: join(dir, "missing-dir", "x.sqlite") })).pipe(Effect.scoped)
      )
      expect(Exit.isFailure(exit)).toBe(true)
    })
  )
})
