import * as Reactivity from "@effect/experimental/Reactivity"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Redacted, String as Str } from "effect"
import * as OracleClient from "../src/delius/oracle/OracleClient.js"

// ---------------------------------------------------------------------------------------------------------------------
// A recording fake of the driver: every call on every connection, tagged with the connection's id (1, 2, …).
// ---------------------------------------------------------------------------------------------------------------------

type Call =
  | {
      readonly conn: number
      readonly op: "execute"
      readonly sql: string
      readonly binds: ReadonlyArray<unknown>
      readonly autoCommit: boolean
    }
  | { readonly conn: number; readonly op: "commit" | "rollback" | "break" }
  | { readonly conn: number; readonly op: "close"; readonly drop: boolean }

interface FakeBehaviour {
  /** Make a call fail: return the error to reject with. */
  readonly fail?: (
    op: "getConnection" | "execute" | "commit" | "rollback",
    conn: number,
    sql?: string
  ) => Error | undefined
  readonly rows?: (sql: string) => Array<Record<string, unknown>> | undefined
  readonly rowsAffected?: (sql: string) => number | undefined
  /** Statements that never finish until the connection is broken. */
  readonly hangs?: (sql: string) => boolean
}

const makeRecordingDriver = (behaviour: FakeBehaviour = {}) => {
  const calls: Array<Call> = []
  let nextId = 0
  let poolClosed = false
  let hangStarted!: () => void
  const hanging = new Promise<void>((resolve) => (hangStarted = resolve))

  const driver: OracleClient.OracleDriver = {
    getConnection: async () => {
      const conn = ++nextId
      const failure = behaviour.fail?.("getConnection", conn)
      if (failure) throw failure
      let breakCurrent: ((error: Error) => void) | undefined
      return {
        execute: async (sql, binds, options) => {
          calls.push({ conn, op: "execute", sql, binds: [...binds], autoCommit: options.autoCommit })
          const error = behaviour.fail?.("execute", conn, sql)
          if (error) throw error
          if (behaviour.hangs?.(sql)) {
            hangStarted()
            await new Promise<never>((_, reject) => (breakCurrent = reject))
          }
          return { rows: behaviour.rows?.(sql), rowsAffected: behaviour.rowsAffected?.(sql) }
        },
        commit: async () => {
          calls.push({ conn, op: "commit" })
          const error = behaviour.fail?.("commit", conn)
          if (error) throw error
        },
        rollback: async () => {
          calls.push({ conn, op: "rollback" })
          const error = behaviour.fail?.("rollback", conn)
          if (error) throw error
        },
        close: async (options) => {
          calls.push({ conn, op: "close", drop: options?.drop === true })
        },
        break: async () => {
          calls.push({ conn, op: "break" })
          breakCurrent?.(new Error("ORA-01013: user requested cancel of current operation"))
        }
      }
    },
    close: async () => {
      poolClosed = true
    }
  }
  return {
    driver,
    calls,
    hanging,
    get poolClosed() {
      return poolClosed
    },
    /** Forget the start-up connection check so a test sees only its own calls. */
    reset: () => {
      calls.length = 0
    }
  }
}
type Recording = ReturnType<typeof makeRecordingDriver>

const SET = "BEGIN PKG_VPD_CTX.SET_CLIENT_IDENTIFIER(:1); END;"
const CLEAR = "BEGIN PKG_VPD_CTX.CLEAR_CLIENT_IDENTIFIER(); END;"

const baseConfig: OracleClient.OracleClientConfig = {
  user: "delius_app",
  password: Redacted.make("secret"),
  connectString: "localhost:1521/XEPDB1"
}

const exec = (conn: number, sql: string, autoCommit: boolean, binds: ReadonlyArray<unknown> = []): Call => ({
  conn,
  op: "execute",
  sql,
  binds,
  autoCommit
})
const vpdSet = (conn: number, identifier = OracleClient.DEFAULT_CLIENT_IDENTIFIER) =>
  exec(conn, SET, false, [identifier])
const vpdClear = (conn: number) => exec(conn, CLEAR, false)
const op = (conn: number, name: "commit" | "rollback" | "break"): Call => ({ conn, op: name })
const close = (conn: number, drop = false): Call => ({ conn, op: "close", drop })

