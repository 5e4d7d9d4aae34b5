import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Envelope, type IngestionMode, startIngestion } from "./support/ingestion.js"
import { freePort } from "./support/ports.js"

/**
 * Telemetry (spec §9) and the one log shape (DESIGN.md, Running in production), run as deployed: the built
 * `ram-delius serve` (HTTP API + queue consumer + dev SQS emulator and R&M stub) and the hosts' own `main.js` files as child processes, with Application Insights' ingestion endpoint
 * played by a TLS server on loopback.
 */
const BIN = fileURLToPath(new URL("../bin/ram-delius.mjs", import.meta.url))
const CLI_DIR = fileURLToPath(new URL("..", import.meta.url))
const HTTP_MAIN = fileURLToPath(new URL("../../http-koa/dist/main.js", import.meta.url))
const QUEUE_MAIN = fileURLToPath(new URL("../../sqs-host/dist/main.js", import.meta.url))
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url))

const CLIENT_SECRET = "oauth-client-secret-that-must-not-leak"
const DB_PASSWORD = "pg-password-that-must-not-leak"

let dir: string
/** Children still running when a test fails are killed, so none outlives the run. */
const children = new Set<ChildProcess>()
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ram-telemetry-"))
})
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

/** Poll until `check` holds (bounded generously for a loaded 2-core machine); no timing is asserted. */
const eventually = async <A>(
  what: string,
  check: () => A | undefined | false | Promise<A | undefined | false>,
  bound = 90_000
): Promise<A> => {
  const deadline = Date.now() + bound
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

interface Host {
  readonly child: ChildProcess
  readonly out: () => string
  readonly err: () => string
  readonly exited: Promise<number | null>
}

const start = (args: ReadonlyArray<string>, env: Record<string, string>, cwd = dir): Host => {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, cwd })
  children.add(child)
  let out = ""
  let err = ""
  child.stdout!.on("data", (chunk) => (out += chunk))
  child.stderr!.on("data", (chunk) => (err += chunk))
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
  return { child, out: () => out, err: () => err, exited }
}

const run = async (args: ReadonlyArray<string>, env: Record<string, string>, cwd = dir) => {
  const host = start(args, env, cwd)
  const code = await host.exited
  return { code, stdout: host.out(), stderr: host.err() }
}

/** Every line parsed as one JSON object with time, level and message. */
const jsonLines = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>
      expect(parsed, line).toMatchObject({
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: expect.stringMatching(/^(debug|info|warn|error)$/),
        message: expect.any(String)
      })
      return parsed
    })

const get = async (url: string, init?: RequestInit) => {
  try {
    return await fetch(url, init)
  } catch {
    return undefined
  }
}

interface Hosts {
  readonly http: Host
  readonly queue: Host
  readonly url: string
  readonly env: Record<string, string>
  readonly stubPort: number
}

/**
 * The two hosts as deployed — `http-koa/dist/main.js` and `sqs-host/dist/main.js` (with its dev SQS emulator and R&M
 * stub) — each with its own SQLite file, so each owns and disposes its core runtime on SIGTERM.
 */
const startHosts = async (name: string, extra: Record<string, string>): Promise<Hosts> => {
  const [httpPort, sqsPort, stubPort, healthPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort()
  ]
  const env = {
    DEV_JWK_FILE: join(dir, `${name}-dev-key.json`),
    HMPPS_AUTH_URL: "",
    NODE_ENV: "test",
    PORT: String(httpPort),
    DEV_SQS_PORT: String(sqsPort),
    DEV_REFER_AND_MONITOR_PORT: String(stubPort),
    QUEUE_HEALTH_PORT: String(healthPort),
    QUEUE_WAIT_TIME_SECONDS: "1",
    OAUTH2_CLIENT_SECRET: CLIENT_SECRET,
    // The exporter's offline retry store goes under the temp dir, not the machine's.
    TMPDIR: dir,
    ...extra
  }
  const http = start([HTTP_MAIN], { ...env, DATABASE_URL: `sqlite:${join(dir, `${name}-http.sqlite`)}` })
  const queue = start([QUEUE_MAIN], { ...env, DATABASE_URL: `sqlite:${join(dir, `${name}-queue.sqlite`)}` })
  const url = `http://127.0.0.1:${httpPort}`
  await eventually(`${name}: the HTTP host answering /ping`, async () => (await get(`${url}/ping`))?.status === 200)
  await eventually(
    `${name}: the queue host's health`,
    async () => (await get(`http://127.0.0.1:${healthPort}/health/ping`))?.status === 200
  )
  return { http, queue, url, env, stubPort }
}

