import { SqlClient, Statement } from "@effect/sql"
import { Effect, Exit, Fiber, FiberRef, Layer, ManagedRuntime, Option, Tracer } from "effect"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Database from "../src/delius/database.js"
import { run } from "../src/delius/statement.js"
import { createDatabase, describeOnDialects, type TestDatabase } from "../src/testing/index.js"

/**
 * delius/statement.ts runs a statement straight on the transaction's connection, reading @effect/sql internals that are
 * not its documented API. These tests pin each of them, by name, so that an upgrade that changes one fails here rather
 * than silently slowing every write workflow or, worse, running a statement wrongly. When one fails: read the new
 * @effect/sql's internal/statement.ts and internal/client.ts, adapt statement.ts, then update the pin below.
 */

/** The @effect/sql release whose internals statement.ts was written against. */
const PINNED_EFFECT_SQL = "0.52.1"

const internal = (name: string, why: string) =>
  `@effect/sql internal "${name}" changed (${why}); delius/statement.ts relies on it — see the comment at the top of this file`

describe("the @effect/sql internals delius/statement.ts relies on", () => {
  it(`@effect/sql is the pinned release ${PINNED_EFFECT_SQL}`, () => {
    const require = createRequire(import.meta.url)
    const manifest = join(dirname(require.resolve("@effect/sql")), "..", "..", "package.json")
    const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as { name: string; version: string }
    expect(name).toBe("@effect/sql")
    expect(
      version,
      `@effect/sql was upgraded from ${PINNED_EFFECT_SQL} to ${version}: check the internals delius/statement.ts reads ` +
        `(Statement#compile, Statement#transformRows, Statement#spanAttributes, Statement.currentTransformer, ` +
        `SqlClient.TransactionConnection, Statement#acquirer, a helper segment's returningIdentifier), ` +
        `then update PINNED_EFFECT_SQL`
    ).toBe(PINNED_EFFECT_SQL)
  })

  it("Statement.currentTransformer is a FiberRef, none by default", () => {
    expect(
      FiberRef.FiberRefTypeId in Statement.currentTransformer,
      internal("Statement.currentTransformer", "not a FiberRef")
    ).toBe(true)
    expect(
      Option.isNone(Effect.runSync(FiberRef.get(Statement.currentTransformer))),
      internal("Statement.currentTransformer", "no longer none by default")
    ).toBe(true)
  })
})

