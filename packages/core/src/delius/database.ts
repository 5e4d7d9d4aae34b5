/**
 * `DATABASE_URL` chooses the Delius database (DESIGN.md, Configuration):
 *   sqlite:<file> | sqlite::memory: | postgres://… | oracle://user:pass@host:port/service | mssql://…
 * Every layer returns column names in camelCase (`CONTACT_ID` → `contactId`) whatever case the driver reports, and
 * date/timestamp columns as text (Delius stores Europe/London wall-clock values, §2.2 — converting them through a JS
 * Date in the process's zone would shift them).
 *
 * Only the embedded SQLite client (Node's built-in `node:sqlite`) is always loaded. The server drivers are optional peer
 * dependencies of this package, imported only when their scheme is chosen, so a team on Oracle installs `oracledb` and
 * nothing else: postgres:// needs `pg` and `@effect/sql-pg`, oracle:// `oracledb`, mssql:// `@effect/sql-mssql`.
 */

import { Config, ConfigError, Data, Effect, Layer, Redacted, String as Str } from "effect"
import { existsSync, mkdirSync } from "node:fs"
import { dirname } from "node:path"
import type pg from "pg"
import { describeFailure } from "../describe.js"
import { DatabaseError, withMeaning } from "../errors.js"
import { Dialect, dialects } from "./dialect.js"
import * as SqliteClient from "./sqlite/SqliteClient.js"
import { DEFAULT_BUSY_TIMEOUT_MS } from "./sqlite/SqliteClient.js"

export const DEFAULT_DATABASE_URL = "sqlite:./data/delius.sqlite"

export const resultName = (name: string): string => Str.snakeToCamel(name.toLowerCase())

export type DatabaseTarget =
  | { readonly _tag: "sqlite"; readonly filename: string }
  | { readonly _tag: "postgres"; readonly url: string }
  | { readonly _tag: "oracle"; readonly url: string }
  | { readonly _tag: "mssql"; readonly url: string }

/** Parse DATABASE_URL; anything unrecognised is a start-up error naming the variable. */
export const parseDatabaseUrl = (url: string): Either<DatabaseTarget, string> => {
  if (url.startsWith("sqlite:")) {
    const filename = url.slice("sqlite:".length)
    if (filename === "")
      return { ok: false, error: "DATABASE_URL: sqlite: needs a file name, e.g. sqlite:./data/delius.sqlite" }
    return { ok: true, value: { _tag: "sqlite", filename } }
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { ok: true, value: { _tag: "postgres", url } }
  if (url.startsWith("oracle://")) return { ok: true, value: { _tag: "oracle", url } }
  if (/^(mssql|sqlserver):\/\//.test(url)) return { ok: true, value: { _tag: "mssql", url } }
  const scheme = url.includes(":") ? url.slice(0, url.indexOf(":")) : url
  return {
    ok: false,
    error: `DATABASE_URL: unsupported database "${scheme}" — use sqlite:<file>, sqlite::memory:, postgres://…, oracle://user:password@host:port/service or mssql://…`
  }
}
type Either<A, E> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: E }

// node-postgres: DATE (1082), TIMESTAMP (1114) and TIMESTAMPTZ (1184) stay text; INT8 (20) and NUMERIC (1700) become
// numbers (Delius ids and HOURS_CREDITED fit in a double).
const pgTypes = (types: typeof pg.types): pg.CustomTypesConfig => ({
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === 1082 || oid === 1114 || oid === 1184) return (value: string) => value
    if (oid === 20 || oid === 1700) return (value: string) => Number(value)
    return types.getTypeParser(oid, format as "text")
  }) as pg.CustomTypesConfig["getTypeParser"]
})

// WAL and the busy timeout are set by the client (SqliteClient.ts): writers from other processes (the CLI, a second
// host) wait up to 2 s for SQLite's lock instead of failing at once — synchronously, blocking the event loop (health
// probes included) while they do, hence briefly.
const sqliteLayer = (filename: string, create: boolean) =>
  Layer.unwrapEffect(
    Effect.suspend(() => {
      if (filename !== ":memory:") {
        // Read-only callers (the CLI's show commands) must not leave a directory or an empty database behind.
        if (!create && !existsSync(filename)) {
          return Effect.fail(
            new DatabaseNotFound({ filename, message: `DATABASE_URL: no SQLite database at ${filename}` })
          )
        }
        if (create) mkdirSync(dirname(filename), { recursive: true })
      }
      return Effect.succeed(
        SqliteClient.layer({ filename, transformResultNames: resultName, busyTimeout: DEFAULT_BUSY_TIMEOUT_MS })
      )
    })
  )

/** `create: false` and the embedded database file does not exist. */
export class DatabaseNotFound extends withMeaning(
  Data.TaggedError("DatabaseNotFound")<{ readonly filename: string; readonly message: string }>,
  // A start-up failure (no host answers requests without its database): 503 should one ever reach a request. Waiting
  // does not create the file (`ram-delius db migrate` does), so it is not retried.
  { httpStatus: 503, telemetryName: "DataAccessException", retryable: false }
) {}

