/**
 * The Delius user directory (spec §3.4): staff users are LDAP `inetOrgPerson` entries `cn={username},ou=Users,<base>`.
 * The service reads them for the community manager's email/telephone (§4.3) and for `/users/{username}/details`
 * (§4.10). Attributes: `cn` → username, `givenName` → forename, `sn` → surname, `mail` → email,
 * `telephoneNumber` → telephone. Any of them may be absent on a real entry, hence the nulls.
 */

import { Clock, Config, type ConfigError, Context, Data, Duration, Effect, Layer, Option, Redacted } from "effect"
// ldapts is imported when an LDAP directory is built (makeLdap), not with core: a host on the embedded directory never
// loads it, so an HTTP-only host loads no LDAP modules unless configured (start-up time and memory).
import type { Client, Entry, Filter } from "ldapts"
import { describeFailure } from "../describe.js"
import { DirectoryError } from "../errors.js"
import { annotateSpan, traced } from "../telemetry/spans.js"

type Ldapts = typeof import("ldapts")

export interface DirectoryUser {
  readonly username: string
  readonly forename: string | null
  readonly surname: string | null
  readonly email: string | null
  readonly telephoneNumber: string | null
}

export interface UserDirectoryShape {
  /** The entry whose `cn` equals `username` (LDAP equality on cn, i.e. case-insensitive); None when there is none. */
  readonly findUser: (username: string) => Effect.Effect<Option.Option<DirectoryUser>, DirectoryError>
  /**
   * Several users in as few searches as possible. Keys are the usernames as requested (only those found); a
   * requested name matches an entry whose cn equals it ignoring case, as LDAP does.
   */
  readonly findUsers: (usernames: Iterable<string>) => Effect.Effect<ReadonlyMap<string, DirectoryUser>, DirectoryError>
}

export interface LdapDirectoryConfig {
  /** `ldap://host:port` or `ldaps://host:port` (LDAP_URL, spec §10). */
  readonly url: string
  readonly bindDn: string
  readonly bindPassword: Redacted.Redacted<string>
  /** Directory base (LDAP_BASE, spec §3.4/§10); users are searched one level under `ou=Users,<base>` (§13 item 3). */
  readonly base?: string
  /** Upper bound for one lookup including (re)connect and bind; default 5000 ms. */
  readonly timeoutMs?: number
}

export const DEFAULT_LDAP_BASE = "dc=moj,dc=com"
const DEFAULT_TIMEOUT_MS = 5_000
/**
 * A connection idle for longer than this is replaced before use. Firewalls and NAT gateways drop idle TCP flows without
 * telling either end; a request written into such a socket only fails at the lookup timeout, too late to retry.
 */
const MAX_IDLE_MS = 60_000
/** Usernames per search in `findUsers`, to keep filters (and server-side evaluation) small. */
const FIND_USERS_CHUNK = 50
const ATTRIBUTES = ["cn", "sn", "givenName", "mail", "telephoneNumber"]

/** dev-dataset §2.6: the embedded LDAP holds exactly one entry, `cn=john-smith`. */
export const devDirectoryUsers: ReadonlyArray<DirectoryUser> = [
  {
    username: "john-smith",
    forename: "John",
    surname: "Smith",
    email: "john.smith@moj.gov.uk",
    telephoneNumber: "07321165373"
  }
]

export class UserDirectory extends Context.Tag("@ram-delius/core/UserDirectory")<UserDirectory, UserDirectoryShape>() {
  /** Delius LDAP through `ldapts`: one bound connection shared by all lookups, re-established after any failure. */
  static ldap(config: LdapDirectoryConfig): Layer.Layer<UserDirectory> {
    return Layer.scoped(UserDirectory, makeLdap(config))
  }

  /** In-memory directory (dev and tests; DESIGN.md: no `LDAP_URL` → the embedded directory). */
  static embedded(users: ReadonlyArray<DirectoryUser> = devDirectoryUsers): Layer.Layer<UserDirectory> {
    return Layer.succeed(UserDirectory, makeEmbedded(users))
  }