const referralId = "3f3e2c39-0e8f-4c57-bb6d-3a2a1e0f5b11"
const referralStarted = {
  contractType: "ACC",
  startedAt: "2024-06-13T17:52:26.55647055+01:00",
  sentenceId: 2, // DevIds.event.withoutNsi
  referralId,
  notes: "Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living"
}

/** Real traffic: a referral start (204, ReferralStarted), a 404, a 401 and a feedback event that calls the R&M stub. */
const exercise = async (s: Hosts) => {
  const token = (await run([BIN, "token"], s.env)).stdout.trim()
  expect(token).toMatch(/^ey/)
  const started = await fetch(`${s.url}/probation-case/S123456/referrals`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(referralStarted)
  })
  expect(started.status).toBe(204)
  const unknown = await fetch(`${s.url}/no-such-path`, { headers: { authorization: `Bearer ${token}` } })
  expect(unknown.status).toBe(404)
  // Refused before the route's Effect runs: its span is made when the response is done, still named by its route.
  const unauthorised = await fetch(`${s.url}/probation-case/S123456/referrals`, { method: "PUT" })
  expect(unauthorised.status).toBe(401)
  const sent = await run(
    [BIN, "events", "send", join(FIXTURES, "events/session-appointment-feedback-submitted-compliant.json")],
    s.env
  )
  expect(sent.code).toBe(0)
  // Processed: the §9 event is in the host's own JSON lines whatever the ingestion endpoint does.
  await eventually("the feedback event handled", () =>
    s.queue.out().includes('"message":"SessionAppointmentSubmitted"')
  )
}

/** SIGTERM both; each exit code. */
const stop = async (s: Hosts) => {
  s.http.child.kill("SIGTERM")
  s.queue.child.kill("SIGTERM")
  return [await s.http.exited, await s.queue.exited]
}

const output = (s: Hosts) => [s.http.out(), s.http.err(), s.queue.out(), s.queue.err()]

const customEvents = (received: ReadonlyArray<Envelope>) =>
  received
    .filter((e) => e.data?.baseType === "EventData")
    .map((e) => ({ name: e.data?.baseData?.name, properties: e.data?.baseData?.properties ?? {} }))

