/**
 * `DATABASE_URL` (with `DATABASE_USERNAME` / `DATABASE_PASSWORD` beside it) as a database target, for the hosts and the
 * CLI alike (database.ts builds the layers from it; /info and the environment guard read it too). Cloud Platform
 * namespace secrets hold the credentials apart from a credential-less URL, and Delius's hold the JDBC forms the
 * reference service (Spring) reads, so those are accepted as they are:
 *   jdbc:oracle:thin:@//host:port/SERVICE · jdbc:oracle:thin:@host:port:SID · jdbc:oracle:thin:@(DESCRIPTION=…)
 * beside oracle://, postgres://, mssql:// and sqlite: URLs. A password is only ever held as `Redacted`, and no message
 * here quotes the URL (it may hold one).
 */

import { Either, Option, Redacted } from "effect"

export interface Credentials {
  readonly username: string
  /** Empty when none was given. */
  readonly password: Redacted.Redacted<string>
}

/** `DATABASE_USERNAME` / `DATABASE_PASSWORD`: when set, they win over credentials in the URL. */
export interface SuppliedCredentials {
  readonly username: Option.Option<string>
  readonly password: Option.Option<Redacted.Redacted<string>>
}

const noSuppliedCredentials: SuppliedCredentials = { username: Option.none(), password: Option.none() }

export interface Endpoint {
  readonly host: string
  readonly port: number
}

export type DatabaseTarget =
  | { readonly _tag: "sqlite"; readonly filename: string }
  | {
      readonly _tag: "postgres"
      /** The URL without its credentials (they are in `credentials`). */
      readonly url: string
      readonly endpoints: ReadonlyArray<Endpoint>
      readonly credentials: Option.Option<Credentials>
    }
  | {
      readonly _tag: "oracle"
      /** What oracledb connects to: Easy Connect `host:port/service`, or a connect descriptor. */
      readonly connectString: string
      readonly endpoints: ReadonlyArray<Endpoint>
      /** Every service name and SID the URL names (a connect descriptor may list several): the environment guard's. */
      readonly services: ReadonlyArray<string>
      readonly sids: ReadonlyArray<string>
      readonly credentials: Option.Option<Credentials>
    }
  | {
      readonly _tag: "mssql"
      readonly endpoints: ReadonlyArray<Endpoint>
      readonly database: string
      readonly credentials: Option.Option<Credentials>
    }

const ORACLE_PORT = 1521

const FORMS =
  "use sqlite:<file>, sqlite::memory:, postgres://…, oracle://host:port/service, " +
  "jdbc:oracle:thin:@//host:port/SERVICE, jdbc:oracle:thin:@host:port:SID, jdbc:oracle:thin:@(DESCRIPTION=…) or mssql://…"

const fail = (message: string) => Either.left(`DATABASE_URL: ${message}`)

const decode = (part: string, value: string): Either.Either<string, string> => {
  try {
    return Either.right(decodeURIComponent(value))
  } catch {
    return fail(`the ${part} is not validly percent-encoded`)
  }
}

/**
 * The supplied credentials over the URL's own. A user without a password is kept with an empty one (PostgreSQL's
 * trust and peer logins, or PGPASSWORD); Oracle and SQL Server refuse that when they connect (database.ts).
 */
const credentialsOf = (
  inUrl: { readonly username: string; readonly password: string },
  supplied: SuppliedCredentials
): Option.Option<Credentials> => {
  const username = Option.orElse(supplied.username, () =>
    inUrl.username === "" ? Option.none() : Option.some(inUrl.username)
  )
  const password = Option.getOrElse(supplied.password, () => Redacted.make(inUrl.password))
  return Option.map(username, (name) => ({ username: name, password }))
}

