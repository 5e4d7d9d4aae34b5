import { createPostgresDatabase, createSeededDatabase, type TestDatabase } from "@ram-delius/core/testing"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startIngestion } from "./support/ingestion.js"
import { freePort } from "./support/ports.js"

/**
 * The configuration the platform gives and the incident switches, through the built `ram-delius` as deployed:
 * DATABASE_USERNAME / DATABASE_PASSWORD beside a credential-less DATABASE_URL (the password nowhere in output,
 * /info or telemetry), a database that cannot be reached failing the start as one JSON line, the non-production
 * guard, db migrate / db seed refusing Oracle, READ_ONLY in the CLI and the host, LOG_LEVEL on every line, and the
 * human-readable lines at a terminal.
 */
const BIN = fileURLToPath(new URL("../bin/ram-delius.mjs", import.meta.url))
const CORE_LOG = fileURLToPath(new URL("../../core/dist/log.js", import.meta.url))
const PASSWORD = "Recognisable-Db-Pa55word-4410"

let dir: string
const children = new Set<ChildProcess>()
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ram-runtime-"))
})
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

const baseEnv = (): Record<string, string> => ({
  DEV_JWK_FILE: join(dir, "dev-key.json"),
  HMPPS_AUTH_URL: "",
  NODE_ENV: "test",
  LOG_FORMAT: "",
  QUEUE_HEALTH_PORT: "0",
  DEV_SQS_PORT: "0",
  DEV_REFER_AND_MONITOR_PORT: "0"
})

const start = (args: ReadonlyArray<string>, env: Record<string, string>) => {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...baseEnv(), ...env }, cwd: dir })
  children.add(child)
  let out = ""
  let err = ""
  child.stdout!.on("data", (chunk) => (out += chunk))
  child.stderr!.on("data", (chunk) => (err += chunk))
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
  return { child, out: () => out, err: () => err, exited }
}

const run = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const host = start(args, env)
  const code = await host.exited
  return { code, stdout: host.out(), stderr: host.err() }
}

const eventually = async <A>(what: string, check: () => A | undefined | false | Promise<A | undefined | false>) => {
  const deadline = Date.now() + 90_000
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const jsonLines = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>
      expect(parsed, line).toMatchObject({
        time: expect.any(String),
        level: expect.any(String),
        message: expect.any(String)
      })
      return parsed
    })

/** `serve --http` (or both hosts) started on a free port, once it answers /ping. */
const serveHttp = async (env: Record<string, string>, extraArgs: ReadonlyArray<string> = ["--http"]) => {
  const port = await freePort()
  const host = start(["serve", ...extraArgs], { PORT: String(port), ...env })
  const url = `http://127.0.0.1:${port}`
  await eventually("serve answering /ping", async () => {
    if (host.child.exitCode !== null) throw new Error(`serve exited ${host.child.exitCode}: ${host.err()}`)
    return (await fetch(`${url}/ping`).catch(() => undefined))?.status === 200
  })
  return { ...host, url }
}

const referral = (referralId: string) => ({
  contractType: "ACC",
  startedAt: "2024-06-13T17:52:26.55647055+01:00",
  sentenceId: 2, // DevIds.event.withoutNsi
  referralId,
  notes: "Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living"
})

const putReferral = (url: string, token: string, referralId: string) =>
  fetch(`${url}/probation-case/S123456/referrals`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(referral(referralId))
  })

describe("a database that cannot be reached at start-up", () => {
  it.each([
    ["PostgreSQL", (port: number) => `postgres://127.0.0.1:${port}/delius`, "postgres"],
    ["Oracle (JDBC)", (port: number) => `jdbc:oracle:thin:@//127.0.0.1:${port}/DNDA`, "oracle"]
  ])(
    "%s: serve exits 1 with one JSON error line naming host and port, never listening, no password",
    async (_name, url, dialect) => {
      const port = await freePort()
      const result = await run(["serve"], {
        PORT: String(await freePort()),
        DATABASE_URL: url(port),
        DATABASE_USERNAME: "delius_app",
        DATABASE_PASSWORD: PASSWORD
      })
      expect(result.code).toBe(1)
      const errors = jsonLines(result.stderr)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({ level: "error", type: "start" })
      expect(errors[0]!.message).toContain(`${dialect} database at 127.0.0.1:${port}`)
      expect(result.stdout).not.toMatch(/listening|health on port/i)
      expect(result.stdout + result.stderr).not.toContain(PASSWORD)
    },
    60_000
  )
})

