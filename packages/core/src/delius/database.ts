/**
 * `DATABASE_URL` chooses the Delius database (DESIGN.md, Configuration), with `DATABASE_USERNAME` /
 * `DATABASE_PASSWORD` beside it (databaseUrl.ts reads every accepted form):
 *   sqlite:<file> | sqlite::memory: | postgres://… | oracle://host:port/service | jdbc:oracle:thin:@… | mssql://…
 * Every layer returns column names in camelCase (`CONTACT_ID` → `contactId`) whatever case the driver reports, and
 * date/timestamp columns as text (Delius stores Europe/London wall-clock values, §2.2 — converting them through a JS
 * Date in the process's zone would shift them).
 *
 * A server database is connected to while the layer is built: one that cannot be reached fails the start, naming its
 * host and port (`DatabaseUnreachable`), so a host never reports healthy without its database. Before that, a run whose
 * `ENVIRONMENT_NAME` does not allow it refuses the production and pre-production Delius databases.
 *
 * Only the embedded SQLite client (Node's built-in `node:sqlite`) is always loaded. The server drivers are optional peer
 * dependencies of this package, imported only when their scheme is chosen, so a team on Oracle installs `oracledb` and
 * nothing else: postgres:// needs `pg` (under the project's own client, postgres/PgClient.ts), Oracle `oracledb`,
 * mssql:// `@effect/sql-mssql`.
 */

