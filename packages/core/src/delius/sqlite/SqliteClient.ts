/**
 * An `@effect/sql` client for the embedded SQLite database over Node's built-in `node:sqlite` (`DatabaseSync`), so the
 * default `DATABASE_URL` needs no native addon compiled against a particular Node (better-sqlite3 12 aborts on Node 24).
 *
 * Shaped like Effect's own `@effect/sql-*` drivers and this package's Oracle client (a `SqliteClient` tag, `layer`,
 * `makeCompiler`), with SQLite's specifics handled here:
 *   - `?` placeholders and `"name"` identifiers (@effect/sql's SQLite compiler);
 *   - one connection, guarded by a lock (lean.ts): a transaction holds it from BEGIN to COMMIT / ROLLBACK, so statements from
 *     other fibers wait rather than run inside someone else's transaction; nested transactions are savepoints;
 *   - WAL journal mode (readers do not block the writer) with synchronous = NORMAL, and a busy timeout, so writers in other processes (the CLI, a
 *     second host) wait for the lock instead of failing at once — synchronously, blocking the event loop meanwhile;
 *   - integers come back as JS numbers (`readBigInts` off: Delius ids fit in a double), BLOBs as `Uint8Array`.
 *
 * The statement path is kept lean (DESIGN.md, The Delius data layer): each SQL text is prepared once and kept in a
 * bounded map, rows are fetched as arrays, and the result names of a prepared statement are transformed once and reused
 * for every row and every later execution — there is no per-row name transform.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as Client from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"
import { registerDirectPath } from "../statement.js"
import { leanPath, type Lock, makeLock } from "./lean.js"

// ---------------------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------------------

export interface SqliteClientConfig {
  /** A file name, or `:memory:`. */
  readonly filename: string
  readonly readonly?: boolean | undefined
  /** Journal mode stays as the file has it (default: switch to WAL; `:memory:` databases ignore it). */
  readonly disableWAL?: boolean | undefined
  /** Milliseconds a statement waits for another connection's lock before failing with "database is locked". */
  readonly busyTimeout?: number | undefined
  /** Prepared statements kept (distinct SQL texts); the oldest is dropped beyond this. Default 500. */
  readonly prepareCacheSize?: number | undefined
  readonly transformResultNames?: ((str: string) => string) | undefined
  readonly transformQueryNames?: ((str: string) => string) | undefined
  readonly spanAttributes?: Record<string, unknown> | undefined
}

/** Today's wait for another writer (database.ts used `PRAGMA busy_timeout = 2000` on better-sqlite3). */
export const DEFAULT_BUSY_TIMEOUT_MS = 2000

const DEFAULT_PREPARE_CACHE_SIZE = 500

// ---------------------------------------------------------------------------------------------------------------------
// Compiler
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Statement compiler for SQLite: `?` placeholders, `"name"` identifiers, `RETURNING` on insert / update. SQLite has no
 * `UPDATE … FROM (VALUES …)` in the form @effect/sql emits, so `sql.updateValues` (and custom fragments) compile to
 * nothing, as in Effect's own SQLite drivers.
 */
export const makeCompiler = (transform?: (str: string) => string): Statement.Compiler =>
  Statement.makeCompilerSqlite(transform)

// ---------------------------------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------------------------------

const TypeId: unique symbol = Symbol.for("@ram-delius/core/SqliteClient")
type TypeId = typeof TypeId

export interface SqliteClient extends Client.SqlClient {
  readonly [TypeId]: TypeId
  readonly config: SqliteClientConfig
  /** Prepared statements currently cached (for tests and diagnostics). */
  readonly preparedStatements: Effect.Effect<number>
}

export const SqliteClient = Context.GenericTag<SqliteClient>("@ram-delius/core/SqliteClient")

const sqlError = (message: string, cause: unknown) => new SqlError({ cause, message })

/** A prepared statement with its result names, raw and transformed, worked out on first use. */
interface Prepared {
  readonly statement: StatementSync
  /** The statement is DDL (tested once, when prepared). */
  readonly ddl: boolean
  names: ReadonlyArray<string> | undefined
  transformedNames: ReadonlyArray<string> | undefined
}

// A schema change can alter the columns behind `SELECT *` (SQLite re-prepares the statement itself); dropping the cache
// after DDL keeps the memoised result names right.
const DDL = /^\s*(CREATE|ALTER|DROP)\b/i