describe("the non-production guard (ENVIRONMENT_NAME)", () => {
  it("serve and the CLI refuse the production Delius database before connecting, naming the setting", async () => {
    const port = await freePort()
    const env = {
      DATABASE_URL: `jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=${port}))(CONNECT_DATA=(SERVICE_NAME=prdnda)))`,
      DATABASE_USERNAME: "delius_app",
      DATABASE_PASSWORD: PASSWORD,
      ENVIRONMENT_NAME: "preprod"
    }
    const served = await run(["serve", "--http"], { ...env, PORT: String(await freePort()) })
    expect(served.code).toBe(1)
    const [line] = jsonLines(served.stderr)
    expect(line!.message).toContain("ENVIRONMENT_NAME is preprod")
    expect(line!.message).toContain("production Delius database")
    // Refused before connecting: no connection error.
    expect(line!.message).not.toMatch(/Cannot connect/)
    const shown = await run(["referral", "show", "X000001", "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080"], env)
    expect(shown.code).toBe(1)
    expect(shown.stdout).toBe("")
    expect(shown.stderr.trim().split("\n")).toHaveLength(1)
    expect(shown.stderr).toContain("ENVIRONMENT_NAME")
    // With ENVIRONMENT_NAME=prod it is allowed, and the attempt to connect is what fails here.
    const prod = await run(["serve", "--http"], { ...env, ENVIRONMENT_NAME: "prod", PORT: String(await freePort()) })
    expect(jsonLines(prod.stderr)[0]!.message).toContain(`oracle database at 127.0.0.1:${port}`)
    for (const text of [served.stderr, shown.stderr, prod.stderr]) expect(text).not.toContain(PASSWORD)
  }, 90_000)

  it.each([
    ["db migrate", ["db", "migrate"], "oracle://delius_app:pw@127.0.0.1:1/DNDA", ""],
    ["db migrate", ["db", "migrate"], "jdbc:oracle:thin:@//127.0.0.1:1/PRDNDA", "prod"],
    ["db seed", ["db", "seed"], "jdbc:oracle:thin:@127.0.0.1:1:DNDA", "dev"],
    [
      "db seed",
      ["db", "seed"],
      "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(HOST=127.0.0.1)(PORT=1))(CONNECT_DATA=(SID=PRENDA)))",
      "preprod"
    ]
  ])(
    "%s refuses Oracle in every environment (%j, %s, ENVIRONMENT_NAME=%s): exit 5, one line",
    async (_, args, url, env) => {
      const result = await run(args, { DATABASE_URL: url, ENVIRONMENT_NAME: env, DATABASE_PASSWORD: PASSWORD })
      expect(result.code).toBe(5)
      expect(result.stdout).toBe("")
      expect(result.stderr.trim().split("\n")).toHaveLength(1)
      expect(result.stderr).toContain("never runs against an Oracle database")
    },
    30_000
  )
})

describe("on an embedded database: READ_ONLY in the CLI and the host, LOG_LEVEL on every line", () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createSeededDatabase("sqlite")
  }, 60_000)
  afterAll(() => db?.drop())

  it("event process (and its dry run) and db seed refuse with exit 5; reads still work", async () => {
    const body = join(dir, "event.json")
    writeFileSync(body, JSON.stringify({ eventType: "intervention.referral.ended" }))
    const env = { DATABASE_URL: db.url, READ_ONLY: "true" }
    for (const args of [
      ["event", "process", body],
      ["event", "process", body, "--dry-run"],
      ["db", "seed"]
    ]) {
      const result = await run(args, env)
      expect(result.code, args.join(" ")).toBe(5)
      expect(result.stdout).toBe("")
      expect(result.stderr.trim().split("\n")).toHaveLength(1)
      expect(result.stderr).toContain("READ_ONLY=true")
    }
    const read = await run(["referral", "show", "S123456", "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080", "--json"], env)
    expect(read.code).not.toBe(5)
    expect(read.stderr).not.toContain("READ_ONLY")
  }, 60_000)

  it("serve: the referral PUT answers 503 with Retry-After, /info says read-only and the consumer is off", async () => {
    const host = await serveHttp({ DATABASE_URL: db.url, READ_ONLY: "true" })
    try {
      const token = (await run(["token"], { DATABASE_URL: db.url })).stdout.trim()
      const response = await putReferral(host.url, token, "0b8a1d5e-0c4e-4f7c-9a61-6f3a5f1d2e01")
      expect(response.status).toBe(503)
      expect(response.headers.get("retry-after")).toBe("300")
      expect(await response.json()).toEqual({ status: 503, message: expect.stringContaining("read-only") })
      const info = (await (await fetch(`${host.url}/info`)).json()) as { operational: unknown }
      expect(info.operational).toMatchObject({ readOnly: true, consumer: { enabled: false, disabledBy: "READ_ONLY" } })
    } finally {
      host.child.kill("SIGTERM")
      expect(await host.exited).toBe(0)
    }
  }, 90_000)

  it("LOG_LEVEL=warn leaves out the telemetry lines too (the referral is still written: 204)", async () => {
    const host = await serveHttp({ DATABASE_URL: db.url, LOG_LEVEL: "warn" })
    try {
      const token = (await run(["token"], { DATABASE_URL: db.url })).stdout.trim()
      expect((await putReferral(host.url, token, "5a0c2f7e-8d1b-4b8e-9b0f-2d6c3e4f5a61")).status).toBe(204)
      expect((await fetch(`${host.url}/no-such-path`)).status).toBe(404)
      await eventually("the 404 line", () => host.out().includes('"status":404'))
    } finally {
      host.child.kill("SIGTERM")
      expect(await host.exited).toBe(0)
    }
    const lines = [...jsonLines(host.out()), ...jsonLines(host.err())]
    expect(lines.filter((l) => l.level === "info" || l.level === "debug")).toEqual([])
    expect(host.out()).not.toContain("ReferralStarted")
  }, 90_000)
})