/** Run `f` against a client over a fresh recording driver; the start-up check's calls are cleared first. */
const withClient = <A, E>(
  f: (sql: OracleClient.OracleClient, recording: Recording) => Effect.Effect<A, E>,
  options: { readonly config?: Partial<OracleClient.OracleClientConfig>; readonly behaviour?: FakeBehaviour } = {}
) => {
  const recording = makeRecordingDriver(options.behaviour)
  return Effect.gen(function* () {
    const sql = yield* OracleClient.make({ ...baseConfig, ...options.config }, recording.driver)
    recording.reset()
    return yield* f(sql, recording)
  }).pipe(Effect.scoped, Effect.provide(Reactivity.layer))
}

const oraError = (message: string) => new Error(message)

// A statement reaching the driver that would start a transaction explicitly (Oracle has no BEGIN statement).
const isBegin = (call: Call) =>
  call.op === "execute" &&
  (/^\s*(BEGIN|START\s+TRANSACTION)\s*;?\s*$/i.test(call.sql) || call.sql.includes("@ram-delius/oracle"))

// ---------------------------------------------------------------------------------------------------------------------
// Compiler
// ---------------------------------------------------------------------------------------------------------------------

describe("OracleClient compiler", () => {
  // Compilation needs no connection; the acquirer is never run.
  const constructor = (transform?: (s: string) => string) =>
    Statement.make(
      Effect.dieMessage("no connection in compiler tests"),
      OracleClient.makeCompiler(transform),
      [],
      undefined
    )
  const sql = constructor()

  it("numbers placeholders :1, :2 in order", () => {
    expect(sql`SELECT * FROM OFFENDER WHERE CRN = ${"X123456"} AND SOFT_DELETED = ${0}`.compile()).toEqual([
      "SELECT * FROM OFFENDER WHERE CRN = :1 AND SOFT_DELETED = :2",
      ["X123456", 0]
    ])
  })

  it("double-quotes identifiers, doubling embedded quotes and splitting schema.name", () => {
    expect(sql`SELECT * FROM ${sql("TABLE")}`.compile()[0]).toBe(`SELECT * FROM "TABLE"`)
    expect(sql`SELECT * FROM ${sql('WEIRD"NAME')}`.compile()[0]).toBe(`SELECT * FROM "WEIRD""NAME"`)
    expect(sql`SELECT * FROM ${sql("DELIUS_APP.OFFENDER")}`.compile()[0]).toBe(`SELECT * FROM "DELIUS_APP"."OFFENDER"`)
  })

  it("compiles sql.insert to a column list and VALUES with positional placeholders", () => {
    expect(sql`INSERT INTO ${sql("T")} ${sql.insert({ A: 1, B: "x" })}`.compile()).toEqual([
      `INSERT INTO "T" ("A","B") VALUES (:1,:2)`,
      [1, "x"]
    ])
    // Numbering continues from earlier parameters; undefined becomes null.
    expect(sql`/* ${"c"} */ INSERT INTO T ${sql.insert({ A: undefined, B: null })}`.compile()).toEqual([
      `/* :1 */ INSERT INTO T ("A","B") VALUES (:2,:3)`,
      ["c", null, null]
    ])
  })

  it("compiles sql.in, sql.and and sql.update", () => {
    expect(sql`SELECT * FROM T WHERE ID IN ${sql.in([1, 2, 3])}`.compile()).toEqual([
      "SELECT * FROM T WHERE ID IN (:1,:2,:3)",
      [1, 2, 3]
    ])
    expect(sql`SELECT * FROM T WHERE ${sql.in("ID", [7, 8])}`.compile()).toEqual([
      `SELECT * FROM T WHERE "ID" IN (:1,:2)`,
      [7, 8]
    ])
    expect(sql`SELECT * FROM T WHERE ${sql.and([sql`A = ${1}`, sql`B = ${"b"}`])}`.compile()).toEqual([
      "SELECT * FROM T WHERE (A = :1 AND B = :2)",
      [1, "b"]
    ])
    expect(sql`UPDATE T SET ${sql.update({ A: 1, B: "x" })} WHERE ID = ${9}`.compile()).toEqual([
      `UPDATE T SET "A" = :1, "B" = :2 WHERE ID = :3`,
      [1, "x", 9]
    ])
  })

  it("applies transformQueryNames to identifiers (Oracle's quoted names are case-sensitive)", () => {
    const upper = constructor((name) => Str.camelToSnake(name).toUpperCase())
    expect(upper`INSERT INTO ${upper("contact")} ${upper.insert({ contactId: 1 })}`.compile()[0]).toBe(
      `INSERT INTO "CONTACT" ("CONTACT_ID") VALUES (:1)`
    )
    expect(upper`SELECT ${upper("contactId")} FROM T`.compile(true)[0]).toBe(`SELECT "contactId" FROM T`)
  })

  it("throws a clear error for RETURNING, which Oracle does not have", () => {
    expect(() => sql`INSERT INTO T ${sql.insert({ A: 1 }).returning("*")}`.compile()).toThrow(
      /returning.*not supported.*RETURNING \*/
    )
    expect(() => sql`UPDATE T SET ${sql.update({ A: 1 }).returning("*")}`.compile()).toThrow(
      /sql\.update\(\.\.\.\)\.returning/
    )
  })

  it("throws for multi-row inserts and updateValues", () => {
    expect(() => sql`INSERT INTO T ${sql.insert([{ A: 1 }, { A: 2 }])}`.compile()).toThrow(
      /2 rows.*one row per statement/
    )
    expect(() => sql`UPDATE T SET A = v.A FROM ${sql.updateValues([{ A: 1 }], "v")}`.compile()).toThrow(/updateValues/)
  })

  it("takes onDialectOrElse's orElse branch rather than another database's", () => {
    expect(sql.onDialectOrElse({ pg: () => "pg", mssql: () => "mssql", orElse: () => "oracle" })).toBe("oracle")
  })
})