  /**
   * `LDAP_URL` (blank or unset → embedded), `LDAP_BIND_DN`, `LDAP_BIND_PASSWORD` (redacted), `LDAP_BASE` (default
   * `dc=moj,dc=com`). Bind DN and password are required once a URL is given.
   */
  static readonly layerFromConfig: Layer.Layer<UserDirectory, ConfigError.ConfigError> = Layer.unwrapEffect(
    Effect.gen(function* () {
      const url = (yield* Config.string("LDAP_URL").pipe(Config.withDefault(""))).trim()
      if (url === "") return UserDirectory.embedded()
      const bindDn = yield* Config.string("LDAP_BIND_DN")
      const bindPassword = yield* Config.redacted("LDAP_BIND_PASSWORD")
      const base = yield* Config.string("LDAP_BASE").pipe(Config.withDefault(DEFAULT_LDAP_BASE))
      return UserDirectory.ldap({ url, bindDn, bindPassword, base })
    })
  )
}

// --- embedded -------------------------------------------------------------------------------------------------------

const makeEmbedded = (users: ReadonlyArray<DirectoryUser>): UserDirectoryShape => {
  // cn uses caseIgnoreMatch in the LDAP schema, so the embedded directory matches ignoring case too.
  const byName = new Map<string, DirectoryUser>()
  for (const user of users) {
    const key = user.username.toLowerCase()
    if (!byName.has(key)) byName.set(key, user)
  }
  const findUser = Effect.fnUntraced(function* (username: string) {
    yield* annotateSpan({ "directory.username": username })
    return Option.fromNullable(byName.get(username.toLowerCase()))
  }, traced("UserDirectory.findUser"))
  const findUsers = Effect.fnUntraced(function* (usernames: Iterable<string>) {
    const found = new Map<string, DirectoryUser>()
    for (const name of usernames) {
      const user = byName.get(name.toLowerCase())
      if (user !== undefined) found.set(name, user)
    }
    return found as ReadonlyMap<string, DirectoryUser>
  }, traced("UserDirectory.findUsers"))
  return { findUser, findUsers }
}

// --- LDAP -----------------------------------------------------------------------------------------------------------

/** A failure on a connection that had served earlier lookups: the server may have dropped it, so retry once. */
class StaleConnection extends Data.TaggedError("StaleConnection")<{ readonly error: DirectoryError }> {}

const valueOf = (entry: Entry, name: string): string | null => {
  const lower = name.toLowerCase()
  const key = Object.keys(entry).find((k) => k.toLowerCase() === lower)
  if (key === undefined) return null
  const raw = entry[key]
  const first = Array.isArray(raw) ? raw[0] : raw
  if (first === undefined) return null
  return Buffer.isBuffer(first) ? first.toString("utf8") : first
}

const valuesOf = (entry: Entry, name: string): ReadonlyArray<string> => {
  const lower = name.toLowerCase()
  const key = Object.keys(entry).find((k) => k.toLowerCase() === lower)
  const raw = key === undefined ? [] : entry[key]
  const list: ReadonlyArray<string | Buffer> = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString("utf8") : v))
}

/** `cn` may be multi-valued: report the value the caller asked for (in the directory's spelling) when present. */
const toUser = (entry: Entry, requested: string): DirectoryUser => {
  const cns = valuesOf(entry, "cn")
  const username = cns.find((cn) => cn.toLowerCase() === requested.toLowerCase()) ?? cns[0] ?? requested
  return {
    username,
    forename: valueOf(entry, "givenName"),
    surname: valueOf(entry, "sn"),
    email: valueOf(entry, "mail"),
    telephoneNumber: valueOf(entry, "telephoneNumber")
  }
}

/**
 * `(&(objectClass=inetOrgPerson)(cn=<username>))` (§3.4: Spring LDAP ODM adds the objectClass term). Built from
 * ldapts filter objects, never by string concatenation: the value travels as a BER octet string, so characters that
 * RFC 4515 escapes (`*`, `(`, `)`, `\`, NUL) can only ever be matched literally — `*` is not a wildcard and `)(` cannot
 * open a new term. `toString()` renders the RFC 4515-escaped text, used for logs.
 */
