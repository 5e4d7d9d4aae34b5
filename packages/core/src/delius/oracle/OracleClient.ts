/**
 * An `@effect/sql` client for Oracle over `oracledb` in thin mode (pure JavaScript, no Instant Client).
 *
 * Shaped like Effect's own `@effect/sql-*` drivers (`make`, `layer`, `layerConfig`, `makeCompiler`), with the Oracle
 * differences handled here:
 *   - placeholders are `:1`, `:2`, …; identifiers are double-quoted (and therefore case-sensitive in Oracle);
 *   - there is no `BEGIN`: Oracle opens a transaction implicitly with the first DML, so starting one issues nothing and
 *     commit / rollback are the driver's `commit()` / `rollback()` on the transaction's own connection;
 *   - savepoints are `SAVEPOINT x` / `ROLLBACK TO SAVEPOINT x`, and a nested "commit" is a no-op (no RELEASE SAVEPOINT);
 *   - statements outside a transaction run with `autoCommit: true`, inside one with `autoCommit: false`;
 *   - every pooled connection sets the Delius VPD client identifier when acquired and clears it before release.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as Client from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { createRequire } from "node:module"
import { describeFailure } from "../../describe.js"

// ---------------------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------------------

export interface OracleClientConfig {
  readonly user: string
  readonly password: Redacted.Redacted
  /** Easy Connect string, `host:port/service`. */
  readonly connectString: string
  readonly poolMin?: number | undefined
  readonly poolMax?: number | undefined
  /** Identifier handed to `PKG_VPD_CTX.SET_CLIENT_IDENTIFIER`; defaults to {@link DEFAULT_CLIENT_IDENTIFIER}. */
  readonly clientIdentifier?: string | undefined
  /**
   * Call `PKG_VPD_CTX.SET_CLIENT_IDENTIFIER` / `CLEAR_CLIENT_IDENTIFIER` around every connection acquisition
   * (default true). Turn off for an Oracle database that does not have the Delius VPD package.
   */
  readonly vpd?: boolean | undefined
  readonly transformResultNames?: ((str: string) => string) | undefined
  readonly transformQueryNames?: ((str: string) => string) | undefined
  readonly spanAttributes?: Record<string, unknown> | undefined
}

/** How Delius's VPD attributes changes made by this service (spec: every pooled connection sets it when acquired). */
export const DEFAULT_CLIENT_IDENTIFIER = "ReferAndMonitorAndDelius"

const DEFAULT_PORT = 1521

/** A malformed `oracle://` URL. The message never contains the URL itself, which may hold a password. */
export class OracleUrlError extends Error {
  override readonly name = "OracleUrlError"
}

/**
 * Parse `oracle://user:password@host[:port]/service` (port defaults to 1521; user and password are URL-decoded).
 * Throws {@link OracleUrlError} when the URL is malformed or lacks a part.
 */
