/**
 * An `@effect/sql` client for PostgreSQL over `pg` (node-postgres), shaped like this package's SQLite and Oracle
 * clients (a `PgClient` tag, `layer`, `makeCompiler`) and issuing the SQL Effect's own `@effect/sql-pg` issued:
 *   - `$n` placeholders and `"name"` identifiers (lower-cased by `transformQueryNames`, as the DDL's unquoted names are);
 *   - a pool of `maxConnections` (pg's default 10); a statement outside a transaction checks a connection out for itself,
 *     a transaction holds one from BEGIN to COMMIT / ROLLBACK; nested transactions are savepoints;
 *   - DATE, TIMESTAMP and TIMESTAMPTZ as text (Delius's Europe/London wall clock, §2.2), INT8 and NUMERIC as numbers.
 *
 * The statement path is kept lean (DESIGN.md, The Delius data layer): a statement with parameters runs as a named
 * prepared statement, its name taken from a per-client map of SQL texts, so each connection parses it once; rows come
 * back as arrays and are made objects with the result names transformed once per column name, not once per row. A
 * statement without parameters (BEGIN, COMMIT, a migration script of several statements) goes as a simple query, as
 * before. With spans off a transaction is a handful of Effect operations (postgres/lean.ts).
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as Client from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import pg from "pg"
import { registerCallbackConnection, registerCallbackPath } from "../statement.js"
import { leanTransactions } from "./lean.js"
import { asRunner, onClient, onPool, type PgRunner, type Shape, statementNames } from "./run.js"

// ---------------------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------------------

export interface PgClientConfig {
  /** `postgres://user:password@host:port/database` (credentials already in it). */
  readonly url: Redacted.Redacted<string>
  /** Pool size (pg's default, 10, when unset). */
  readonly maxConnections?: number | undefined
  /** How long the start-up check waits for the first connection (default 5 s). */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** Prepared statement names kept (distinct SQL texts); beyond this a new text runs unnamed. Default 500. */
  readonly prepareCacheSize?: number | undefined
  readonly transformResultNames?: ((str: string) => string) | undefined
  readonly transformQueryNames?: ((str: string) => string) | undefined
  readonly spanAttributes?: Record<string, unknown> | undefined
}

const DEFAULT_PREPARE_CACHE_SIZE = 500

/**
 * node-postgres type parsing: DATE (1082), TIMESTAMP (1114) and TIMESTAMPTZ (1184) stay text; INT8 (20) and NUMERIC
 * (1700) become numbers (Delius ids and HOURS_CREDITED fit in a double); everything else as pg parses it.
 */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === 1082 || oid === 1114 || oid === 1184) return (value: string) => value
    if (oid === 20 || oid === 1700) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format as "text")
  }) as pg.CustomTypesConfig["getTypeParser"]
}

// ---------------------------------------------------------------------------------------------------------------------
// Compiler
// ---------------------------------------------------------------------------------------------------------------------

const escape = Statement.defaultEscape('"')

/**
 * Statement compiler for PostgreSQL: `$n` placeholders, `"name"` identifiers, `RETURNING`, and `sql.updateValues` as
 * `UPDATE … FROM (values …)` — @effect/sql-pg's compiler without its JSON fragment, which the project does not use.
 */
export const makeCompiler = (transform?: (str: string) => string): Statement.Compiler =>
  Statement.makeCompiler({
    dialect: "pg",
    placeholder: (index) => `$${index}`,
    onIdentifier: transform
      ? (value, withoutTransform) => escape(withoutTransform ? value : transform(value))
      : (value) => escape(value),
    onRecordUpdate: (placeholders, valueAlias, valueColumns, values, returning) => [
      `(values ${placeholders}) AS ${valueAlias}${valueColumns}${returning ? ` RETURNING ${returning[0]}` : ""}`,
      returning ? values.flat().concat(returning[1]) : values.flat()
    ],
    onCustom: (type) => {
      throw new Error(`PgClient: custom fragment "${String(type.kind)}" is not supported`)
    }
  })

// ---------------------------------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------------------------------

const TypeId: unique symbol = Symbol.for("@ram-delius/core/PgClient")
type TypeId = typeof TypeId

export interface PgClient extends Client.SqlClient {
  readonly [TypeId]: TypeId
  readonly config: PgClientConfig
}

export const PgClient = Context.GenericTag<PgClient>("@ram-delius/core/PgClient")

const shapeOf = (transformRows: unknown): Shape => (transformRows === undefined ? "objects" : "transformed")