/** Rows fetched as arrays (`setReturnArrays`) as objects keyed by the statement's result names. */
const toObjects = (rows: ReadonlyArray<unknown>, names: ReadonlyArray<string>) => {
  const out: Array<Record<string, unknown>> = []
  const width = names.length
  for (const row of rows) {
    if (!Array.isArray(row)) continue // never: every statement is prepared with setReturnArrays(true)
    const object: Record<string, unknown> = {}
    for (let j = 0; j < width; j++) {
      const name = names[j]
      if (name !== undefined) object[name] = row[j]
    }
    out.push(object)
  }
  return out
}

/** Open the file (creating it if needed) with the busy timeout and WAL; closed when the scope closes. */
const openDatabase = Effect.fnUntraced(function* (config: SqliteClientConfig) {
  const db = yield* Effect.acquireRelease(
    Effect.try({
      try: () =>
        new DatabaseSync(config.filename, {
          readOnly: config.readonly ?? false,
          timeout: config.busyTimeout ?? DEFAULT_BUSY_TIMEOUT_MS,
          readBigInts: false
        }),
      catch: (cause) => sqlError(`SqliteClient: failed to open ${config.filename}`, cause)
    }),
    (db) => Effect.sync(() => db.isOpen && db.close())
  )
  if (config.disableWAL !== true && config.readonly !== true) {
    yield* Effect.try({
      // synchronous = NORMAL is the setting SQLite documents for WAL (and better-sqlite3's build default): a commit
      // is still atomic and survives a crash of the process, and is no longer fsync'd one by one — with node:sqlite's
      // default (FULL) every COMMIT and every autocommit audit insert waited 1.4–2.1 ms on the disk, 3.5 ms of each
      // appointment create. Only the last commits before a power cut of the machine can be lost, never half of one;
      // production Delius is Oracle.
      try: () => db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL"),
      catch: (cause) => sqlError("SqliteClient: failed to set WAL journal mode", cause)
    })
  }
  return db
})

/** Each SQL text prepared once, in a bounded map (oldest dropped first), with its result names worked out once. */
const preparedStatements = (db: DatabaseSync, config: SqliteClientConfig) => {
  const transformName = config.transformResultNames
  const capacity = config.prepareCacheSize ?? DEFAULT_PREPARE_CACHE_SIZE
  const cache = new Map<string, Prepared>()
  const prepare = (sql: string): Prepared => {
    const hit = cache.get(sql)
    if (hit !== undefined) return hit
    const statement = db.prepare(sql)
    statement.setReturnArrays(true)
    const prepared: Prepared = { statement, ddl: DDL.test(sql), names: undefined, transformedNames: undefined }
    if (cache.size >= capacity) {
      const oldest = cache.keys().next()
      if (oldest.done !== true) cache.delete(oldest.value)
    }
    cache.set(sql, prepared)
    return prepared
  }
  const namesOf = (prepared: Prepared, transform: boolean): ReadonlyArray<string> => {
    if (prepared.names === undefined) prepared.names = prepared.statement.columns().map((column) => column.name)
    if (!transform || transformName === undefined) return prepared.names
    if (prepared.transformedNames === undefined) prepared.transformedNames = prepared.names.map(transformName)
    return prepared.transformedNames
  }
  /** Runs `f` on the prepared statement; after DDL the cache is dropped. */
  const withPrepared = <A>(sql: string, f: (statement: StatementSync) => A) => {
    const prepared = prepare(sql)
    const result = f(prepared.statement)
    if (prepared.ddl) cache.clear()
    return { prepared, result }
  }
  return { withPrepared, namesOf, size: () => cache.size }
}

const inputs = (params: ReadonlyArray<unknown>) => params as Array<SQLInputValue>

/** A statement's rows as objects, run synchronously (throws the driver's error). */
const rowsOf =
  ({ namesOf, withPrepared }: ReturnType<typeof preparedStatements>) =>
  (sql: string, params: ReadonlyArray<unknown>, transform: boolean): ReadonlyArray<unknown> => {
    const { prepared, result } = withPrepared(sql, (statement): ReadonlyArray<unknown> =>
      statement.all(...inputs(params))
    )
    return result.length === 0 ? [] : toObjects(result, namesOf(prepared, transform))
  }

