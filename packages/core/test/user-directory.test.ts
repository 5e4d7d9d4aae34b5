import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { afterAll, beforeAll } from "vitest"
import { type DirectoryUser, type LdapDirectoryConfig, UserDirectory } from "../src/directory/UserDirectory.js"
import { SPECIAL_USERNAME, type Slapd, slapdAvailable, startSlapd } from "./support/slapd.js"

/**
 * The Delius user directory (spec §3.4, §4.3, §4.10) against a real OpenLDAP server and the embedded directory.
 * LDAP tests use `it.live`: lookups are bounded by real timeouts, which the TestClock of `it.effect` would never fire.
 */

const JOHN_SMITH: DirectoryUser = {
  username: "john-smith",
  forename: "John",
  surname: "Smith",
  email: "john.smith@moj.gov.uk",
  telephoneNumber: "07321165373"
}

/** Filter-injection attempts: each would match an entry if the username were concatenated into the filter text. */
const INJECTIONS = ["*", "john*", "*)(cn=john-smith", ")(cn=*", "john-smith)(|(cn=*", "o'brien*", "*(test)", "\\2a"]

const TIMEOUT_MS = 1_500

const findUser = (username: string) => Effect.flatMap(UserDirectory, (d) => d.findUser(username))
const findUsers = (usernames: ReadonlyArray<string>) => Effect.flatMap(UserDirectory, (d) => d.findUsers(usernames))

const ldapConfig = (server: Slapd, overrides: Partial<LdapDirectoryConfig> = {}): LdapDirectoryConfig => ({
  url: server.url,
  bindDn: server.bindDn,
  bindPassword: Redacted.make(server.bindPassword),
  base: server.base,
  timeoutMs: TIMEOUT_MS,
  ...overrides
})

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const start = Date.now()
    const exit = yield* Effect.exit(effect)
    return { exit, elapsedMs: Date.now() - start }
  })

const expectDirectoryError = <A, E>(exit: Exit.Exit<A, E>) => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const failure = Cause.failureOption(exit.cause)
  expect(Option.isSome(failure)).toBe(true)
  const error = Option.getOrThrow(failure) as { _tag: string; message: string }
  expect(error._tag).toBe("DirectoryError")
  return { error, pretty: Cause.pretty(exit.cause) }
}

const skipLdap = !slapdAvailable() && process.env.REQUIRE_SLAPD !== "1"
if (skipLdap) {
  console.info(
    "UserDirectory.ldap tests skipped: slapd is not installed (DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils). CI installs it."
  )
}