/** A driver module that is an optional peer dependency: a missing one is a start-up error saying what to install. */
const importDriver = <A>(scheme: string, packages: string, load: () => Promise<A>) =>
  Effect.tryPromise({
    try: load,
    catch: (e) =>
      ConfigError.InvalidData(
        ["DATABASE_URL"],
        `DATABASE_URL: ${scheme} needs ${packages} installed (optional peer dependencies of @ram-delius/core): ${
          e instanceof Error ? e.message : String(e)
        }`
      )
  })

const pgLayer = (url: string, maxConnections?: number) =>
  Layer.unwrapEffect(
    importDriver("postgres://", "pg and @effect/sql-pg", () =>
      Promise.all([import("@effect/sql-pg"), import("pg")])
    ).pipe(
      Effect.map(([{ PgClient }, { default: pgModule }]) =>
        PgClient.layer({
          url: Redacted.make(url),
          transformResultNames: resultName,
          // The DDL uses unquoted names, which PostgreSQL folds to lower case; quoted names from sql.insert must match.
          transformQueryNames: (name) => name.toLowerCase(),
          types: pgTypes(pgModule.types),
          ...(maxConnections !== undefined ? { maxConnections } : {})
        })
      )
    )
  )

// Oracle and SQL Server drivers are loaded only when chosen: the embedded default never pays for them.
const mssqlLayer = (url: string) =>
  Layer.unwrapEffect(
    importDriver("mssql://", "@effect/sql-mssql", () => import("@effect/sql-mssql")).pipe(
      Effect.map(({ MssqlClient }) => {
        const u = new URL(url)
        return MssqlClient.layer({
          server: u.hostname,
          port: u.port ? Number(u.port) : 1433,
          database: u.pathname.replace(/^\//, "") || "master",
          username: decodeURIComponent(u.username),
          password: Redacted.make(decodeURIComponent(u.password)),
          transformResultNames: resultName,
          trustServer: true
        })
      })
    )
  )

export interface DatabaseOptions {
  /** Pool size for server databases. */
  readonly maxConnections?: number
  /**
   * Create an embedded database file (and its directory) that does not exist yet (default true). `false` fails with
   * DatabaseNotFound instead: for callers that only read or that need an existing, migrated database.
   */
  readonly create?: boolean
}

/** SqlClient + Dialect for a DATABASE_URL value. */
export const layerFromUrl = (url: string, options: DatabaseOptions = {}) => unified(driverLayer(url, options))

const driverLayer = (url: string, options: DatabaseOptions) => {
  const target = parseDatabaseUrl(url)
  if (!target.ok) return Layer.fail(ConfigError.InvalidData(["DATABASE_URL"], target.error))
  const t = target.value
  switch (t._tag) {
    case "sqlite":
      return Layer.merge(sqliteLayer(t.filename, options.create ?? true), Layer.succeed(Dialect, dialects.sqlite))
    case "postgres":
      return Layer.merge(pgLayer(t.url, options.maxConnections), Layer.succeed(Dialect, dialects.postgres))
    case "oracle":
      return Layer.merge(
        Layer.unwrapEffect(
          Effect.promise(() => import("./oracle/OracleClient.js")).pipe(
            Effect.flatMap((OracleClient) =>
              Effect.try({
                try: () => OracleClient.fromUrl(t.url),
                catch: (e) => ConfigError.InvalidData(["DATABASE_URL"], e instanceof Error ? e.message : String(e))
              }).pipe(Effect.map((config) => ({ OracleClient, config })))
            ),
            Effect.map(({ OracleClient, config }) =>
              OracleClient.layer({
                ...config,
                transformResultNames: resultName,
                ...(options.maxConnections !== undefined ? { poolMax: options.maxConnections } : {})
              })
            )
          )
        ),
        Layer.succeed(Dialect, dialects.oracle)
      )
    case "mssql":
      return Layer.merge(mssqlLayer(t.url), Layer.succeed(Dialect, dialects.mssql))
  }
}

type AnyDatabaseLayer = ReturnType<typeof driverLayer>
/** One Layer type for every driver's (TypeScript does not unify the switch's branches by itself). */
const unified = (layer: AnyDatabaseLayer) =>
  layer as Layer.Layer<Layer.Layer.Success<AnyDatabaseLayer>, Layer.Layer.Error<AnyDatabaseLayer>>

export const databaseUrl = Config.string("DATABASE_URL").pipe(Config.withDefault(DEFAULT_DATABASE_URL))

/** The database chosen by `DATABASE_URL`. */
export const layer = Layer.unwrapEffect(Effect.map(databaseUrl, (url) => layerFromUrl(url)))

/** The database chosen by `DATABASE_URL`, with options (e.g. `{ create: false }` for read-only callers). */
export const layerWith = (options: DatabaseOptions) =>
  Layer.unwrapEffect(Effect.map(databaseUrl, (url) => layerFromUrl(url, options)))

export const describeTarget = (url: string): string => {
  const t = parseDatabaseUrl(url)
  if (!t.ok) return "invalid"
  if (t.value._tag === "sqlite") return `sqlite ${t.value.filename}`
  // Never print credentials.
  try {
    const u = new URL(t.value.url)
    return `${t.value._tag} ${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`
  } catch {
    return t.value._tag
  }
}

export const toDatabaseError = (operation: string) => (cause: unknown) =>
  cause instanceof DatabaseError
    ? cause
    : new DatabaseError({ operation, message: `${operation}: ${describeFailure(cause)}`, cause })