/** `scheme://[user[:password]@]host[:port]/path`: postgres://, oracle:// and mssql:// alike. */
const serverUrl = (
  url: string,
  defaultPort: number
): Either.Either<{ parsed: URL; username: string; password: string; endpoint: Endpoint; path: string }, string> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return fail(`not a valid URL (${FORMS})`)
  }
  // WHATWG URL keeps an IPv6 address's brackets in `hostname`; an endpoint's host is the bare address.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1")
  if (host === "") return fail("no host")
  return Either.all({
    username: decode("user name", parsed.username),
    password: decode("password", parsed.password),
    path: decode("database name", parsed.pathname.replace(/^\//, ""))
  }).pipe(
    Either.map((parts) => ({
      parsed,
      ...parts,
      endpoint: { host, port: parsed.port === "" ? defaultPort : Number(parsed.port) }
    }))
  )
}

const postgresTarget = (url: string, supplied: SuppliedCredentials) =>
  Either.map(serverUrl(url, 5432), ({ parsed, username, password, endpoint }) => {
    parsed.username = ""
    parsed.password = ""
    return {
      _tag: "postgres" as const,
      url: parsed.href,
      endpoints: [endpoint],
      credentials: credentialsOf({ username, password }, supplied)
    }
  })

const mssqlTarget = (url: string, supplied: SuppliedCredentials) =>
  Either.map(serverUrl(url, 1433), ({ username, password, endpoint, path }) => ({
    _tag: "mssql" as const,
    endpoints: [endpoint],
    database: path === "" ? "master" : path,
    credentials: credentialsOf({ username, password }, supplied)
  }))

type OracleTarget = Extract<DatabaseTarget, { _tag: "oracle" }>

const oracleTarget = (
  location: OracleLocation,
  inUrl: { readonly username: string; readonly password: string },
  supplied: SuppliedCredentials
): OracleTarget => ({ _tag: "oracle", ...location, credentials: credentialsOf(inUrl, supplied) })

const bracketed = (host: string) => (host.includes(":") ? `[${host}]` : host)

/** Easy Connect, `host:port/service[?options]`: what oracledb's thin mode takes as it is. */
const easyConnect = (endpoint: Endpoint, service: string, options = "") => ({
  connectString: `${bracketed(endpoint.host)}:${endpoint.port}/${service}${options}`,
  endpoints: [endpoint],
  services: [service],
  sids: []
})

const oracleUrlTarget = (url: string, supplied: SuppliedCredentials) =>
  Either.flatMap(serverUrl(url, ORACLE_PORT), ({ username, password, endpoint, path }) =>
    path === ""
      ? fail("an oracle:// URL needs the service name, oracle://host:port/SERVICE")
      : Either.right(oracleTarget(easyConnect(endpoint, path), { username, password }, supplied))
  )

type OracleLocation = Omit<OracleTarget, "_tag" | "credentials">

/**
 * A SID has no Easy Connect form in oracledb's thin mode: it connects through the equivalent connect descriptor
 * (what the JDBC driver does with `@host:port:SID` too).
 */
const sidDescriptor = (endpoint: Endpoint, sid: string): OracleLocation => ({
  connectString: `(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=${endpoint.host})(PORT=${endpoint.port}))(CONNECT_DATA=(SID=${sid})))`,
  endpoints: [endpoint],
  services: [],
  sids: [sid]
})

const balanced = (text: string) => {
  let depth = 0
  for (const c of text) {
    if (c === "(") depth++
    else if (c === ")" && --depth < 0) return false
  }
  return depth === 0
}

const all = (text: string, key: string) =>
  [...text.matchAll(new RegExp(`\\(\\s*${key}\\s*=\\s*"?([^)\\s"]+)"?\\s*\\)`, "gi"))].map((m) => m[1]!)

/** `(DESCRIPTION=…)` passed to oracledb as it is; its hosts, ports, service names and SIDs read for the rest. */
const connectDescriptor = (text: string): Either.Either<OracleLocation, string> => {
  if (!/^\(\s*DESCRIPTION(_LIST)?\s*=/i.test(text) || !balanced(text)) {
    return fail("the JDBC connect descriptor is not a balanced (DESCRIPTION=…)")
  }
  const hosts = all(text, "HOST")
  const ports = all(text, "PORT")
  const services = all(text, "SERVICE_NAME")
  const sids = all(text, "SID")
  if (hosts.length === 0) return fail("the JDBC connect descriptor names no HOST")
  if (services.length + sids.length === 0) return fail("the JDBC connect descriptor names no SERVICE_NAME or SID")
  const endpoints = hosts.map((host, i) => ({ host, port: Number(ports[i] ?? ORACLE_PORT) }))
  return Either.right({ connectString: text, endpoints, services, sids })
}

const HOST = String.raw`(\[[^\]]+\]|[^:/?@\s()]+)`
const SERVICE_FORM = new RegExp(String.raw`^(?://)?${HOST}(?::(\d+))?/([^?/\s:]+)(\?\S*)?$`)
const SID_FORM = new RegExp(String.raw`^${HOST}:(\d+):([^?/\s:]+)$`)
const JDBC = /^jdbc:oracle:thin:(?:([^/@]*)\/([^@]*))?@(.+)$/is

const endpointOf = (host: string, port: string | undefined): Endpoint => ({
  host: host.replace(/^\[(.*)\]$/, "$1"),
  port: port === undefined ? ORACLE_PORT : Number(port)
})

/** `jdbc:oracle:thin:[user/password]@` followed by `//host:port/SERVICE`, `host:port:SID` or `(DESCRIPTION=…)`. */
const jdbcOracleTarget = (url: string, supplied: SuppliedCredentials): Either.Either<OracleTarget, string> => {
  const match = JDBC.exec(url)
  if (match === null) return fail(`not a JDBC Oracle thin URL (${FORMS})`)
  const inUrl = { username: match[1] ?? "", password: match[2] ?? "" }
  const rest = match[3]!.trim()
  const service = SERVICE_FORM.exec(rest)
  const sid = SID_FORM.exec(rest)
  const location: Either.Either<OracleLocation, string> = rest.startsWith("(")
    ? connectDescriptor(rest)
    : service !== null
      ? Either.right(easyConnect(endpointOf(service[1]!, service[2]), service[3]!, service[4] ?? ""))
      : sid !== null
        ? Either.right(sidDescriptor(endpointOf(sid[1]!, sid[2]), sid[3]!))
        : fail(`the JDBC Oracle URL is none of @//host:port/SERVICE, @host:port:SID or @(DESCRIPTION=…)`)
  return Either.map(location, (l) => oracleTarget(l, inUrl, supplied))
}

/**
 * Parse `DATABASE_URL` (and the supplied credentials); anything unrecognised is a start-up error naming the variable
 * and never quoting the value.
 */
export const parseDatabaseUrl = (
  url: string,
  supplied: SuppliedCredentials = noSuppliedCredentials
): Either.Either<DatabaseTarget, string> => {
  const value = url.trim()
  if (value.startsWith("sqlite:")) {
    const filename = value.slice("sqlite:".length)
    if (filename === "") return fail("sqlite: needs a file name, e.g. sqlite:./data/delius.sqlite")
    return Either.right({ _tag: "sqlite", filename })
  }
  if (/^postgres(ql)?:\/\//i.test(value)) return postgresTarget(value, supplied)
  if (/^oracle:\/\//i.test(value)) return oracleUrlTarget(value, supplied)
  if (/^jdbc:oracle:/i.test(value)) return jdbcOracleTarget(value, supplied)
  if (/^(mssql|sqlserver):\/\//i.test(value)) return mssqlTarget(value, supplied)
  const scheme = value.includes(":") ? value.slice(0, value.indexOf(":")) : "(no scheme)"
  return fail(`unsupported database "${scheme.slice(0, 20)}" — ${FORMS}`)
}

/** `host:port` of each address, for /info and the messages that must name where the database is (never credentials). */
export const describeEndpoints = (target: DatabaseTarget): string =>
  target._tag === "sqlite" ? target.filename : target.endpoints.map((e) => `${bracketed(e.host)}:${e.port}`).join(", ")

export type EnvironmentName = "dev" | "preprod" | "prod"

/**
 * The Delius databases a non-production run must never reach (DESIGN.md, Configuration): an Oracle service or SID
 * named PRDNDA is production's, PRENDA pre-production's — in any case, as a whole word of the name (`PRDNDA_TAF`,
 * `prdnda.world`).
 */
const PROTECTED: ReadonlyArray<{
  readonly name: string
  readonly what: string
  readonly allowed: ReadonlyArray<EnvironmentName>
}> = [
  { name: "PRDNDA", what: "the production Delius database", allowed: ["prod"] },
  { name: "PRENDA", what: "the pre-production Delius database", allowed: ["preprod", "prod"] }
]

const names = (name: string, candidate: string) => new RegExp(`(^|[^A-Z0-9])${name}([^A-Z0-9]|$)`, "i").test(candidate)

/**
 * Why this run must not connect to `target`, if it must not: checked before any connection is made. `environment`
 * is `ENVIRONMENT_NAME` (none: a local run).
 */
export const environmentRefusal = (
  target: DatabaseTarget,
  environment: Option.Option<EnvironmentName>
): Option.Option<string> => {
  if (target._tag !== "oracle") return Option.none()
  const candidates = [...target.services.map((s) => `service ${s}`), ...target.sids.map((s) => `SID ${s}`)]
  for (const database of PROTECTED) {
    const hit = candidates.find((candidate) => names(database.name, candidate.slice(candidate.indexOf(" ") + 1)))
    if (hit === undefined) continue
    if (Option.isSome(environment) && database.allowed.includes(environment.value)) continue
    const setting = Option.match(environment, {
      onNone: () => "ENVIRONMENT_NAME is not set (a local run)",
      onSome: (name) => `ENVIRONMENT_NAME is ${name}`
    })
    const allowed = database.allowed.map((name) => `ENVIRONMENT_NAME=${name}`).join(" or ")
    return Option.some(
      `${setting} and DATABASE_URL is ${database.what} (${hit}): refusing to connect; only ${allowed} may use it`
    )
  }
  return Option.none()
}