describe.skipIf(skipLdap)("UserDirectory.ldap against slapd", () => {
  let server: Slapd
  beforeAll(async () => {
    server = await startSlapd()
  })
  afterAll(async () => {
    await server?.stop()
  })
  const ldap = () => UserDirectory.ldap(ldapConfig(server))

  it.live("finds john-smith with every attribute (dev-dataset §2.6)", () =>
    Effect.gen(function* () {
      expect(yield* findUser("john-smith")).toEqual(Option.some(JOHN_SMITH))
    }).pipe(Effect.provide(ldap()))
  )

  it.live("matches cn ignoring case, as LDAP does, and reports the directory's spelling", () =>
    Effect.gen(function* () {
      expect(yield* findUser("John-Smith")).toEqual(Option.some(JOHN_SMITH))
    }).pipe(Effect.provide(ldap()))
  )

  it.live("unknown user → None", () =>
    Effect.gen(function* () {
      expect(yield* findUser("jane-doe")).toEqual(Option.none())
      expect(yield* findUser("")).toEqual(Option.none())
    }).pipe(Effect.provide(ldap()))
  )

  it.live("searches one level under ou=Users only (§13 item 3)", () =>
    Effect.gen(function* () {
      expect(yield* findUser("outside-users")).toEqual(Option.none())
    }).pipe(Effect.provide(ldap()))
  )

  it.live("filter-injection attempts find nothing: the username is matched literally", () =>
    Effect.gen(function* () {
      for (const attempt of INJECTIONS) {
        expect({ attempt, found: yield* findUser(attempt) }).toEqual({ attempt, found: Option.none() })
      }
    }).pipe(Effect.provide(ldap()))
  )

  it.live("finds the user whose cn needs escaping by its exact name", () =>
    Effect.gen(function* () {
      expect(yield* findUser(SPECIAL_USERNAME)).toEqual(
        Option.some({
          username: SPECIAL_USERNAME,
          forename: "Pat",
          surname: "O'Brien",
          email: "pat.obrien@moj.gov.uk",
          telephoneNumber: null
        })
      )
    }).pipe(Effect.provide(ldap()))
  )

  it.live("absent optional attributes come back as null", () =>
    Effect.gen(function* () {
      expect(yield* findUser("no-contact")).toEqual(
        Option.some({
          username: "no-contact",
          forename: null,
          surname: "Nocontact",
          email: null,
          telephoneNumber: null
        })
      )
    }).pipe(Effect.provide(ldap()))
  )

  it.live("more than one matching entry → the first one", () =>
    Effect.gen(function* () {
      const found = yield* findUser("duplicate")
      expect(Option.map(found, (u) => u.username)).toEqual(Option.some("duplicate"))
      expect(["One", "Two"]).toContain(Option.getOrThrow(found).surname)
    }).pipe(Effect.provide(ldap()))
  )

  it.live("findUsers returns the requested names that exist, keyed as requested", () =>
    Effect.gen(function* () {
      const found = yield* findUsers(["john-smith", "jane-doe", SPECIAL_USERNAME, "*", "JOHN-SMITH"])
      expect([...found.keys()].sort()).toEqual(["JOHN-SMITH", SPECIAL_USERNAME, "john-smith"].sort())
      expect(found.get("john-smith")).toEqual(JOHN_SMITH)
      expect(found.get("JOHN-SMITH")).toEqual(JOHN_SMITH)
      expect(found.get(SPECIAL_USERNAME)?.surname).toBe("O'Brien")
      expect((yield* findUsers([])).size).toBe(0)
    }).pipe(Effect.provide(ldap()))
  )

  it.live("concurrent lookups share one connection and all succeed", () =>
    Effect.gen(function* () {
      const results = yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => findUser(i % 2 === 0 ? "john-smith" : "jane-doe")),
        { concurrency: "unbounded" }
      )
      expect(results.filter(Option.isSome)).toHaveLength(10)
    }).pipe(Effect.provide(ldap()))
  )

  it.live("wrong bind password → DirectoryError that does not reveal the password", () => {
    const wrongPassword = "Wr0ng-S3cret-Passw0rd"
    return Effect.gen(function* () {
      const { exit, elapsedMs } = yield* timed(findUser("john-smith"))
      const { error, pretty } = expectDirectoryError(exit)
      expect(error.message).toContain("bind")
      expect(error.message).toContain(server.bindDn)
      expect(error.message).not.toContain(wrongPassword)
      expect(pretty).not.toContain(wrongPassword)
      expect(JSON.stringify(error)).not.toContain(wrongPassword)
      expect(elapsedMs).toBeLessThan(TIMEOUT_MS + 1_000)
    }).pipe(Effect.provide(UserDirectory.ldap(ldapConfig(server, { bindPassword: Redacted.make(wrongPassword) }))))
  })

  it.live("wrong base → DirectoryError, not None (a misconfiguration must not look like 'no such user')", () =>
    Effect.gen(function* () {
      expectDirectoryError(yield* Effect.exit(findUser("john-smith")))
    }).pipe(Effect.provide(UserDirectory.ldap(ldapConfig(server, { base: "dc=nowhere,dc=com" }))))
  )

  it.live("nothing listening → DirectoryError quickly", () =>
    Effect.gen(function* () {
      const { exit, elapsedMs } = yield* timed(findUser("john-smith"))
      expectDirectoryError(exit)
      expect(elapsedMs).toBeLessThan(TIMEOUT_MS + 1_000)
    }).pipe(Effect.provide(UserDirectory.ldap(ldapConfig(server, { url: "ldap://127.0.0.1:1/" }))))
  )
})