describeOnDialects(describe, "delius/statement.ts run", (kind) => {
  let db: TestDatabase
  let runtime: ManagedRuntime.ManagedRuntime<SqlClient.SqlClient, unknown>
  beforeAll(async () => {
    db = await createDatabase(kind)
    runtime = ManagedRuntime.make(Layer.orDie(Database.layerFromUrl(db.url)))
    await runtime.runPromise(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`CREATE TABLE STATEMENT_PROBE (PROBE_ID INTEGER, PROBE_TEXT VARCHAR(20))`
      )
    )
  })
  afterAll(async () => {
    await runtime?.dispose()
    await db?.drop()
  })

  /** A statement whose `commit` — @effect/sql's own execution path — is counted. */
  const counted = (sql: SqlClient.SqlClient, id: number) => {
    const statement = sql<{ probeId: number; probeText: string }>`SELECT PROBE_ID, PROBE_TEXT FROM STATEMENT_PROBE
      WHERE PROBE_ID = ${id}`
    const committed = { count: 0 }
    // `commit` is how Effect runs an Effectable such as @effect/sql's statement.
    const commit = (statement as typeof statement & { readonly commit: () => typeof statement }).commit.bind(statement)
    Object.assign(statement, {
      commit: () => {
        committed.count++
        return commit()
      }
    })
    return { statement, committed }
  }

  const probe = (options: {
    readonly transaction: boolean
    readonly spans: boolean
    readonly transformer?: boolean
    readonly name?: string
  }) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const { committed, statement } = counted(sql, 1)
      const once = run(statement, options.name)
      const inTransaction = options.transaction ? sql.withTransaction(once) : once
      const withTransformer = options.transformer
        ? Statement.withTransformer(inTransaction, (self) => Effect.succeed(self))
        : inTransaction
      const rows = yield* Effect.locally(withTransformer, FiberRef.currentTracerEnabled, options.spans)
      return { rows, committed: committed.count }
    })

  beforeAll(async () => {
    await runtime.runPromise(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`INSERT INTO STATEMENT_PROBE ${sql.insert({ PROBE_ID: 1, PROBE_TEXT: "probe" })}`
      )
    )
  })

  it("a statement exposes compile() → [sql, params] and its transformRows", async () => {
    const statement = await runtime.runPromise(Effect.map(SqlClient.SqlClient, (sql) => sql`SELECT ${1} AS N`))
    expect(typeof statement.compile, internal("Statement#compile", "not a method")).toBe("function")
    const compiled = statement.compile()
    expect(
      Array.isArray(compiled) && typeof compiled[0] === "string" && Array.isArray(compiled[1]),
      internal("Statement#compile", "no longer returns [sql, params]")
    ).toBe(true)
    expect(
      "transformRows" in statement,
      internal("Statement#transformRows", "no longer a field of the statement")
    ).toBe(true)
  })

  it("inside a transaction, SqlClient.TransactionConnection is [connection, depth] with execute()", async () => {
    const found = await runtime.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.withTransaction(Effect.serviceOption(SqlClient.TransactionConnection))
      )
    )
    expect(Option.isSome(found), internal("SqlClient.TransactionConnection", "not in a transaction's context")).toBe(
      true
    )
    const [connection, depth] = Option.getOrThrow(found)
    expect(typeof connection.execute, internal("Connection#execute", "not a method")).toBe("function")
    expect(typeof depth, internal("SqlClient.TransactionConnection", "no longer [connection, depth]")).toBe("number")
  })

  it("in a transaction with spans off, runs on the transaction's connection without @effect/sql's path", async () => {
    const { committed, rows } = await runtime.runPromise(probe({ transaction: true, spans: false }))
    // The rows are transformed as @effect/sql transforms them (result names in camelCase).
    expect(rows).toEqual([{ probeId: 1, probeText: "probe" }])
    expect(
      committed,
      "delius/statement.ts no longer takes its fast path: an @effect/sql internal it reads changed"
    ).toBe(0)
  })

  it("outside a transaction with spans off, runs on the client's direct path", async () => {
    const { committed, rows } = await runtime.runPromise(probe({ transaction: false, spans: false }))
    expect(rows).toEqual([{ probeId: 1, probeText: "probe" }])
    // Both clients register one: SQLite's synchronous path (sqlite/lean.ts), PostgreSQL's callback path (postgres/run.ts).
    expect(committed, "the direct path is keyed by Statement#acquirer, an @effect/sql internal").toBe(0)
  })

  it("with a statement transformer installed, @effect/sql runs the statement, with the same rows", async () => {
    const { committed, rows } = await runtime.runPromise(probe({ transaction: true, spans: false, transformer: true }))
    expect(rows).toEqual([{ probeId: 1, probeText: "probe" }])
    expect(committed).toBe(1)
  })

  /** `effect` under an outer span, with Effect's own tracer recording every span made. */
  const recording = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => {
    const spans: Array<Tracer.Span> = []
    const recorded = Effect.flatMap(Effect.tracer, (tracer) =>
      Effect.withTracer(
        Effect.locally(Effect.withSpan(effect, "Outer"), FiberRef.currentTracerEnabled, true),
        Tracer.make({
          span: (...args) => {
            const span = tracer.span(...args)
            spans.push(span)
            return span
          },
          context: tracer.context
        })
      )
    )
    return { spans, recorded }
  }
  const named = (spans: ReadonlyArray<Tracer.Span>, name: string) => spans.find((span) => span.name === name)!

  it.each([
    ["in a transaction", true],
    ["outside a transaction", false]
  ])(
    "with spans on, %s: one client span named for the statement, with its text and database, and no @effect/sql path",
    async (_, transaction) => {
      const { spans, recorded } = recording(probe({ transaction, spans: true, name: "Probe.find" }))
      const { committed, rows } = await runtime.runPromise(recorded)
      expect(rows).toEqual([{ probeId: 1, probeText: "probe" }])
      expect(committed).toBe(0)
      const names = spans.map((span) => span.name)
      expect(names).toEqual(transaction ? ["Outer", "sql.transaction", "Probe.find"] : ["Outer", "Probe.find"])
      const statement = named(spans, "Probe.find")
      expect(statement.kind).toBe("client")
      // A child of the span it ran in, as Effect.withSpan would make it; ended, as succeeded, before its parent.
      const parent = named(spans, transaction ? "sql.transaction" : "Outer")
      expect(Option.getOrUndefined(statement.parent)).toBe(parent)
      expect(statement.status._tag === "Ended" && statement.status.exit._tag).toBe("Success")
      expect(statement.status._tag === "Ended" && parent.status._tag === "Ended").toBe(true)
      if (statement.status._tag === "Ended" && parent.status._tag === "Ended") {
        expect(statement.status.endTime <= parent.status.endTime).toBe(true)
        expect(statement.status.startTime >= parent.status.startTime).toBe(true)
      }
      // The names the Azure Monitor exporter reads: the dependency's type and its data (the statement).
      expect(statement.attributes.get("db.system")).toBe(kind === "sqlite" ? "sqlite" : "postgresql")
      expect(String(statement.attributes.get("db.statement"))).toMatch(
        /^SELECT PROBE_ID, PROBE_TEXT FROM STATEMENT_PROBE/
      )
    }
  )

  it.each([
    ["in a transaction", true],
    ["outside a transaction", false]
  ])("with spans on, %s: a failing statement's span ends failed with the driver's error", async (_, transaction) => {
    const failing = Effect.flatMap(SqlClient.SqlClient, (sql) => {
      const once = run(sql`SELECT * FROM NO_SUCH_TABLE`, "Probe.missing")
      return Effect.either(transaction ? sql.withTransaction(once) : once)
    })
    const { spans, recorded } = recording(failing)
    const result = await runtime.runPromise(recorded)
    expect(result._tag).toBe("Left")
    const statement = named(spans, "Probe.missing")
    expect(Option.getOrUndefined(statement.parent)).toBe(named(spans, transaction ? "sql.transaction" : "Outer"))
    expect(statement.status._tag === "Ended" && statement.status.exit._tag).toBe("Failure")
    expect(String(statement.attributes.get("db.statement"))).toMatch(/NO_SUCH_TABLE/)
  })

  if (kind === "postgres") {
    it("with spans on, a statement interrupted while it runs ends its span as interrupted", async () => {
      const { spans, recorded } = recording(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.gen(function* () {
            const fiber = yield* Effect.fork(run(sql`SELECT pg_sleep(0.2)`, "Probe.sleep"))
            // The statement's span is started before its query is sent: interrupt once it has.
            while (!spans.some((span) => span.name === "Probe.sleep")) yield* Effect.yieldNow()
            yield* Fiber.interrupt(fiber)
          })
        )
      )
      await runtime.runPromise(recorded)
      const statement = named(spans, "Probe.sleep")
      expect(statement.status._tag === "Ended" && Exit.isInterrupted(statement.status.exit)).toBe(true)
    })
  }
})
