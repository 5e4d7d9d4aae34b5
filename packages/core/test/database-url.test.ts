import { SqlClient } from "@effect/sql"
import { ConfigProvider, Effect, Either, Exit, Layer, Option, Redacted } from "effect"
import { createServer } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Database from "../src/delius/database.js"
import type { DatabaseTarget, EnvironmentName } from "../src/delius/databaseUrl.js"
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js"

/**
 * DATABASE_URL with DATABASE_USERNAME / DATABASE_PASSWORD beside it, the JDBC forms Delius namespace secrets hold, the
 * environment guard (DESIGN.md, Configuration), and a start against a database that cannot be reached.
 */

const PASSWORD = "Recognisable-Pa55word-7731"
const supplied = (username?: string, password?: string): Database.SuppliedCredentials => ({
  username: Option.fromNullable(username),
  password: Option.map(Option.fromNullable(password), Redacted.make)
})

const parse = (url: string, credentials = supplied()) => {
  const result = Database.parseDatabaseUrl(url, credentials)
  if (Either.isLeft(result)) throw new Error(result.left)
  return result.right
}
const oracle = (url: string) => {
  const target = parse(url)
  if (target._tag !== "oracle") throw new Error(`not oracle: ${target._tag}`)
  return target
}

describe("DATABASE_URL forms", () => {
  it("JDBC service form: Easy Connect, host and port, the service", () => {
    const t = oracle("jdbc:oracle:thin:@//delius-db.example:1522/DNDA_TAF")
    expect(t.connectString).toBe("delius-db.example:1522/DNDA_TAF")
    expect(t.endpoints).toEqual([{ host: "delius-db.example", port: 1522 }])
    expect(t.services).toEqual(["DNDA_TAF"])
    expect(Option.isNone(t.credentials)).toBe(true)
    // Default port, and the form without `//`.
    expect(oracle("jdbc:oracle:thin:@db.example/SVC").connectString).toBe("db.example:1521/SVC")
  })

  it("JDBC SID form: a connect descriptor with the SID (thin mode has no Easy Connect for a SID)", () => {
    const t = oracle("jdbc:oracle:thin:@db.example:1521:DNDA")
    expect(t.connectString).toBe(
      "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db.example)(PORT=1521))(CONNECT_DATA=(SID=DNDA)))"
    )
    expect(t.sids).toEqual(["DNDA"])
    expect(t.services).toEqual([])
  })

  it("JDBC DESCRIPTION form: passed as it is; every host, port, service and SID read", () => {
    const descriptor =
      "(DESCRIPTION=(ADDRESS_LIST=(ADDRESS=(PROTOCOL=TCP)(HOST=a.example)(PORT=1521))" +
      "(ADDRESS=(PROTOCOL=TCP)(HOST = b.example)(PORT = 1525)))(CONNECT_DATA=(SERVICE_NAME = DNDA_TAF)))"
    const t = oracle(`jdbc:oracle:thin:@${descriptor}`)
    expect(t.connectString).toBe(descriptor)
    expect(t.endpoints).toEqual([
      { host: "a.example", port: 1521 },
      { host: "b.example", port: 1525 }
    ])
    expect(t.services).toEqual(["DNDA_TAF"])
    expect(Database.describeEndpoints(t)).toBe("a.example:1521, b.example:1525")
  })

  it("credentials: DATABASE_USERNAME / DATABASE_PASSWORD beside a credential-less URL, and over the URL's own", () => {
    const beside = parse("jdbc:oracle:thin:@//db:1521/SVC", supplied("delius_app", PASSWORD))
    if (beside._tag !== "oracle") throw new Error("oracle expected")
    const login = Option.getOrThrow(beside.credentials)
    expect(login.username).toBe("delius_app")
    expect(Redacted.value(login.password)).toBe(PASSWORD)
    // The password is Redacted: printing the target never shows it.
    expect(JSON.stringify(beside) + String(login.password)).not.toContain(PASSWORD)
    const inUrl = oracle("jdbc:oracle:thin:scott/tiger@//db:1521/SVC")
    expect(Option.getOrThrow(inUrl.credentials).username).toBe("scott")
    const over = parse("oracle://scott:tiger@db/SVC", supplied("delius_app", PASSWORD))
    expect(over._tag === "oracle" && Option.getOrThrow(over.credentials).username).toBe("delius_app")
    const pg = parse("postgres://u:p%40ss@db.example/delius")
    expect(pg._tag === "postgres" && pg.url).toBe("postgres://db.example/delius")
    expect(pg._tag === "postgres" && Redacted.value(Option.getOrThrow(pg.credentials).password)).toBe("p@ss")
  })

  it("bad URLs are one sentence naming DATABASE_URL that never quotes the value", () => {
    for (const url of [
      "mysql://u:secret-in-url@db/x",
      "jdbc:oracle:thin:@//db:1521",
      "jdbc:oracle:thin:u/secret-in-url@db",
      "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(HOST=db)(PORT=1521))",
      "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(HOST=db)(PORT=1521)))",
      "oracle://u:secret-in-url@db",
      "sqlite:"
    ]) {
      const result = Database.parseDatabaseUrl(url)
      expect(Either.isLeft(result), url).toBe(true)
      const message = Either.isLeft(result) ? result.left : ""
      expect(message).toMatch(/^DATABASE_URL: /)
      expect(message).not.toContain("secret-in-url")
    }
  })
})