import { SqlClient } from "@effect/sql"
import { Config, ConfigError, Data, Effect, Either, Layer, Option, Redacted, String as Str } from "effect"
import { existsSync, mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { describeFailure } from "../describe.js"
import { DatabaseError, withMeaning } from "../errors.js"
import { environmentName } from "../switches.js"
import {
  type Credentials,
  type DatabaseTarget,
  describeEndpoints,
  environmentRefusal,
  parseDatabaseUrl,
  type SuppliedCredentials
} from "./databaseUrl.js"
import { Dialect, dialects } from "./dialect.js"
import * as SqliteClient from "./sqlite/SqliteClient.js"
import { DEFAULT_BUSY_TIMEOUT_MS } from "./sqlite/SqliteClient.js"

export {
  type Credentials,
  type DatabaseTarget,
  describeEndpoints,
  type Endpoint,
  type EnvironmentName,
  environmentRefusal,
  parseDatabaseUrl,
  type SuppliedCredentials
} from "./databaseUrl.js"

export const DEFAULT_DATABASE_URL = "sqlite:./data/delius.sqlite"

export const resultName = (name: string): string => Str.snakeToCamel(name.toLowerCase())

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

/** The postgres URL with the credentials put back (pg reads them from the connection string over separate options). */
const postgresUrl = (url: string, credentials: Option.Option<Credentials>) => {
  if (Option.isNone(credentials)) return Redacted.make(url)
  const withLogin = new URL(url)
  withLogin.username = encodeURIComponent(credentials.value.username)
  const password = Redacted.value(credentials.value.password)
  if (password !== "") withLogin.password = encodeURIComponent(password)
  return Redacted.make(withLogin.href)
}

// The project's own client over `pg` (postgres/PgClient.ts); importing it loads `pg`, so a missing driver fails here.
const pgLayer = (url: Redacted.Redacted<string>, maxConnections?: number) =>
  Layer.unwrapEffect(
    importDriver("postgres://", "pg", () => import("./postgres/PgClient.js")).pipe(
      Effect.map((PgClient) =>
        PgClient.layer({
          url,
          transformResultNames: resultName,
          // The DDL uses unquoted names, which PostgreSQL folds to lower case; quoted names from sql.insert must match.
          transformQueryNames: (name) => name.toLowerCase(),
          ...(maxConnections !== undefined ? { maxConnections } : {})
        })
      )
    )
  )

type ServerTarget<Tag extends DatabaseTarget["_tag"]> = Extract<DatabaseTarget, { _tag: Tag }>

/** Oracle and SQL Server need a login; a missing one is a start-up error saying where to give it. */
const requireCredentials = (target: ServerTarget<"oracle" | "mssql">) =>
  Option.match(
    Option.filter(target.credentials, (login) => Redacted.value(login.password) !== ""),
    {
      onNone: () =>
        Effect.fail(
          ConfigError.InvalidData(
            ["DATABASE_USERNAME"],
            `DATABASE_USERNAME and DATABASE_PASSWORD: ${target._tag} needs a user and password (set them, or put them in DATABASE_URL)`
          )
        ),
      onSome: Effect.succeed
    }
  )

// Oracle and SQL Server drivers are loaded only when chosen: the embedded default never pays for them.
const mssqlLayer = (target: ServerTarget<"mssql">) =>
  Layer.unwrapEffect(
    Effect.all([
      requireCredentials(target),
      importDriver("mssql://", "@effect/sql-mssql", () => import("@effect/sql-mssql"))
    ]).pipe(
      Effect.map(([credentials, { MssqlClient }]) =>
        MssqlClient.layer({
          server: target.endpoints[0]!.host,
          port: target.endpoints[0]!.port,
          database: target.database,
          username: credentials.username,
          password: credentials.password,
          transformResultNames: resultName,
          trustServer: true
        })
      )
    )
  )

const oracleLayer = (target: ServerTarget<"oracle">, maxConnections?: number) =>
  Layer.unwrapEffect(
    Effect.all([requireCredentials(target), Effect.promise(() => import("./oracle/OracleClient.js"))]).pipe(
      Effect.map(([credentials, OracleClient]) =>
        OracleClient.layer({
          user: credentials.username,
          password: credentials.password,
          connectString: target.connectString,
          transformResultNames: resultName,
          ...(maxConnections !== undefined ? { poolMax: maxConnections } : {})
        })
      )
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

/** SqlClient + Dialect for a DATABASE_URL value (its own credentials only; no environment guard). */
export const layerFromUrl = (url: string, options: DatabaseOptions = {}) =>
  Either.match(parseDatabaseUrl(url), {
    onLeft: (message) => unified(Layer.fail(ConfigError.InvalidData(["DATABASE_URL"], message))),
    onRight: (target) => layerFromTarget(target, options)
  })

const driverLayer = (target: DatabaseTarget, options: DatabaseOptions) => {
  switch (target._tag) {
    case "sqlite":
      return Layer.merge(sqliteLayer(target.filename, options.create ?? true), Layer.succeed(Dialect, dialects.sqlite))
    case "postgres":
      return Layer.merge(
        pgLayer(postgresUrl(target.url, target.credentials), options.maxConnections),
        Layer.succeed(Dialect, dialects.postgres)
      )
    case "oracle":
      return Layer.merge(oracleLayer(target, options.maxConnections), Layer.succeed(Dialect, dialects.oracle))
    case "mssql":
      return Layer.merge(mssqlLayer(target), Layer.succeed(Dialect, dialects.mssql))
  }
}

type AnyDatabaseLayer = ReturnType<typeof driverLayer>
export type DatabaseLayer = Layer.Layer<
  Layer.Layer.Success<AnyDatabaseLayer>,
  Layer.Layer.Error<AnyDatabaseLayer> | DatabaseUnreachable
>
/** One Layer type for every driver's (TypeScript does not unify the switch's branches by itself). */
const unified = (layer: Layer.Layer<Layer.Layer.Success<AnyDatabaseLayer>, unknown>) => layer as DatabaseLayer

/** SqlClient + Dialect for a parsed target; a server database must answer a ping before the layer is built. */
export const layerFromTarget = (target: DatabaseTarget, options: DatabaseOptions = {}): DatabaseLayer => {
  const driver = unified(driverLayer(target, options))
  if (target._tag === "sqlite") return driver
  const ping = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const dialect = yield* Dialect
    yield* sql.unsafe(dialect.ping)
  })
  return driver.pipe(
    Layer.tap((context) => Effect.provide(ping, context)),
    Layer.mapError((error) => (isDriverFailure(error) ? DatabaseUnreachable.of(target, error) : error))
  ) as DatabaseLayer
}

/** A driver's own failure (connecting, the ping): not a configuration error, which already says what is wrong. */
const isDriverFailure = (error: unknown) =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "SqlError"

/** A server database that could not be reached (or refused the login) while the service started. */
export class DatabaseUnreachable extends withMeaning(
  Data.TaggedError("DatabaseUnreachable")<{
    readonly dialect: string
    readonly endpoints: string
    readonly message: string
  }>,
  { httpStatus: 503, telemetryName: "DataAccessException", retryable: true }
) {
  /** The message names the dialect, host and port and the driver's reason; never the URL or a credential. */
  static of(target: Exclude<DatabaseTarget, { _tag: "sqlite" }>, cause: unknown): DatabaseUnreachable {
    const endpoints = describeEndpoints(target)
    let reason = describeFailure(cause)
    const password = Option.map(target.credentials, (c) => Redacted.value(c.password))
    if (Option.isSome(password) && password.value !== "") reason = reason.split(password.value).join("[redacted]")
    return new DatabaseUnreachable({
      dialect: target._tag,
      endpoints,
      message: `Cannot connect to the ${target._tag} database at ${endpoints} (DATABASE_URL): ${reason}`
    })
  }
}

export const databaseUrl = Config.string("DATABASE_URL").pipe(Config.withDefault(DEFAULT_DATABASE_URL))

/** `DATABASE_USERNAME` / `DATABASE_PASSWORD`, blank as unset. */
export const suppliedCredentials: Config.Config<SuppliedCredentials> = Config.all({
  username: Config.option(Config.string("DATABASE_USERNAME")).pipe(
    Config.map(Option.filter((name) => name.trim() !== ""))
  ),
  password: Config.option(Config.redacted("DATABASE_PASSWORD")).pipe(
    Config.map(Option.filter((password) => Redacted.value(password) !== ""))
  )
})

/** The configured database, parsed, and refused before any connection when `ENVIRONMENT_NAME` does not allow it. */
export const configuredTarget: Effect.Effect<DatabaseTarget, ConfigError.ConfigError> = Effect.gen(function* () {
  const url = yield* databaseUrl
  const target = yield* Either.mapLeft(parseDatabaseUrl(url, yield* suppliedCredentials), (message) =>
    ConfigError.InvalidData(["DATABASE_URL"], message)
  )
  const refusal = environmentRefusal(target, yield* environmentName)
  if (Option.isSome(refusal)) return yield* Effect.fail(ConfigError.InvalidData(["ENVIRONMENT_NAME"], refusal.value))
  return target
})

/** The database chosen by `DATABASE_URL` & co. */
export const layer: DatabaseLayer = Layer.unwrapEffect(
  Effect.map(configuredTarget, (target) => layerFromTarget(target))
)

/** The database chosen by `DATABASE_URL` & co., with options (e.g. `{ create: false }` for read-only callers). */
export const layerWith = (options: DatabaseOptions): DatabaseLayer =>
  Layer.unwrapEffect(Effect.map(configuredTarget, (target) => layerFromTarget(target, options)))

/** Dialect and where it is (`host:port`, or the SQLite file), never credentials: for `/info` and log lines. */
export const describeTarget = (target: DatabaseTarget): { readonly dialect: string; readonly host: string } => ({
  dialect: target._tag,
  host: describeEndpoints(target)
})

export const toDatabaseError = (operation: string) => (cause: unknown) =>
  cause instanceof DatabaseError
    ? cause
    : new DatabaseError({ operation, message: `${operation}: ${describeFailure(cause)}`, cause })