// ---------------------------------------------------------------------------------------------------------------------
// Client over the recording driver
// ---------------------------------------------------------------------------------------------------------------------

describe("OracleClient statements", () => {
  it.effect("checks connectivity at start-up and closes the pool with the scope", () =>
    Effect.gen(function* () {
      const recording = makeRecordingDriver()
      yield* OracleClient.make(baseConfig, recording.driver).pipe(Effect.scoped, Effect.provide(Reactivity.layer))
      expect(recording.calls).toEqual([vpdSet(1), exec(1, "SELECT 1 FROM DUAL", true), vpdClear(1), close(1)])
      expect(recording.poolClosed).toBe(true)
    })
  )

  it.effect("fails to start with a SqlError when no connection can be had, and still closes the pool", () =>
    Effect.gen(function* () {
      const recording = makeRecordingDriver({
        fail: (o) => (o === "getConnection" ? oraError("ORA-12541: no listener") : undefined)
      })
      const error = yield* OracleClient.make(baseConfig, recording.driver).pipe(
        Effect.scoped,
        Effect.provide(Reactivity.layer),
        Effect.flip
      )
      expect(error).toBeInstanceOf(SqlError)
      expect(error.message).toBe(
        "OracleClient: failed to connect: Failed to acquire a connection from the pool: ORA-12541: no listener"
      )
      expect(recording.poolClosed).toBe(true)
    })
  )

  it.effect("runs each statement outside a transaction on its own connection with autoCommit, VPD around it", () =>
    withClient((sql, recording) =>
      Effect.gen(function* () {
        yield* sql`SELECT * FROM OFFENDER WHERE CRN = ${"X1"}`
        yield* sql`UPDATE OFFENDER SET SOFT_DELETED = ${1} WHERE CRN = ${"X1"}`
        expect(recording.calls).toEqual([
          vpdSet(2),
          exec(2, "SELECT * FROM OFFENDER WHERE CRN = :1", true, ["X1"]),
          vpdClear(2),
          close(2),
          vpdSet(3),
          exec(3, "UPDATE OFFENDER SET SOFT_DELETED = :1 WHERE CRN = :2", true, [1, "X1"]),
          vpdClear(3),
          close(3)
        ])
      })
    )
  )

  it.effect("uses the configured client identifier, and skips the VPD calls with vpd: false", () =>
    Effect.gen(function* () {
      yield* withClient(
        (sql, recording) =>
          Effect.gen(function* () {
            yield* sql`SELECT 1 FROM DUAL`
            expect(recording.calls).toEqual([
              vpdSet(2, "SomeoneElse"),
              exec(2, "SELECT 1 FROM DUAL", true),
              vpdClear(2),
              close(2)
            ])
          }),
        { config: { clientIdentifier: "SomeoneElse" } }
      )
      yield* withClient(
        (sql, recording) =>
          Effect.gen(function* () {
            yield* sql`SELECT 1 FROM DUAL`
            yield* sql.withTransaction(sql`INSERT INTO T (A) VALUES (${1})`)
            expect(recording.calls).toEqual([
              exec(2, "SELECT 1 FROM DUAL", true),
              close(2),
              exec(3, "INSERT INTO T (A) VALUES (:1)", false, [1]),
              op(3, "commit"),
              close(3)
            ])
          }),
        { config: { vpd: false } }
      )
    })
  )

  it.effect("turns a driver error into a SqlError naming what failed, and still releases the connection", () =>
    withClient(
      (sql, recording) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(sql`SELECT * FROM MISSING`)
          expect(error).toBeInstanceOf(SqlError)
          expect(error.message).toBe(
            "OracleClient: Failed to execute statement: ORA-00942: table or view does not exist"
          )
          expect(recording.calls).toEqual([vpdSet(2), exec(2, "SELECT * FROM MISSING", true), vpdClear(2), close(2)])
        }),
      {
        behaviour: {
          fail: (o, _conn, sql) =>
            o === "execute" && sql === "SELECT * FROM MISSING"
              ? oraError("ORA-00942: table or view does not exist")
              : undefined
        }
      }
    )
  )

  it.effect("applies transformResultNames, and exposes raw results and value rows", () =>
    withClient(
      (sql) =>
        Effect.gen(function* () {
          expect(yield* sql`SELECT FIRST_NAME, CONTACT_ID FROM T`).toEqual([{ firstName: "Ann", contactId: 7 }])
          expect(yield* sql`SELECT FIRST_NAME, CONTACT_ID FROM T`.values).toEqual([["Ann", 7]])
          expect(yield* sql`UPDATE T SET A = 1`.raw).toEqual({ rows: undefined, rowsAffected: 3 })
          expect(yield* sql`UPDATE T SET A = 1`).toEqual([])
        }),
      {
        config: { transformResultNames: (name) => Str.snakeToCamel(name.toLowerCase()) },
        behaviour: {
          rows: (s) => (s.startsWith("SELECT") ? [{ FIRST_NAME: "Ann", CONTACT_ID: 7 }] : undefined),
          rowsAffected: (s) => (s.startsWith("UPDATE") ? 3 : undefined)
        }
      }
    )
  )

  it.effect("dies on an unsupported helper before acquiring a connection", () =>
    withClient((sql, recording) =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(sql`INSERT INTO T ${sql.insert([{ A: 1 }, { A: 2 }])}`)
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        expect(recording.calls).toEqual([])
      })
    )
  )

  it.effect("breaks a running statement when interrupted and releases its connection", () =>
    withClient(
      (sql, recording) =>
        Effect.gen(function* () {
          const fiber = yield* Effect.fork(sql`SELECT SLOW FROM DUAL`)
          yield* Effect.promise(() => recording.hanging)
          yield* Fiber.interrupt(fiber)
          expect(recording.calls).toEqual([
            vpdSet(2),
            exec(2, "SELECT SLOW FROM DUAL", true),
            op(2, "break"),
            vpdClear(2),
            close(2)
          ])
        }),
      { behaviour: { hangs: (s) => s.includes("SLOW") } }
    )
  )
})