export const fromUrl = (url: string): OracleClientConfig => {
  const expected = "expected oracle://user:password@host[:port]/service"
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new OracleUrlError(`Invalid Oracle URL: not a URL (${expected})`)
  }
  if (parsed.protocol !== "oracle:") {
    throw new OracleUrlError(`Invalid Oracle URL: scheme must be oracle:// (${expected})`)
  }
  const decode = (part: string, value: string) => {
    try {
      return decodeURIComponent(value)
    } catch {
      throw new OracleUrlError(`Invalid Oracle URL: ${part} is not validly percent-encoded (${expected})`)
    }
  }
  const user = decode("user", parsed.username)
  const password = decode("password", parsed.password)
  const service = decode("service", parsed.pathname.replace(/^\//, ""))
  const missing = [
    user === "" ? "user" : undefined,
    password === "" ? "password" : undefined,
    parsed.hostname === "" ? "host" : undefined,
    service === "" ? "service" : undefined
  ].filter((part) => part !== undefined)
  if (missing.length > 0) {
    throw new OracleUrlError(`Invalid Oracle URL: missing ${missing.join(", ")} (${expected})`)
  }
  return {
    user,
    password: Redacted.make(password),
    connectString: `${parsed.hostname}:${parsed.port === "" ? DEFAULT_PORT : parsed.port}/${service}`
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Driver abstraction: the small part of oracledb the client uses, so it can be exercised without a database.
// ---------------------------------------------------------------------------------------------------------------------

export interface OracleExecuteOptions {
  readonly autoCommit: boolean
}

export interface OracleExecuteResult {
  readonly rows?: Array<Record<string, unknown>> | undefined
  readonly rowsAffected?: number | undefined
}

export interface OracleConnection {
  execute(sql: string, binds: Array<unknown>, options: OracleExecuteOptions): Promise<OracleExecuteResult>
  commit(): Promise<void>
  rollback(): Promise<void>
  /** Return the connection to the pool; `drop` closes the session instead (used when its state is uncertain). */
  close(options?: { readonly drop?: boolean }): Promise<void>
  /** Interrupt the statement running on this connection (oracledb `connection.break()`), if supported. */
  break?(): Promise<void>
}

export interface OracleDriver {
  getConnection(): Promise<OracleConnection>
  close(): Promise<void>
}

// oracledb ships no type declarations, so the parts used here are described locally and the CommonJS module is loaded
// with require (only when a real driver is created — tests with a fake driver never load it).
interface OracledbDbType {
  readonly name: string
}
interface OracledbConnection {
  execute(sql: string, binds: Array<unknown>, options: Record<string, unknown>): Promise<OracleExecuteResult>
  commit(): Promise<void>
  rollback(): Promise<void>
  close(options?: { readonly drop?: boolean }): Promise<void>
  break(): Promise<void>
}
interface OracledbPool {
  getConnection(): Promise<OracledbConnection>
  close(drainTimeSeconds: number): Promise<void>
}
interface OracledbModule {
  createPool(attributes: Record<string, unknown>): Promise<OracledbPool>
  readonly OUT_FORMAT_OBJECT: number
  readonly STRING: OracledbDbType
  readonly DB_TYPE_DATE: OracledbDbType
  readonly DB_TYPE_TIMESTAMP: OracledbDbType
  readonly DB_TYPE_CLOB: OracledbDbType
  readonly DB_TYPE_NCLOB: OracledbDbType
}

// Thin mode converts DATE/TIMESTAMP to text on the server with the session's NLS formats; setting them also makes
// string binds into DATE columns parse with the same format. DATE has no fractional seconds, so it has no FF6.
const NLS_SQL =
  "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6'"

/** Seconds the pool waits for connections in use to come back when the client shuts down. */
const POOL_DRAIN_SECONDS = 10

/**
 * The real driver: an oracledb connection pool in thin mode (oracledb 6's default; `initOracleClient` is never called).
 * Rows come back as objects keyed by column name, NUMBER as JS numbers (oracledb's default), CLOB/NCLOB as strings,
 * DATE as `YYYY-MM-DD HH24:MI:SS` and TIMESTAMP as `YYYY-MM-DD HH24:MI:SS.FF6` strings (Delius stores wall-clock
 * Europe/London values; a JS Date would shift them by the process's zone).
 */
export const oracledbDriver = (config: OracleClientConfig): Effect.Effect<OracleDriver, SqlError> =>
  Effect.gen(function* () {
    const oracledb = yield* Effect.try({
      try: () => createRequire(import.meta.url)("oracledb") as OracledbModule,
      catch: (cause) => sqlError("Failed to load the oracledb module", cause)
    })
    const asString = new Set<OracledbDbType>([
      oracledb.DB_TYPE_DATE,
      oracledb.DB_TYPE_TIMESTAMP,
      oracledb.DB_TYPE_CLOB,
      oracledb.DB_TYPE_NCLOB
    ])
    // Per-statement options rather than oracledb's global settings, so other users of the module are unaffected.
    const fetchTypeHandler = (metadata: { readonly dbType?: OracledbDbType }) =>
      metadata.dbType !== undefined && asString.has(metadata.dbType) ? { type: oracledb.STRING } : undefined
    const pool = yield* Effect.tryPromise({
      try: () =>
        oracledb.createPool({
          user: config.user,
          password: Redacted.value(config.password),
          connectString: config.connectString,
          ...(config.poolMin !== undefined ? { poolMin: config.poolMin } : {}),
          ...(config.poolMax !== undefined ? { poolMax: config.poolMax } : {}),
          // Runs once per new database session rather than on every acquisition.
          sessionCallback: (connection: OracledbConnection, _tag: string, done: (error?: unknown) => void) => {
            connection.execute(NLS_SQL, [], {}).then(() => done(), done)
          }
        }),
      catch: (cause) => sqlError("Failed to create the Oracle connection pool", cause)
    })
    return {
      getConnection: async () => {
        const connection = await pool.getConnection()
        return {
          execute: (sql, binds, options) =>
            connection.execute(sql, binds, { ...options, outFormat: oracledb.OUT_FORMAT_OBJECT, fetchTypeHandler }),
          commit: () => connection.commit(),
          rollback: () => connection.rollback(),
          // oracledb rejects an explicit `undefined` options argument, so only pass one when dropping.
          close: (options) => (options?.drop === true ? connection.close({ drop: true }) : connection.close()),
          break: () => connection.break()
        } satisfies OracleConnection
      },
      close: () => pool.close(POOL_DRAIN_SECONDS)
    }
  })

// ---------------------------------------------------------------------------------------------------------------------
// Compiler
// ---------------------------------------------------------------------------------------------------------------------

const escape = Statement.defaultEscape('"')

const unsupported = (what: string, why: string) => new Error(`OracleClient: ${what} is not supported: ${why}`)

const NO_RETURNING =
  "Oracle has no RETURNING * (only RETURNING … INTO out-binds); read the row back with a SELECT in the same transaction"

// The only helper with no compiler hook that sees `.returning(...)` is `sql.update`; without this guard it would emit
// ` RETURNING *`, which Oracle rejects with an unhelpful ORA error. The field read is @effect/sql's internal name,
// covered by a test so an upgrade that renames it is noticed.
const guardUnsupported = (compiler: Statement.Compiler): Statement.Compiler => ({
  dialect: compiler.dialect,
  compile: (statement, withoutTransform) => {
    for (const segment of statement.segments) {
      if (
        segment._tag === "RecordUpdateHelperSingle" &&
        (segment as { readonly returningIdentifier?: unknown }).returningIdentifier !== undefined
      ) {
        throw unsupported("sql.update(...).returning(...)", NO_RETURNING)
      }
    }
    return compiler.compile(statement, withoutTransform)
  },
  get withoutTransform() {
    return guardUnsupported(compiler.withoutTransform)
  }
})

/**
 * Statement compiler for Oracle: `:n` placeholders, `"NAME"` identifiers (embedded `"` doubled, `A.B` → `"A"."B"`).
 *
 * Unsupported helpers throw (so the statement dies with a clear defect) rather than emit SQL Oracle would reject or,
 * worse, silently drop: `.returning(...)` on `sql.insert` / `sql.update`, `sql.updateValues`, multi-row `sql.insert`
 * (no multi-row VALUES before Oracle 23ai — insert rows one at a time), and custom fragments.
 *
 * The dialect is reported as "oracle", which @effect/sql's `Dialect` union does not list: `onDialectOrElse` then takes
 * the `orElse` branch instead of running another database's SQL (`onDialect` has no Oracle branch to pick).
 */
export const makeCompiler = (transform?: (str: string) => string): Statement.Compiler =>
  guardUnsupported(
    Statement.makeCompiler({
      dialect: "oracle" as Statement.Dialect,
      placeholder: (index) => `:${index}`,
      onIdentifier: transform
        ? (value, withoutTransform) => escape(withoutTransform ? value : transform(value))
        : (value) => escape(value),
      onInsert: (columns, placeholders, values, returning) => {
        if (returning !== undefined) throw unsupported("sql.insert(...).returning(...)", NO_RETURNING)
        if (values.length !== 1) {
          throw unsupported(
            `sql.insert with ${values.length} rows`,
            "Oracle before 23ai has no multi-row VALUES; insert one row per statement"
          )
        }
        return [`(${columns.join(",")}) VALUES ${placeholders}`, values.flat()]
      },
      onRecordUpdate: () => {
        throw unsupported("sql.updateValues", "Oracle has no UPDATE … FROM (VALUES …); update one row per statement")
      },
      onCustom: (type) => {
        throw unsupported(`custom fragment "${String(type.kind)}"`, "the Oracle client defines no custom fragments")
      }
    })
  )

// ---------------------------------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------------------------------

export const TypeId: unique symbol = Symbol.for("@ram-delius/core/OracleClient")
export type TypeId = typeof TypeId

export interface OracleClient extends Client.SqlClient {
  readonly [TypeId]: TypeId
  readonly config: OracleClientConfig
}

export const OracleClient = Context.GenericTag<OracleClient>("@ram-delius/core/OracleClient")

const SET_CLIENT_IDENTIFIER = "BEGIN PKG_VPD_CTX.SET_CLIENT_IDENTIFIER(:1); END;"
const CLEAR_CLIENT_IDENTIFIER = "BEGIN PKG_VPD_CTX.CLEAR_CLIENT_IDENTIFIER(); END;"
const CONNECTION_CHECK = "SELECT 1 FROM DUAL"

// Client.make drives transactions by passing SQL text to `executeUnprepared`. These markers are recognised there and
// never reach Oracle: begin only flips the connection to autoCommit false (Oracle starts transactions implicitly), and
// commit / rollback call the driver's methods on that same connection.
const BEGIN_MARKER = "/* @ram-delius/oracle: begin (implicit in Oracle) */"
const COMMIT_MARKER = "/* @ram-delius/oracle: commit */"
const ROLLBACK_MARKER = "/* @ram-delius/oracle: rollback */"

type TransformRows = (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined

const MESSAGE_PREFIX = "OracleClient: "

const sqlError = (what: string, cause: unknown) =>
  new SqlError({ cause, message: `${MESSAGE_PREFIX}${what}: ${describeFailure(cause)}` })

const attempt = <A>(what: string, f: () => Promise<A>): Effect.Effect<A, SqlError> =>
  Effect.tryPromise({ try: f, catch: (cause) => sqlError(what, cause) })

/** A driver connection as an @effect/sql `Connection`, tracking whether it is inside a transaction. */
const makeConnection = (conn: OracleConnection): Connection => {
  let inTransaction = false

  const run = (sql: string, params: ReadonlyArray<unknown>) =>
    Effect.async<OracleExecuteResult, SqlError>((resume) => {
      const failed = (cause: unknown) => resume(Effect.fail(sqlError("Failed to execute statement", cause)))
      try {
        conn
          .execute(sql, Array.from(params), { autoCommit: !inTransaction })
          .then((result) => resume(Effect.succeed(result)), failed)
      } catch (cause) {
        // A driver that throws synchronously (bad arguments) still yields a SqlError, not a defect.
        failed(cause)
        return
      }
      // On interruption (a timeout, say) break the call so the connection can go back to the pool promptly.
      const breakExecution = conn.break
      return breakExecution === undefined
        ? undefined
        : Effect.ignore(attempt("Failed to break execution", () => breakExecution.call(conn)))
    })

  const rows = (sql: string, params: ReadonlyArray<unknown>) =>
    Effect.map(run(sql, params), (result) => result.rows ?? [])

  const execute = (sql: string, params: ReadonlyArray<unknown>, transformRows: TransformRows) =>
    transformRows ? Effect.map(rows(sql, params), transformRows) : rows(sql, params)

  const endTransaction = (what: string, f: () => Promise<void>) =>
    attempt(what, f).pipe(
      Effect.ensuring(Effect.sync(() => (inTransaction = false))),
      Effect.as([] as ReadonlyArray<never>)
    )

  return {
    execute,
    executeRaw: (sql, params) => run(sql, params),
    // Rows arrive as objects in select-list order (so columns sharing a name collapse into one; alias them).
    executeValues: (sql, params) => Effect.map(rows(sql, params), (rs) => rs.map((row) => Object.values(row))),
    executeUnprepared: (sql, params, transformRows) => {
      switch (sql) {
        case BEGIN_MARKER:
          return Effect.sync(() => {
            inTransaction = true
            return [] as ReadonlyArray<never>
          })
        case COMMIT_MARKER:
          return endTransaction("Failed to commit transaction", () => conn.commit())
        case ROLLBACK_MARKER:
          return endTransaction("Failed to roll back transaction", () => conn.rollback())
        default:
          return execute(sql, params, transformRows)
      }
    },
    // The driver abstraction has no cursor, so a stream is the fully fetched result emitted row by row.
    executeStream: (sql, params, transformRows) => Stream.fromIterableEffect(execute(sql, params, transformRows))
  }
}

const spanAttributesOf = (config: OracleClientConfig): ReadonlyArray<readonly [string, unknown]> => {
  // Best effort: only a plain Easy Connect string (host:port/service) yields server and namespace attributes.
  const ezConnect = /^(?:\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/([^?]+)/.exec(config.connectString)
  return [
    ...Object.entries(config.spanAttributes ?? {}),
    ["db.system.name", "oracle.db"],
    ...(ezConnect
      ? ([
          ["db.namespace", ezConnect[3]],
          ["server.address", ezConnect[1]],
          ["server.port", ezConnect[2] === undefined ? DEFAULT_PORT : Number(ezConnect[2])]
        ] as const)
      : [])
  ]
}

/**
 * Build an Oracle client. Without `driver`, an oracledb thin-mode pool is created from `config`. Either way the client
 * owns the driver and closes it when the scope closes. Fails if a first connection (with the VPD call, when enabled)
 * and `SELECT 1 FROM DUAL` do not succeed, so a misconfiguration shows at start-up.
 */
export const make = (
  config: OracleClientConfig,
  driver?: OracleDriver
): Effect.Effect<OracleClient, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function* () {
    const pool = driver ?? (yield* oracledbDriver(config))
    yield* Effect.addFinalizer(() =>
      attempt("Failed to close the connection pool", () => pool.close()).pipe(
        Effect.catchAll((error) => Effect.logWarning(error.message))
      )
    )

    const vpd = config.vpd ?? true
    const clientIdentifier = config.clientIdentifier ?? DEFAULT_CLIENT_IDENTIFIER

    // The VPD calls do no DML, so they run without committing: a release must never commit someone's pending work.
    const closeConnection = (conn: OracleConnection, drop: boolean) =>
      attempt("Failed to release connection", () => (drop ? conn.close({ drop: true }) : conn.close())).pipe(
        Effect.catchAll((error) => Effect.logWarning(error.message))
      )

    const acquire = Effect.gen(function* () {
      const conn = yield* attempt("Failed to acquire a connection from the pool", () => pool.getConnection())
      if (vpd) {
        yield* attempt("Failed to set the VPD client identifier", () =>
          conn.execute(SET_CLIENT_IDENTIFIER, [clientIdentifier], { autoCommit: false })
        ).pipe(Effect.tapError(() => closeConnection(conn, true)))
      }
      return conn
    })

    // A release never fails, so whatever error the statement or transaction had is the one that surfaces.
    const release = Effect.fnUntraced(function* (conn: OracleConnection) {
      let drop = false
      if (vpd) {
        const cleared = yield* Effect.either(
          attempt("Failed to clear the VPD client identifier", () =>
            conn.execute(CLEAR_CLIENT_IDENTIFIER, [], { autoCommit: false })
          )
        )
        if (Either.isLeft(cleared)) {
          // The session may still carry this service's identifier, so it must not be handed to anyone else.
          drop = true
          yield* Effect.logWarning(`${cleared.left.message}; dropping the connection from the pool`)
        }
      }
      yield* closeConnection(conn, drop)
    })

    const acquirer: Connection.Acquirer = Effect.map(Effect.acquireRelease(acquire, release), makeConnection)

    yield* Effect.scoped(
      Effect.flatMap(acquirer, (connection) => connection.executeUnprepared(CONNECTION_CHECK, [], undefined))
    ).pipe(
      Effect.mapError(
        (error) =>
          new SqlError({
            cause: error,
            message: error.message.replace(MESSAGE_PREFIX, `${MESSAGE_PREFIX}failed to connect: `)
          })
      )
    )

    const client = yield* Client.make({
      acquirer,
      compiler: makeCompiler(config.transformQueryNames),
      spanAttributes: spanAttributesOf(config),
      transformRows: config.transformResultNames
        ? Statement.defaultTransforms(config.transformResultNames).array
        : undefined,
      beginTransaction: BEGIN_MARKER,
      commit: COMMIT_MARKER,
      rollback: ROLLBACK_MARKER,
      savepoint: (name) => `SAVEPOINT ${name}`,
      rollbackSavepoint: (name) => `ROLLBACK TO SAVEPOINT ${name}`
    })

    return Object.assign(client, { [TypeId]: TypeId, config }) as OracleClient
  })

const toContext = (client: OracleClient) =>
  Context.make(OracleClient, client).pipe(Context.add(Client.SqlClient, client))

/** `OracleClient` and `SqlClient.SqlClient` for the given configuration (and optional driver, for tests). */
export const layer = (
  config: OracleClientConfig,
  driver?: OracleDriver
): Layer.Layer<OracleClient | Client.SqlClient, SqlError> =>
  Layer.scopedContext(Effect.map(make(config, driver), toContext)).pipe(Layer.provide(Reactivity.layer))

/** As {@link layer}, reading the configuration from Effect `Config`. */
export const layerConfig = (
  config: Config.Config.Wrap<OracleClientConfig>
): Layer.Layer<OracleClient | Client.SqlClient, SqlError | ConfigError.ConfigError> =>
  Layer.scopedContext(
    Config.unwrap(config).pipe(
      Effect.flatMap((resolved) => make(resolved)),
      Effect.map(toContext)
    )
  ).pipe(Layer.provide(Reactivity.layer))