describe("the non-production guard", () => {
  const forms = (name: string) => [
    `jdbc:oracle:thin:@//delius-db:1521/${name}`,
    `jdbc:oracle:thin:@//delius-db:1521/${name.toLowerCase()}_TAF`,
    `jdbc:oracle:thin:@delius-db:1521:${name}`,
    `jdbc:oracle:thin:@delius-db/${name}`,
    `jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=${name})))`,
    `jdbc:oracle:thin:@(description=(address=(protocol=tcp)(host=db)(port=1521))(connect_data=(sid = ${name.toLowerCase()})))`,
    `oracle://u:p@delius-db:1521/${name}`,
    `oracle://delius-db/${name}.world`
  ]
  const refusal = (url: string, environment: EnvironmentName | undefined) =>
    Database.environmentRefusal(parse(url), Option.fromNullable(environment))

  it.each(forms("PRDNDA"))("production (PRDNDA) is refused unless prod: %s", (url) => {
    for (const environment of [undefined, "dev", "preprod"] as const) {
      const message = Option.getOrThrow(refusal(url, environment))
      expect(message).toMatch(/^ENVIRONMENT_NAME (is not set|is (dev|preprod))/)
      expect(message).toContain("ENVIRONMENT_NAME=prod")
    }
    expect(Option.isNone(refusal(url, "prod"))).toBe(true)
  })

  it.each(forms("PRENDA"))("pre-production (PRENDA) is refused unless preprod or prod: %s", (url) => {
    for (const environment of [undefined, "dev"] as const) expect(Option.isSome(refusal(url, environment))).toBe(true)
    expect(Option.isNone(refusal(url, "preprod"))).toBe(true)
    expect(Option.isNone(refusal(url, "prod"))).toBe(true)
  })

  it("other databases, and names that only contain the letters, are allowed anywhere", () => {
    for (const url of [
      "jdbc:oracle:thin:@//db:1521/DNDA",
      "jdbc:oracle:thin:@//db:1521/XPRDNDA",
      "jdbc:oracle:thin:@//prdnda-host:1521/TSTNDA",
      "postgres://db/prdnda",
      "sqlite:./prdnda.sqlite"
    ]) {
      expect(Option.isNone(refusal(url, undefined)), url).toBe(true)
    }
  })

  const build = (env: Record<string, string>) =>
    Effect.runPromiseExit(
      Layer.build(Database.layer).pipe(
        Effect.scoped,
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      )
    )

  it("the configured layer refuses before connecting, naming ENVIRONMENT_NAME (nothing listens on the port: a connection would fail differently)", async () => {
    const exit = await build({
      DATABASE_URL: "jdbc:oracle:thin:@//127.0.0.1:1/PRDNDA",
      DATABASE_USERNAME: "delius_app",
      DATABASE_PASSWORD: PASSWORD,
      ENVIRONMENT_NAME: "preprod"
    })
    expect(Exit.isFailure(exit)).toBe(true)
    const text = String(Exit.isFailure(exit) ? exit.cause : "")
    expect(text).toContain("ENVIRONMENT_NAME is preprod")
    expect(text).not.toContain(PASSWORD)
    // An ENVIRONMENT_NAME that is none of the three refuses too.
    const unknown = await build({ DATABASE_URL: "sqlite::memory:", ENVIRONMENT_NAME: "production" })
    expect(String(Exit.isFailure(unknown) ? unknown.cause : "")).toContain(
      "ENVIRONMENT_NAME must be dev, preprod or prod"
    )
  })
})

/** A loopback port with nothing listening on it. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

describe("connecting at start-up", () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createPostgresDatabase()
  })
  afterAll(() => db?.drop())

  const currentUser = (env: Record<string, string>) =>
    Effect.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ currentUser: string }>`SELECT current_user`).pipe(
        Effect.provide(Database.layer),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      )
    )

  it("PostgreSQL: DATABASE_USERNAME / DATABASE_PASSWORD are the login for a credential-less DATABASE_URL", async () => {
    const bare = new URL(db.url)
    bare.username = "root"
    const rows = await currentUser({
      DATABASE_URL: bare.href,
      DATABASE_USERNAME: "postgres",
      DATABASE_PASSWORD: PASSWORD
    })
    expect(rows[0]!.currentUser).toBe("postgres")
    bare.username = "postgres"
    expect((await currentUser({ DATABASE_URL: bare.href, DATABASE_USERNAME: "root" }))[0]!.currentUser).toBe("root")
  })

  const unreachable = async (target: DatabaseTarget) => {
    const exit = await Effect.runPromiseExit(Layer.build(Database.layerFromTarget(target)).pipe(Effect.scoped))
    if (Exit.isSuccess(exit)) throw new Error("the layer built against a closed port")
    const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
    expect(failure).toBeInstanceOf(Database.DatabaseUnreachable)
    return (failure as Database.DatabaseUnreachable).message
  }

  it("PostgreSQL on a closed port: DatabaseUnreachable naming host and port, never the password", async () => {
    const port = await closedPort()
    const message = await unreachable(parse(`postgres://127.0.0.1:${port}/test`, supplied("postgres", PASSWORD)))
    expect(message).toContain(`postgres database at 127.0.0.1:${port}`)
    expect(message).not.toContain(PASSWORD)
  }, 30_000)

  it("Oracle (oracledb thin) on a closed port: fails the start the same way", async () => {
    const port = await closedPort()
    const message = await unreachable(
      parse(`jdbc:oracle:thin:@//127.0.0.1:${port}/DNDA`, supplied("delius_app", PASSWORD))
    )
    expect(message).toContain(`oracle database at 127.0.0.1:${port}`)
    expect(message).not.toContain(PASSWORD)
  }, 60_000)

  it("Oracle without a login is a configuration error naming DATABASE_USERNAME, before any connection", async () => {
    const exit = await Effect.runPromiseExit(
      Layer.build(Database.layerFromTarget(parse("jdbc:oracle:thin:@//127.0.0.1:1/DNDA"))).pipe(Effect.scoped)
    )
    expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("DATABASE_USERNAME and DATABASE_PASSWORD")
  })
})