describe("OracleClient VPD release", () => {
  const failClear = (o: string, _conn: number, sql?: string) =>
    o === "execute" && sql === CLEAR ? oraError("ORA-06550: PKG_VPD_CTX is invalid") : undefined

  it.effect("drops the connection when clearing the identifier fails, without failing the statement", () =>
    withClient(
      (sql, recording) =>
        Effect.gen(function* () {
          expect(yield* sql`SELECT 1 AS N FROM DUAL`).toEqual([{ N: 1 }])
          expect(recording.calls).toEqual([
            vpdSet(2),
            exec(2, "SELECT 1 AS N FROM DUAL", true),
            vpdClear(2),
            close(2, true)
          ])
        }),
      { behaviour: { fail: (o, conn, s) => (conn > 1 ? failClear(o, conn, s) : undefined), rows: () => [{ N: 1 }] } }
    )
  )

  it.effect("keeps the original error when both the statement and the clear fail", () =>
    withClient(
      (sql, recording) =>
        Effect.gen(function* () {
          const statementError = yield* Effect.flip(sql`INSERT INTO T (A) VALUES (${1})`)
          expect(statementError.message).toMatch(/ORA-00001/)
          const transactionError = yield* Effect.flip(sql.withTransaction(sql`INSERT INTO T (A) VALUES (${2})`))
          expect(transactionError.message).toMatch(/ORA-00001/)
          expect(recording.calls.filter((c) => c.op === "close")).toEqual([close(2, true), close(3, true)])
          expect(recording.calls.filter((c) => c.op === "rollback")).toEqual([op(3, "rollback")])
        }),
      {
        behaviour: {
          fail: (o, conn, s) =>
            conn === 1
              ? undefined
              : s?.startsWith("INSERT")
                ? oraError("ORA-00001: unique constraint (DELIUS_APP.PK_T) violated")
                : failClear(o, conn, s)
        }
      }
    )
  )

  it.effect("fails the acquisition and drops the connection when setting the identifier fails", () =>
    withClient(
      (sql, recording) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(sql`SELECT 1 FROM DUAL`)
          expect(error.message).toMatch(/Failed to set the VPD client identifier: ORA-04067/)
          // The statement never ran on a connection without its identifier.
          expect(recording.calls).toEqual([vpdSet(2), close(2, true)])
        }),
      {
        behaviour: {
          fail: (o, conn, s) =>
            o === "execute" && conn > 1 && s === SET
              ? oraError("ORA-04067: not executed, PKG_VPD_CTX does not exist")
              : undefined
        }
      }
    )
  )
})