describe("Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING → a TLS ingestion server on loopback)", () => {
  it("custom events with their §9 names and properties, requests with status codes, an R&M dependency; role name; flushed on SIGTERM (the hosts' main.js)", async () => {
    const ingestion = await startIngestion(dir, "ok")
    try {
      const s = await startHosts("ok", {
        APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
        NODE_EXTRA_CA_CERTS: ingestion.certFile
      })
      await exercise(s)
      // Exported while running (batched), not only at shutdown.
      await eventually("a custom event at the ingestion endpoint", () => customEvents(ingestion.received).length > 0)
      expect(await stop(s)).toEqual([0, 0])

      const events = customEvents(ingestion.received)
      expect(events).toContainEqual({ name: "ReferralStarted", properties: { crn: "S123456", referralId } })
      const feedback = events.find((e) => e.name === "SessionAppointmentSubmitted")
      expect(feedback?.properties).toMatchObject({
        crn: expect.any(String),
        referralId: expect.any(String),
        appointmentId: expect.any(String),
        referralReference: expect.any(String)
      })

      const requests = ingestion.received
        .filter((e) => e.data?.baseType === "RequestData")
        .map((e) => e.data!.baseData!)
      expect(requests).toContainEqual(
        expect.objectContaining({ name: "PUT /probation-case/:crn/referrals", responseCode: "204", success: true })
      )
      // A 4xx is the caller's mistake, not a failure of the service: success stays true, the status code says 404.
      expect(requests).toContainEqual(
        expect.objectContaining({ name: "GET unmatched", responseCode: "404", success: true })
      )
      expect(requests).toContainEqual(
        expect.objectContaining({ name: "PUT /probation-case/:crn/referrals", responseCode: "401", success: true })
      )
      // The queue message is a request too, with the handler's work under it.
      expect(requests).toContainEqual(expect.objectContaining({ name: "ProcessMessage" }))

      const dependencies = ingestion.received
        .filter((e) => e.data?.baseType === "RemoteDependencyData")
        .map((e) => e.data!.baseData!)
      const referAndMonitor = dependencies.find(
        (d) => d.type === "Http" && String(d.data).includes(`:${s.stubPort}/`) && !String(d.data).includes("/auth")
      )
      expect(referAndMonitor).toMatchObject({ resultCode: "200", success: true })
      // Database statements arrive as SQL dependencies named for what they do, the statement as their data — one each:
      // no @effect/sql `sql.execute` dependency beside the named one.
      expect(dependencies.some((d) => String(d.name).startsWith("Nsi.") || String(d.name).startsWith("Contact."))).toBe(
        true
      )
      expect(dependencies.find((d) => d.name === "Contact.insert")).toMatchObject({
        type: "SQL",
        target: "sqlite",
        data: expect.stringMatching(/^INSERT INTO CONTACT /)
      })
      const named = new Set(
        ingestion.received
          .filter((e) => e.data?.baseType === "RemoteDependencyData" && e.data.baseData?.type === "SQL")
          .map((e) => e.data!.baseData!.id)
      )
      const doubled = ingestion.received.filter(
        (e) => e.data?.baseData?.name === "sql.execute" && named.has(e.tags?.["ai.operation.parentId"])
      )
      expect(doubled).toEqual([])

      // A workflow's statements (NSI and contact ones) are under the request or message that ran them: its trace, with
      // a parent span. (Start-up's statements — migration, seed, the audit user — belong to no request.)
      const operations = new Set(
        ingestion.received.filter((e) => e.data?.baseType === "RequestData").map((e) => e.tags?.["ai.operation.id"])
      )
      const statements = ingestion.received.filter(
        (e) => e.data?.baseType === "RemoteDependencyData" && /^(Nsi|Contact)\./.test(String(e.data.baseData?.name))
      )
      expect(statements.length).toBeGreaterThan(0)
      const orphans = statements
        .filter(
          (e) =>
            !operations.has(e.tags?.["ai.operation.id"]) ||
            !/^[0-9a-f]{16}$/.test(e.tags?.["ai.operation.parentId"] ?? "")
        )
        .map((e) => String(e.data?.baseData?.name))
      expect(orphans).toEqual([])
      // A request is timed from its arrival: it starts no later than the first statement it ran.
      const referralRequest = ingestion.received.find(
        (e) => e.data?.baseData?.name === "PUT /probation-case/:crn/referrals" && e.data.baseData.responseCode === "204"
      )
      const itsStatements = statements.filter(
        (e) => e.tags?.["ai.operation.id"] === referralRequest?.tags?.["ai.operation.id"]
      )
      expect(itsStatements.length).toBeGreaterThan(0)
      for (const statement of itsStatements) {
        expect(Date.parse(statement.time ?? "")).toBeGreaterThanOrEqual(Date.parse(referralRequest?.time ?? ""))
      }

      expect(new Set(ingestion.received.map((e) => e.tags?.["ai.cloud.role"]))).toEqual(
        new Set(["refer-and-monitor-and-delius"])
      )
      // The role instance is the pod, its host name.
      expect(new Set(ingestion.received.map((e) => e.tags?.["ai.cloud.roleInstance"]))).toEqual(new Set([hostname()]))
      // The event is tied to its operation (the message's request).
      const feedbackEnvelope = ingestion.received.find((e) => e.data?.baseData?.name === "SessionAppointmentSubmitted")
      expect(feedbackEnvelope?.tags?.["ai.operation.id"]).toMatch(/^[0-9a-f]{32}$/)

      // §2 holds with telemetry on: every line is JSON, no secret anywhere.
      for (const text of output(s)) jsonLines(text)
      expect(output(s).join("")).not.toContain(CLIENT_SECRET)
      expect(JSON.stringify(ingestion.received)).not.toContain(CLIENT_SECRET)
    } finally {
      await ingestion.close()
    }
  }, 240_000)

  it.each<IngestionMode>(["fail", "hang"])(
    "an ingestion endpoint that %s never fails a request or a message, and shutdown completes",
    async (mode) => {
      const ingestion = await startIngestion(dir, mode)
      try {
        const s = await startHosts(mode, {
          APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
          NODE_EXTRA_CA_CERTS: ingestion.certFile
        })
        await exercise(s)
        await eventually("the exporter to try the endpoint", () => ingestion.received.length > 0)
        expect(await stop(s)).toEqual([0, 0])
        for (const text of output(s)) jsonLines(text)
      } finally {
        await ingestion.close()
      }
    },
    240_000
  )
})