const userFilter = (ldap: Ldapts, usernames: ReadonlyArray<string>): Filter => {
  const cn = usernames.map((value) => new ldap.EqualityFilter({ attribute: "cn", value }))
  return new ldap.AndFilter({
    filters: [
      new ldap.EqualityFilter({ attribute: "objectClass", value: "inetOrgPerson" }),
      cn.length === 1 && cn[0] !== undefined ? cn[0] : new ldap.OrFilter({ filters: cn })
    ]
  })
}

/** A connection that had served lookups, or a fresh one. */
interface Connection {
  readonly client: Client
  /** true when the connection already served earlier lookups (so it may have gone stale since). */
  readonly reused: boolean
}

/**
 * The one bound connection. Spring LDAP used a pooled context source (§3.4). ldapts multiplexes concurrent operations
 * over one connection by message id, so a single bound client is enough; the lock only serialises (re)connecting so
 * that concurrent first lookups share one bind.
 */
const ldapConnection = Effect.fnUntraced(function* (ldap: Ldapts, config: LdapDirectoryConfig, timeoutMs: number) {
  const lock = yield* Effect.makeSemaphore(1)
  let current: Client | undefined
  let lastUsedMillis = 0

  const secretFree = (text: string): string => {
    const password = Redacted.value(config.bindPassword)
    return password === "" ? text : text.split(password).join("<redacted>")
  }
  /** ldapts result-code errors carry only the server's (often empty) diagnostic text: name the result code too. */
  const describe = (e: unknown): string => {
    if (e instanceof ldap.ResultCodeError) {
      const diagnostic = e.message.replace(/\s*Code: 0x[0-9a-f]+$/i, "").trim()
      return secretFree(`${e.name} (LDAP result code ${e.code})${diagnostic === "" ? "" : `: ${diagnostic}`}`)
    }
    return secretFree(describeFailure(e))
  }

  /** Drop a connection; unbind is fire-and-forget because a hung server must not hold up the caller. */
  const drop = (client: Client): void => {
    if (current === client) current = undefined
    client.unbind().catch(() => undefined)
  }
  const discard = (client: Client) => Effect.sync(() => drop(client))

  const open: Effect.Effect<Client, DirectoryError> = Effect.gen(function* () {
    const client = yield* Effect.try({
      // ldapts also bounds each operation (`timeout`) and the TCP connect (`connectTimeout`) itself, so a request
      // abandoned by our own timeout still gets its socket destroyed.
      try: () => new ldap.Client({ url: config.url, timeout: timeoutMs, connectTimeout: timeoutMs }),
      catch: (e) => new DirectoryError({ message: `Invalid LDAP URL ${config.url}: ${describe(e)}`, cause: e })
    })
    yield* Effect.tryPromise({
      try: () => client.bind(config.bindDn, Redacted.value(config.bindPassword)),
      // Names the URL and bind DN, never the password (which is also scrubbed from the server's text).
      catch: (e) =>
        new DirectoryError({
          message: `LDAP bind to ${config.url} as ${config.bindDn} failed: ${describe(e)}`,
          cause: e
        })
    }).pipe(Effect.onError(() => discard(client))) // failed or interrupted by the lookup timeout
    current = client
    lastUsedMillis = yield* Clock.currentTimeMillis
    return client
  })

  const connect: Effect.Effect<Connection, DirectoryError> = lock.withPermits(1)(
    Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<Connection, DirectoryError> => {
      if (current !== undefined && current.isConnected && now - lastUsedMillis < MAX_IDLE_MS) {
        return Effect.succeed({ client: current, reused: true })
      }
      // Never connected, closed by the server (idle timeout, restart), or idle long enough to be suspect: reconnect.
      if (current !== undefined) drop(current)
      return Effect.map(open, (client) => ({ client, reused: false }))
    })
  )

  const used = Effect.map(Clock.currentTimeMillis, (now) => {
    lastUsedMillis = now
  })
  // Layer released (host shutdown): unbind politely.
  yield* Effect.addFinalizer(() => Effect.suspend(() => (current !== undefined ? discard(current) : Effect.void)))
  return { connect, discard, used, describe, secretFree }
})