describe("DATABASE_USERNAME / DATABASE_PASSWORD on PostgreSQL: the password nowhere", () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createPostgresDatabase()
  }, 60_000)
  afterAll(() => db?.drop())

  it("migrate, seed, serve with telemetry exported: /info names dialect and host, no output, /info or envelope holds the password", async () => {
    const bare = new URL(db.url)
    bare.username = ""
    const env = {
      DATABASE_URL: bare.href,
      DATABASE_USERNAME: "postgres",
      DATABASE_PASSWORD: PASSWORD,
      ENVIRONMENT_NAME: "dev"
    }
    const outputs: Array<string> = []
    for (const args of [
      ["db", "migrate"],
      ["db", "seed"]
    ]) {
      const result = await run(args, env)
      expect(result.code, result.stderr).toBe(0)
      outputs.push(result.stdout, result.stderr)
    }
    const ingestion = await startIngestion(dir, "ok")
    try {
      const host = await serveHttp(
        {
          ...env,
          APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
          NODE_EXTRA_CA_CERTS: ingestion.certFile,
          TMPDIR: dir
        },
        []
      )
      try {
        const token = (await run(["token"], env)).stdout.trim()
        expect((await putReferral(host.url, token, "7d2f4c1a-3b5e-4a6d-8c9f-0e1a2b3c4d5e")).status).toBe(204)
        const info = await (await fetch(`${host.url}/info`)).text()
        outputs.push(info)
        expect(JSON.parse(info).operational).toMatchObject({
          environment: "dev",
          readOnly: false,
          consumer: { enabled: true, queue: "refer-and-monitor-and-delius-queue" },
          database: { dialect: "postgres", host: `${bare.hostname}:${bare.port || 5432}` },
          hmppsAuthUrl: null,
          detailUrls: expect.any(Array),
          contractTypesMapped: expect.any(Number)
        })
        await eventually("ReferralStarted exported", () =>
          ingestion.received.some((e) => e.data?.baseData?.name === "ReferralStarted")
        )
      } finally {
        host.child.kill("SIGTERM")
        expect(await host.exited).toBe(0)
      }
      outputs.push(host.out(), host.err(), JSON.stringify(ingestion.received))
      expect(host.out()).toContain('"message":"ReferralStarted"')
    } finally {
      await ingestion.close()
    }
    for (const text of outputs) expect(text).not.toContain(PASSWORD)
  }, 180_000)
})

describe("human-readable lines at a terminal", () => {
  const PRETTY = /^\d\d:\d\d:\d\d\.\d{3} (INFO |WARN |ERROR|DEBUG) /

  it("LOG_FORMAT=pretty: serve's lines are time, level, message, then the fields", async () => {
    const db = await createSeededDatabase("sqlite")
    try {
      const host = await serveHttp({ DATABASE_URL: db.url, LOG_FORMAT: "pretty" })
      await eventually("the request line", () => host.out().includes("GET /ping 200"))
      host.child.kill("SIGTERM")
      expect(await host.exited).toBe(0)
      const lines = host
        .out()
        .split("\n")
        .filter((l) => l !== "")
      for (const line of lines) expect(line).toMatch(PRETTY)
      expect(lines).toContainEqual(
        expect.stringMatching(/INFO {2}GET \/ping 200 {2}type=request method=GET path=\/ping/)
      )
    } finally {
      await db.drop()
    }
  }, 90_000)

  // A real pseudo-terminal (util-linux `script`): pretty there outside production; JSON in production or when asked.
  it.each([
    [{}, "pretty"],
    [{ NODE_ENV: "production" }, "json"],
    [{ LOG_FORMAT: "json" }, "json"]
  ])(
    "stdout a terminal, %o → %s",
    async (env, expected) => {
      const code = `import(${JSON.stringify(CORE_LOG)}).then((Log) => Log.logLine("info", "hello", { crn: "X000001" }))`
      const result = await new Promise<string>((resolve) => {
        const child = spawn("script", ["-qec", `${JSON.stringify(process.execPath)} -e '${code}'`, "/dev/null"], {
          env: { ...process.env, NODE_ENV: "", LOG_FORMAT: "", NO_COLOR: "1", ...env }
        })
        let out = ""
        child.stdout.on("data", (chunk) => (out += chunk))
        child.on("close", () => resolve(out.replace(/\r/g, "").trim()))
      })
      if (expected === "pretty") expect(result).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}hello {2}crn=X000001$/)
      else expect(JSON.parse(result)).toMatchObject({ level: "info", message: "hello", crn: "X000001" })
    },
    30_000
  )
})