/** A connection's operations over one runner (a checked-out pg client, or the pool). */
export const makeConnection = (run: PgRunner): Connection => {
  // `transformRows` is only a flag here: the names are transformed once per column name, not per row.
  const execute: Connection["execute"] = (sql, params, transformRows) => run(sql, params, shapeOf(transformRows))
  return {
    execute,
    executeRaw: (sql, params) => run(sql, params, "raw"),
    executeValues: (sql, params) =>
      run(sql, params, "arrays") as Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, SqlError>,
    executeUnprepared: (sql, params, transformRows) => execute(sql, params ?? [], transformRows),
    // No cursor: a stream is the fetched result emitted row by row (the project streams no query).
    executeStream: (sql, params, transformRows) => Stream.fromIterableEffect(execute(sql, params, transformRows))
  }
}

const spanAttributesOf = (config: PgClientConfig): ReadonlyArray<readonly [string, unknown]> => {
  const url = new URL(Redacted.value(config.url))
  return [
    ...Object.entries(config.spanAttributes ?? {}),
    ["db.system.name", "postgresql"],
    ["db.namespace", decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || "postgres"],
    ["server.address", url.hostname || "localhost"],
    ["server.port", url.port === "" ? 5432 : Number(url.port)]
  ]
}

/** The pool, its start-up check (`SELECT 1`, failing with `PgClient: Failed to connect`) and its end on scope close. */
const openPool = Effect.fnUntraced(function* (config: PgClientConfig) {
  const pool = new pg.Pool({
    connectionString: Redacted.value(config.url),
    ...(config.maxConnections !== undefined ? { max: config.maxConnections } : {}),
    application_name: "ram-delius",
    types: pgTypes
  })
  // An idle connection that fails is dropped by the pool; without a listener the error would end the process.
  pool.on("error", () => {})
  yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: () => pool.query("SELECT 1"),
      catch: (cause) => new SqlError({ cause, message: "PgClient: Failed to connect" })
    }),
    () => Effect.promise(() => pool.end()).pipe(Effect.interruptible, Effect.timeoutOption(1000))
  ).pipe(
    Effect.timeoutFail({
      duration: config.connectTimeout ?? Duration.seconds(5),
      onTimeout: () =>
        new SqlError({ cause: new Error("Connection timed out"), message: "PgClient: Connection timed out" })
    })
  )
  return pool
})

/** Build a PostgreSQL client: a pool checked with `SELECT 1` at start, ended when the scope closes. */
export const make = (config: PgClientConfig): Effect.Effect<PgClient, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function* () {
    const pool = yield* openPool(config)
    const names = statementNames(config.prepareCacheSize ?? DEFAULT_PREPARE_CACHE_SIZE)
    const transformName = config.transformResultNames
    const outside = onPool(pool, names, transformName)
    // A transaction's connection: its statements run on the checked-out client, in one step each (statement.ts).
    const transactions = leanTransactions(pool, (pgClient) => {
      const inside = onClient(pool, pgClient, names, transformName)
      const connection = makeConnection(asRunner(inside))
      registerCallbackConnection(connection, (sql, params, transformRows, done) =>
        inside(sql, params, shapeOf(transformRows), done)
      )
      return connection
    })
    const spanAttributes = spanAttributesOf(config)
    const client = yield* Client.make({
      acquirer: Effect.succeed(makeConnection(asRunner(outside))),
      transactionAcquirer: transactions.reserve,
      compiler: makeCompiler(config.transformQueryNames),
      spanAttributes,
      // Never called (see `makeConnection`): its presence tells the connection to use the transformed names.
      transformRows: transformName === undefined ? undefined : <A extends object>(rows: ReadonlyArray<A>) => rows
    })
    registerCallbackPath(client`SELECT 1`, (sql, params, transformRows, done) =>
      outside(sql, params, shapeOf(transformRows), done)
    )
    return Object.assign(client, {
      [TypeId]: TypeId,
      config,
      withTransaction: transactions.withTransaction(client.withTransaction, spanAttributes)
    }) as PgClient
  })

const toContext = (client: PgClient) => Context.make(PgClient, client).pipe(Context.add(Client.SqlClient, client))

/** `PgClient` and `SqlClient.SqlClient` for the given configuration. */
export const layer = (config: PgClientConfig): Layer.Layer<PgClient | Client.SqlClient, SqlError> =>
  Layer.scopedContext(Effect.map(make(config), toContext)).pipe(Layer.provide(Reactivity.layer))