/** One search, bounded in time, retried once on a fresh connection if a reused one turned out to be dead. */
const ldapSearch = (
  ldap: Ldapts,
  connection: Effect.Effect.Success<ReturnType<typeof ldapConnection>>,
  usersDn: string,
  where: string,
  timeoutMs: number
) => {
  const { describe, discard, secretFree } = connection
  const searchOnce = Effect.fnUntraced(function* (filter: Filter, sizeLimit: number) {
    const { client, reused } = yield* connection.connect
    return yield* Effect.tryPromise({
      try: () =>
        client.search(usersDn, {
          scope: "one", // §3.4 / §13 item 3: one level under ou=Users
          derefAliases: "never", // §3.4 / §10: java.naming.ldap.derefAliases=never
          filter,
          attributes: ATTRIBUTES,
          sizeLimit,
          timeLimit: Math.max(1, Math.ceil(timeoutMs / 1000))
        }),
      catch: (e) => e
    }).pipe(
      Effect.tap(() => connection.used),
      // Interrupted by the lookup timeout: the connection may be wedged, so do not reuse it.
      Effect.onInterrupt(() => discard(client)),
      Effect.catchAll((e): Effect.Effect<never, DirectoryError | StaleConnection> => {
        const error = new DirectoryError({
          message: `LDAP search for ${secretFree(filter.toString())} under ${where} failed: ${describe(e)}`,
          cause: e
        })
        // An LDAP result code means the server answered: the connection is fine and retrying will not help.
        if (e instanceof ldap.ResultCodeError) return Effect.fail(error)
        return discard(client).pipe(Effect.zipRight(Effect.fail(reused ? new StaleConnection({ error }) : error)))
      })
    )
  })

  return (filter: Filter, sizeLimit: number) =>
    searchOnce(filter, sizeLimit).pipe(
      Effect.catchTag("StaleConnection", () =>
        searchOnce(filter, sizeLimit).pipe(Effect.catchTag("StaleConnection", (s) => Effect.fail(s.error)))
      ),
      Effect.timeoutFail({
        duration: Duration.millis(timeoutMs),
        onTimeout: () =>
          new DirectoryError({
            message: `LDAP lookup ${secretFree(filter.toString())} at ${where} timed out after ${timeoutMs} ms`
          })
      })
    )
}

const makeLdap = Effect.fnUntraced(function* (config: LdapDirectoryConfig) {
  const ldap: Ldapts = yield* Effect.promise(() => import("ldapts"))
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const usersDn = `ou=Users,${config.base ?? DEFAULT_LDAP_BASE}`
  const where = `${config.url} (${usersDn})`
  const search = ldapSearch(ldap, yield* ldapConnection(ldap, config, timeoutMs), usersDn, where, timeoutMs)

  const findUser = Effect.fnUntraced(function* (username: string) {
    yield* annotateSpan({ "directory.username": username })
    // sizeLimit 2: enough to notice a duplicate without fetching every match.
    const { searchEntries } = yield* search(userFilter(ldap, [username]), 2)
    const [first, ...others] = searchEntries
    if (first === undefined) return Option.none<DirectoryUser>()
    if (others.length > 0) {
      // §3.4 expects exactly one entry. Serving the first keeps the endpoints (§4.3, §4.10) answering while the
      // warning tells support that the directory holds duplicates.
      yield* Effect.logWarning("More than one LDAP entry matches the username; using the first").pipe(
        Effect.annotateLogs({ username, dn: first.dn, base: usersDn })
      )
    }
    return Option.some(toUser(first, username))
  }, traced("UserDirectory.findUser"))

  const findUsers = Effect.fnUntraced(function* (usernames: Iterable<string>) {
    const wanted = [...new Set(usernames)]
    const found = new Map<string, DirectoryUser>()
    for (let i = 0; i < wanted.length; i += FIND_USERS_CHUNK) {
      const chunk = wanted.slice(i, i + FIND_USERS_CHUNK)
      const { searchEntries } = yield* search(userFilter(ldap, chunk), 0)
      for (const name of chunk) {
        const lower = name.toLowerCase()
        const entry = searchEntries.find((e) => valuesOf(e, "cn").some((cn) => cn.toLowerCase() === lower))
        if (entry !== undefined) found.set(name, toUser(entry, name))
      }
    }
    return found as ReadonlyMap<string, DirectoryUser>
  }, traced("UserDirectory.findUsers"))

  return UserDirectory.of({ findUser, findUsers })
})