describe("without APPLICATIONINSIGHTS_CONNECTION_STRING", () => {
  /** Which modules a process resolves, seen through a resolve hook: OpenTelemetry's must not be among them. */
  const modulesLoaded = async (env: Record<string, string>) => {
    const script = `
      import { register } from "node:module"
      import { MessageChannel } from "node:worker_threads"
      const { port1, port2 } = new MessageChannel()
      const seen = new Set()
      port1.on("message", (url) => seen.add(url))
      register("data:text/javascript,let p;export function initialize(d){p=d.port}export async function resolve(s,c,n){const r=await n(s,c);p.postMessage(r.url);return r}", import.meta.url, { data: { port: port2 }, transferList: [port2] })
      const { Telemetry, trackEvent } = await import("@ram-delius/core")
      const { ManagedRuntime } = await import("effect")
      const runtime = ManagedRuntime.make(Telemetry.layer)
      await runtime.runPromise(trackEvent("ReferralStarted", { crn: "X000001", referralId: "r" }))
      await runtime.dispose()
      await import("node:path")
      await new Promise((resolve) => { const check = () => (seen.has("node:path") ? resolve() : setTimeout(check, 10)); check() })
      port1.close()
      process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level: "info", message: "modules", modules: [...seen] }) + "\\n")
    `
    const result = await run(["--input-type=module", "-e", script], env, CLI_DIR)
    const lines = jsonLines(result.stdout)
    return { lines, modules: (lines.find((l) => l.message === "modules")?.modules ?? []) as Array<string> }
  }

  it("loads no OpenTelemetry or Azure module, and the §9 event is one JSON line", async () => {
    const without = await modulesLoaded({ APPLICATIONINSIGHTS_CONNECTION_STRING: "" })
    expect(without.modules.some((url) => url.includes("@ram-delius/core") || url.includes("/core/dist/"))).toBe(true)
    expect(without.modules.filter((url) => /opentelemetry|@azure/.test(url))).toEqual([])
    expect(without.lines).toContainEqual(
      expect.objectContaining({
        level: "info",
        message: "ReferralStarted",
        type: "telemetry",
        properties: { crn: "X000001", referralId: "r" }
      })
    )
    // The check can fail: with the variable set, the exporter is loaded.
    const withIt = await modulesLoaded({
      APPLICATIONINSIGHTS_CONNECTION_STRING:
        "InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=https://127.0.0.1:9/"
    })
    expect(withIt.modules.some((url) => url.includes("@azure/monitor-opentelemetry-exporter"))).toBe(true)
  }, 120_000)
})