describe("OracleClient transactions", () => {
  it.effect("never sends BEGIN, runs with autoCommit false and commits on the transaction's own connection", () =>
    withClient((sql, recording) =>
      Effect.gen(function* () {
        const result = yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`INSERT INTO T (A) VALUES (${1})`
            yield* sql`UPDATE T SET A = ${2}`
            return "done"
          })
        )
        expect(result).toBe("done")
        expect(recording.calls).toEqual([
          vpdSet(2),
          exec(2, "INSERT INTO T (A) VALUES (:1)", false, [1]),
          exec(2, "UPDATE T SET A = :1", false, [2]),
          op(2, "commit"),
          vpdClear(2),
          close(2)
        ])
        expect(recording.calls.filter(isBegin)).toEqual([])
      })
    )
  )

  it.effect("rolls back on the same connection and surfaces the error when the transaction fails", () =>
    withClient((sql, recording) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          sql.withTransaction(
            Effect.gen(function* () {
              yield* sql`INSERT INTO T (A) VALUES (${1})`
              return yield* Effect.fail({ _tag: "Conflict" as const })
            })
          )
        )
        expect(error).toEqual({ _tag: "Conflict" })
        expect(recording.calls).toEqual([
          vpdSet(2),
          exec(2, "INSERT INTO T (A) VALUES (:1)", false, [1]),
          op(2, "rollback"),
          vpdClear(2),
          close(2)
        ])
      })
    )
  )

  it.effect("rolls back when a statement in the transaction fails, surfacing the SqlError", () =>
    withClient(
      (sql, recording) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(
            sql.withTransaction(
              Effect.zipRight(sql`INSERT INTO T (A) VALUES (${1})`, sql`INSERT INTO T (A) VALUES (${1})`)
            )
          )
          expect(error).toBeInstanceOf(SqlError)
          expect(error.message).toMatch(/Failed to execute statement: ORA-00001/)
          expect(recording.calls.filter((c) => c.op !== "execute")).toEqual([op(2, "rollback"), close(2)])
          expect(new Set(recording.calls.map((c) => c.conn))).toEqual(new Set([2]))
        }),
      {
        behaviour: {
          fail: (() => {
            let inserts = 0
            return (o: string, _conn: number, s?: string) =>
              o === "execute" && s?.startsWith("INSERT") && ++inserts === 2
                ? oraError("ORA-00001: unique constraint violated")
                : undefined
          })()
        }
      }
    )
  )

  it.effect("uses SAVEPOINT for a nested transaction, rolls back to it on inner failure and commits the outer", () =>
    withClient((sql, recording) =>
      Effect.gen(function* () {
        yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`INSERT INTO T (A) VALUES (${1})`
            const inner = yield* Effect.flip(
              sql.withTransaction(Effect.zipRight(sql`INSERT INTO T (A) VALUES (${2})`, Effect.fail("inner failed")))
            )
            expect(inner).toBe("inner failed")
            yield* sql`INSERT INTO T (A) VALUES (${3})`
          })
        )
        expect(recording.calls).toEqual([
          vpdSet(2),
          exec(2, "INSERT INTO T (A) VALUES (:1)", false, [1]),
          exec(2, "SAVEPOINT effect_sql_1", false),
          exec(2, "INSERT INTO T (A) VALUES (:1)", false, [2]),
          exec(2, "ROLLBACK TO SAVEPOINT effect_sql_1", false),
          exec(2, "INSERT INTO T (A) VALUES (:1)", false, [3]),
          op(2, "commit"),
          vpdClear(2),
          close(2)
        ])
      })
    )
  )

  it.effect("treats a successful nested transaction's commit as a no-op (Oracle has no RELEASE SAVEPOINT)", () =>
    withClient((sql, recording) =>
      Effect.gen(function* () {
        yield* sql.withTransaction(sql.withTransaction(sql`INSERT INTO T (A) VALUES (${1})`))
        expect(recording.calls).toEqual([
          vpdSet(2),
          exec(2, "SAVEPOINT effect_sql_1", false),
          exec(2, "INSERT INTO T (A) VALUES (:1)", false, [1]),
          op(2, "commit"),
          vpdClear(2),
          close(2)
        ])
      })
    )
  )

  it.effect("runs a reserved connection with autoCommit, apart from the transaction's own connection", () =>
    withClient((sql, recording) =>
      Effect.gen(function* () {
        const connection = yield* sql.reserve
        yield* connection.execute("UPDATE T SET A = 1", [], undefined)
        yield* sql.withTransaction(sql`UPDATE T SET A = 2`)
        yield* connection.execute("UPDATE T SET A = 3", [], undefined)
        expect(recording.calls.filter((c) => c.conn === 2)).toEqual([
          vpdSet(2),
          exec(2, "UPDATE T SET A = 1", true),
          exec(2, "UPDATE T SET A = 3", true)
        ])
        expect(recording.calls.filter((c) => c.conn === 3)).toEqual([
          vpdSet(3),
          exec(3, "UPDATE T SET A = 2", false),
          op(3, "commit"),
          vpdClear(3),
          close(3)
        ])
      }).pipe(Effect.scoped)
    )
  )

  it.effect("still releases the connection when commit fails (a defect, as in @effect/sql)", () =>
    withClient(
      (sql, recording) =>
        Effect.gen(function* () {
          const exit = yield* Effect.exit(sql.withTransaction(sql`INSERT INTO T (A) VALUES (${1})`))
          expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
          if (Exit.isFailure(exit)) {
            expect(String(Cause.squash(exit.cause))).toMatch(/Failed to commit transaction: ORA-02091/)
          }
          expect(recording.calls.slice(-3)).toEqual([op(2, "commit"), vpdClear(2), close(2)])
        }),
      { behaviour: { fail: (o) => (o === "commit" ? oraError("ORA-02091: transaction rolled back") : undefined) } }
    )
  )
})