/** Each test here stops or freezes its own server, so it does not disturb the shared one above. */
describe.skipIf(skipLdap)("UserDirectory.ldap when the server goes away", () => {
  const withServer = <A, E, R>(use: (server: Slapd) => Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      Effect.promise(() => startSlapd()),
      use,
      (server) => Effect.promise(() => server.stop())
    )

  it.live("slapd stopped mid-test → DirectoryError within the lookup timeout, not a hang", () =>
    withServer((server) =>
      Effect.gen(function* () {
        expect(yield* findUser("john-smith")).toEqual(Option.some(JOHN_SMITH))
        yield* Effect.promise(() => server.stop())
        const { exit, elapsedMs } = yield* timed(findUser("john-smith"))
        expectDirectoryError(exit)
        expect(elapsedMs).toBeLessThan(TIMEOUT_MS + 1_000)
      }).pipe(Effect.provide(UserDirectory.ldap(ldapConfig(server))))
    )
  )

  it.live("hung server (accepts, never answers) → DirectoryError after the timeout; recovers once it answers", () =>
    withServer((server) =>
      Effect.gen(function* () {
        expect(yield* findUser("john-smith")).toEqual(Option.some(JOHN_SMITH))
        yield* Effect.promise(() => server.pause())
        const { exit, elapsedMs } = yield* timed(findUser("john-smith"))
        server.resume()
        const { error } = expectDirectoryError(exit)
        expect(error.message).toContain("timed out")
        expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
        expect(elapsedMs).toBeLessThan(TIMEOUT_MS + 1_000)
        // The wedged connection was dropped: the next lookup reconnects and binds again.
        expect(yield* findUser("john-smith")).toEqual(Option.some(JOHN_SMITH))
      }).pipe(Effect.provide(UserDirectory.ldap(ldapConfig(server))))
    )
  )

  it.live("hung server during the first bind → DirectoryError after the timeout", () =>
    withServer((server) =>
      Effect.gen(function* () {
        yield* Effect.promise(() => server.pause())
        const { exit, elapsedMs } = yield* timed(findUser("john-smith"))
        server.resume()
        expectDirectoryError(exit)
        expect(elapsedMs).toBeLessThan(TIMEOUT_MS + 1_000)
      }).pipe(Effect.provide(UserDirectory.ldap(ldapConfig(server))))
    )
  )

  it.live("server restarted on the same address → the next lookup reconnects and binds again", () =>
    Effect.gen(function* () {
      const first = yield* Effect.promise(() => startSlapd())
      yield* Effect.gen(function* () {
        expect(yield* findUser("john-smith")).toEqual(Option.some(JOHN_SMITH))
        yield* Effect.promise(() => first.stop())
        yield* Effect.acquireRelease(
          Effect.promise(() => startSlapd({ port: first.port, bindPassword: first.bindPassword })),
          (second) => Effect.promise(() => second.stop())
        )
        expect(yield* findUser("john-smith")).toEqual(Option.some(JOHN_SMITH))
      }).pipe(
        Effect.provide(UserDirectory.ldap(ldapConfig(first))),
        Effect.scoped,
        Effect.ensuring(Effect.promise(() => first.stop()))
      )
    })
  )
})

describe("UserDirectory.embedded", () => {
  it.effect("finds john-smith with every attribute by default (dev-dataset §2.6)", () =>
    Effect.gen(function* () {
      expect(yield* findUser("john-smith")).toEqual(Option.some(JOHN_SMITH))
      expect(yield* findUser("JOHN-SMITH")).toEqual(Option.some(JOHN_SMITH))
    }).pipe(Effect.provide(UserDirectory.embedded()))
  )

  it.effect("unknown user and wildcards → None", () =>
    Effect.gen(function* () {
      expect(yield* findUser("jane-doe")).toEqual(Option.none())
      for (const attempt of INJECTIONS) expect(yield* findUser(attempt)).toEqual(Option.none())
    }).pipe(Effect.provide(UserDirectory.embedded()))
  )

  it.effect("findUsers", () =>
    Effect.gen(function* () {
      const found = yield* findUsers(["john-smith", "jane-doe"])
      expect([...found.entries()]).toEqual([["john-smith", JOHN_SMITH]])
    }).pipe(Effect.provide(UserDirectory.embedded()))
  )

  it.effect("holds the users it is given", () =>
    Effect.gen(function* () {
      expect(yield* findUser("john-smith")).toEqual(Option.none())
      expect(Option.map(yield* findUser(SPECIAL_USERNAME), (u) => u.surname)).toEqual(Option.some("O'Brien"))
    }).pipe(
      Effect.provide(
        UserDirectory.embedded([
          { username: SPECIAL_USERNAME, forename: null, surname: "O'Brien", email: null, telephoneNumber: null }
        ])
      )
    )
  )
})

const fromConfig = (env: Record<string, string>) =>
  UserDirectory.layerFromConfig.pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
  )

describe("UserDirectory.layerFromConfig", () => {
  it.live("LDAP_URL unset → the embedded directory", () =>
    Effect.gen(function* () {
      expect(yield* findUser("john-smith")).toEqual(Option.some(JOHN_SMITH))
    }).pipe(Effect.provide(fromConfig({})))
  )
})

// These start slapd, so they are skipped like the other LDAP blocks when it is not installed (CI sets REQUIRE_SLAPD).
describe.skipIf(skipLdap)("UserDirectory.layerFromConfig with LDAP_URL, against slapd", () => {
  let server: Slapd
  beforeAll(async () => {
    server = await startSlapd()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it.live("LDAP_URL set → LDAP, with LDAP_BASE defaulting to dc=moj,dc=com", () =>
    Effect.gen(function* () {
      expect(yield* findUser(SPECIAL_USERNAME)).toEqual(
        Option.some(expect.objectContaining({ username: SPECIAL_USERNAME }))
      )
    }).pipe(
      Effect.provide(
        fromConfig({ LDAP_URL: server.url, LDAP_BIND_DN: server.bindDn, LDAP_BIND_PASSWORD: server.bindPassword })
      )
    )
  )

  it.live("LDAP_URL set without bind credentials → configuration error", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Layer.build(fromConfig({ LDAP_URL: server.url })).pipe(Effect.scoped))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "").toContain("LDAP_BIND_DN")
    })
  )
})