describe("one log shape", () => {
  const hostEnv = (name: string, extra: Record<string, string>) => ({
    DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite`)}`,
    DEV_JWK_FILE: join(dir, `${name}-dev-key.json`),
    HMPPS_AUTH_URL: "",
    NODE_ENV: "test",
    OAUTH2_CLIENT_SECRET: CLIENT_SECRET,
    ...extra
  })

  it.each([
    ["HTTP host", HTTP_MAIN],
    ["queue host", QUEUE_MAIN]
  ])(
    "%s: a bad DATABASE_URL is exactly one JSON line naming DATABASE_URL, then exit 1; no stack, no secret",
    async (_name, main) => {
      const ports = {
        PORT: String(await freePort()),
        DEV_SQS_PORT: String(await freePort()),
        DEV_REFER_AND_MONITOR_PORT: String(await freePort())
      }
      const bad = await run([main], hostEnv("bad", { ...ports, DATABASE_URL: "foo://somewhere" }))
      expect(bad.code).toBe(1)
      const errors = jsonLines(bad.stderr)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({ level: "error", message: expect.stringContaining("DATABASE_URL") })
      expect(bad.stderr).not.toMatch(/\n\s+at /)
      jsonLines(bad.stdout) // the queue host's dev stack line, if any, is JSON too
      expect(bad.stdout).not.toContain('level":"error')

      // Database down: the password in DATABASE_URL never appears; the cause does.
      const down = await run(
        [main],
        hostEnv("down", { ...ports, DATABASE_URL: `postgres://ram:${DB_PASSWORD}@127.0.0.1:1/test` })
      )
      expect(down.code).toBe(1)
      const downLines = jsonLines(down.stderr)
      expect(downLines).toHaveLength(1)
      expect(downLines[0]!.message).toMatch(/ECONNREFUSED|connect/i)
      expect(down.stdout + down.stderr).not.toContain(DB_PASSWORD)
      expect(down.stdout + down.stderr).not.toContain(CLIENT_SECRET)

      // LOG_LEVEL=debug adds the detail (stack) for whoever is debugging it — still one JSON line.
      const debug = await run([main], hostEnv("bad", { ...ports, DATABASE_URL: "foo://somewhere", LOG_LEVEL: "debug" }))
      expect(debug.code).toBe(1)
      const debugLines = jsonLines(debug.stderr)
      expect(debugLines.filter((l) => l.level === "error")).toHaveLength(1)
    },
    120_000
  )

  it("LOG_LEVEL=warn: no info lines (start-up, 200s), the 404 request line is there", async () => {
    const port = await freePort()
    const host = start([HTTP_MAIN], hostEnv("levels", { PORT: String(port), LOG_LEVEL: "warn" }))
    await eventually(
      "the HTTP host answering",
      async () => (await get(`http://127.0.0.1:${port}/ping`))?.status === 200
    )
    expect((await fetch(`http://127.0.0.1:${port}/no-such-path`)).status).toBe(404)
    await eventually("the 404 line", () => host.out().includes('"status":404'))
    host.child.kill("SIGTERM")
    expect(await host.exited).toBe(0)
    const lines = [...jsonLines(host.out()), ...jsonLines(host.err())]
    expect(lines.filter((l) => l.level === "info" || l.level === "debug")).toEqual([])
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "warn", type: "request", status: 404, message: "GET /no-such-path 404" })
    )
  }, 120_000)

  it("default level: the request lines and the start-up line, all JSON", async () => {
    const port = await freePort()
    const host = start([HTTP_MAIN], hostEnv("default-level", { PORT: String(port) }))
    await eventually(
      "the HTTP host answering",
      async () => (await get(`http://127.0.0.1:${port}/ping`))?.status === 200
    )
    host.child.kill("SIGTERM")
    expect(await host.exited).toBe(0)
    const lines = jsonLines(host.out())
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "info", type: "start", message: expect.stringContaining("listening") })
    )
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "info", type: "request", status: 200, path: "/ping" })
    )
  }, 120_000)
})