// ---------------------------------------------------------------------------------------------------------------------
// fromUrl
// ---------------------------------------------------------------------------------------------------------------------

describe("OracleClient.fromUrl", () => {
  it("parses user, password, host, port and service", () => {
    const config = OracleClient.fromUrl("oracle://delius_app:secret@db.example.org:1522/DNDA")
    expect(config.user).toBe("delius_app")
    expect(Redacted.value(config.password)).toBe("secret")
    expect(config.connectString).toBe("db.example.org:1522/DNDA")
    expect(String(config.password)).not.toContain("secret")
  })

  it("defaults the port to 1521 and URL-decodes user and password", () => {
    const config = OracleClient.fromUrl("oracle://app%40x:p%40ss%3Aw%2Frd%25@localhost/XEPDB1")
    expect(config.user).toBe("app@x")
    expect(Redacted.value(config.password)).toBe("p@ss:w/rd%")
    expect(config.connectString).toBe("localhost:1521/XEPDB1")
  })

  it("rejects malformed URLs with a clear error that does not echo the password", () => {
    expect(() => OracleClient.fromUrl("not a url")).toThrow(OracleClient.OracleUrlError)
    expect(() => OracleClient.fromUrl("postgres://u:p@h:5432/db")).toThrow(/scheme must be oracle:\/\//)
    expect(() => OracleClient.fromUrl("oracle://u@h:1521/svc")).toThrow(/missing password/)
    expect(() => OracleClient.fromUrl("oracle://u:p@h:1521/")).toThrow(/missing service/)
    expect(() => OracleClient.fromUrl("oracle://u:p%zz@h:1521/svc")).toThrow(/password is not validly percent-encoded/)
    expect(() => OracleClient.fromUrl("oracle://u:s3cr3t@h:1521")).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("s3cr3t") })
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------------
// Integration against a real Oracle (thin mode): only with ORACLE_URL, e.g. oracle://system:oracle@localhost:1521/FREEPDB1
// ---------------------------------------------------------------------------------------------------------------------

const oracleUrl = process.env.ORACLE_URL
if (!oracleUrl) {
  console.info(
    "oracle-client.test: Oracle integration tests skipped — set ORACLE_URL=oracle://user:password@host:port/service " +
      "to run them (ORACLE_VPD=true to also exercise PKG_VPD_CTX)"
  )
}

describe.skipIf(!oracleUrl)("OracleClient against a real Oracle", () => {
  const live = <A, E>(effect: Effect.Effect<A, E, OracleClient.OracleClient>) =>
    effect.pipe(
      Effect.provide(
        OracleClient.layer({ ...OracleClient.fromUrl(oracleUrl ?? ""), vpd: process.env.ORACLE_VPD === "true" })
      )
    )

  it.effect("selects from dual with numbers, dates, timestamps and CLOBs as plain values", () =>
    live(
      Effect.gen(function* () {
        const sql = yield* OracleClient.OracleClient
        const rows = yield* sql`SELECT ${41} + 1 AS N, DATE '2024-03-05' AS D,
          TIMESTAMP '2024-03-05 10:11:12.123456' AS TS, TO_CLOB('clob text') AS C FROM DUAL`
        expect(rows).toEqual([{ N: 42, D: "2024-03-05 00:00:00", TS: "2024-03-05 10:11:12.123456", C: "clob text" }])
      })
    )
  )

  it.effect("commits, rolls back and rolls back to a savepoint", () =>
    live(
      Effect.gen(function* () {
        const sql = yield* OracleClient.OracleClient
        const table = `RAM_ORACLE_CLIENT_IT_${Date.now() % 100_000_000}`
        const count = sql
          .unsafe<{ N: number }>(`SELECT COUNT(*) AS N FROM ${table}`)
          .pipe(Effect.map((rows) => rows[0]?.N))
        const insert = (id: number) => sql.unsafe(`INSERT INTO ${table} (ID) VALUES (:1)`, [id])
        yield* Effect.acquireRelease(sql.unsafe(`CREATE TABLE ${table} (ID NUMBER(10) PRIMARY KEY)`), () =>
          Effect.orDie(sql.unsafe(`DROP TABLE ${table} PURGE`))
        )

        yield* Effect.flip(sql.withTransaction(Effect.zipRight(insert(1), Effect.fail("abort"))))
        expect(yield* count).toBe(0)

        yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* insert(2)
            yield* Effect.flip(sql.withTransaction(Effect.zipRight(insert(3), Effect.fail("inner"))))
          })
        )
        // Read on other pooled connections: only committed rows are visible there.
        expect(yield* count).toBe(1)
        yield* insert(4)
        expect(yield* count).toBe(2)
      }).pipe(Effect.scoped)
    )
  )
})