/** The one connection's operations over the prepared statements. */
const sqliteConnection = (statements: ReturnType<typeof preparedStatements>): Connection => {
  const { withPrepared } = statements
  const rowsSync = rowsOf(statements)
  // Runs synchronously: node:sqlite has no asynchronous API, and the lock keeps one statement at a time anyway.
  const rows = (sql: string, params: ReadonlyArray<unknown>, transform: boolean) =>
    Effect.try({
      try: () => rowsSync(sql, params, transform),
      catch: (cause) => sqlError("Failed to execute statement", cause)
    })
  return {
    // `transformRows` is only a flag here: the names were transformed once for the statement, not per row.
    execute: (sql, params, transformRows) => rows(sql, params, transformRows !== undefined),
    executeRaw: (sql, params) =>
      Effect.try({
        try: () => withPrepared(sql, (statement) => statement.run(...inputs(params))).result,
        catch: (cause) => sqlError("Failed to execute statement", cause)
      }),
    executeValues: (sql, params) =>
      Effect.try({
        try: () =>
          withPrepared(sql, (statement) => statement.all(...inputs(params)) as ReadonlyArray<unknown>).result.filter(
            Array.isArray
          ),
        catch: (cause) => sqlError("Failed to execute statement", cause)
      }),
    // BEGIN / COMMIT / SAVEPOINT effect_sql_n come through here: a handful of fixed texts, so they are cached too.
    executeUnprepared: (sql, params, transformRows) => rows(sql, params ?? [], transformRows !== undefined),
    // node:sqlite reads synchronously, so a stream is the fetched result emitted row by row.
    executeStream: (sql, params, transformRows) =>
      Stream.fromIterableEffect(rows(sql, params, transformRows !== undefined))
  }
}

/**
 * The connection is held, with the lock, until the scope that acquired it closes: a transaction's after COMMIT or
 * ROLLBACK, a single statement's once it has run (@effect/sql runs each in its own scope). A statement that gave the
 * lock back before running could be overtaken, between the two, by another fiber's BEGIN — should its fiber yield
 * there (Effect yields a busy fiber every 2,048 steps) — and would then run inside that transaction.
 */
const exclusiveAcquirer = (connection: Connection, lock: Lock) =>
  Effect.uninterruptible(
    Effect.as(
      Effect.zipRight(
        lock.take,
        Effect.tap(Effect.scope, (scope) => Scope.addFinalizer(scope, lock.release))
      ),
      connection
    )
  )

/**
 * Build a SQLite client. Opens the file (creating it if needed), sets WAL and the busy timeout, and closes the
 * connection when the scope closes.
 */
const make = (config: SqliteClientConfig): Effect.Effect<SqliteClient, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function* () {
    const statements = preparedStatements(yield* openDatabase(config), config)
    const connection = sqliteConnection(statements)
    const lock = makeLock()
    const acquirer = exclusiveAcquirer(connection, lock)
    const spanAttributes: ReadonlyArray<readonly [string, unknown]> = [
      ...Object.entries(config.spanAttributes ?? {}),
      ["db.system.name", "sqlite"]
    ]
    const client = yield* Client.make({
      acquirer,
      transactionAcquirer: acquirer,
      compiler: makeCompiler(config.transformQueryNames),
      spanAttributes,
      // Never called (see `execute`): its presence tells the connection to use the transformed names.
      transformRows:
        config.transformResultNames === undefined ? undefined : <A extends object>(rows: ReadonlyArray<A>) => rows
    })
    const lean = leanPath(connection, rowsOf(statements), lock, client.withTransaction, spanAttributes)
    registerDirectPath(client`SELECT 1`, connection, lean.direct)
    return Object.assign(client, {
      [TypeId]: TypeId,
      config,
      withTransaction: lean.withTransaction,
      preparedStatements: Effect.sync(statements.size)
    }) as SqliteClient
  })

const toContext = (client: SqliteClient) =>
  Context.make(SqliteClient, client).pipe(Context.add(Client.SqlClient, client))

/** `SqliteClient` and `SqlClient.SqlClient` for the given configuration. */
export const layer = (config: SqliteClientConfig): Layer.Layer<SqliteClient | Client.SqlClient, SqlError> =>
  Layer.scopedContext(Effect.map(make(config), toContext)).pipe(Layer.provide(Reactivity.layer))
