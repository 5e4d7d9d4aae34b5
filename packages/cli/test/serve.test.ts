import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs"
import { DevIds } from "@ram-delius/core"
import { createPostgresDatabase, type TestDatabase } from "@ram-delius/core/testing"
import { fillPlaceholders, sendEvent } from "@ram-delius/sqs-host"
import { type DevStack, startDevStack } from "@ram-delius/sqs-host/dev"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import pg from "pg"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "./support/ports.js"

/**
 * `ram-delius serve` shuts down by draining, not dropping (DESIGN.md, Running in production): the built binary on a
 * temporary PostgreSQL database and the SQS emulator. A transaction in this test holds the people's OFFENDER rows (`FOR UPDATE`), so the
 * requests and messages sent are provably in flight — waiting on the per-person lock (DESIGN.md, Concurrency) — when
 * the signal arrives; then the lock is released and each must finish exactly once.
 */

const BIN = fileURLToPath(new URL("../bin/ram-delius.mjs", import.meta.url))
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url))
let dir: string
let db: TestDatabase
let dbName: string
let dbUrl: string
let stack: DevStack
let baseEnv: Record<string, string>

const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...baseEnv, ...env }, cwd: dir })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

interface Serving {
  readonly child: ChildProcessWithoutNullStreams
  readonly output: () => string
  readonly exited: Promise<number | null>
  /** The HTTP port (when the HTTP host runs) or the queue host's health port. */
  readonly port: number
}

const servers: Array<Serving> = []

/** PORT must be a real port number (0 is refused): a free one, picked just before. */
/** Starts `serve` and waits until it has logged its port (HTTP, or the queue host's health server). */
const serve = async (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Serving> => {
  const child = spawn(process.execPath, [BIN, "serve", ...args], {
    env: { ...process.env, ...baseEnv, PORT: String(await freePort()), ...env },
    cwd: dir
  })
  let output = ""
  child.stdout.on("data", (chunk) => (output += chunk))
  child.stderr.on("data", (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  let port: number | undefined
  let ended = false
  void exited.then(() => (ended = true))
  await waitFor(
    "serve to listen",
    () => {
      if (ended) throw new Error(`serve exited early:\n${output}`)
      const match = /listening on port (\d+)|health on port (\d+)/.exec(output)
      if (match !== null) port = Number(match[1] ?? match[2])
      return port !== undefined
    },
    60_000
  )
  const serving = { child, output: () => output, exited, port: port! }
  servers.push(serving)
  return serving
}

afterEach(() => {
  for (const s of servers.splice(0)) if (s.child.exitCode === null) s.child.kill("SIGKILL")
})

/** A transaction holding the OFFENDER rows of `crns` until `release`. */
const lockPeople = async (...crns: ReadonlyArray<string>) => {
  const client = new pg.Client({ connectionString: dbUrl })
  await client.connect()
  await client.query("BEGIN")
  const locked = await client.query("SELECT OFFENDER_ID FROM OFFENDER WHERE CRN = ANY($1) FOR UPDATE", [crns])
  expect(locked.rowCount).toBe(crns.length)
  let released = false
  return {
    release: async () => {
      if (released) return
      released = true
      await client.query("COMMIT")
      await client.end()
    }
  }
}

const query = async <T extends Record<string, unknown>>(sql: string, params: ReadonlyArray<unknown> = []) => {
  const client = new pg.Client({ connectionString: dbUrl })
  await client.connect()
  try {
    return (await client.query<T>(sql, [...params])).rows
  } finally {
    await client.end()
  }
}

/** Backends of the test database waiting for a lock: the requests and handlers blocked on the held rows. */
const lockWaiters = async () =>
  Number(
    (
      await query<{ n: string }>(
        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
        [dbName]
      )
    )[0]!.n
  )

const token = async (roles = "ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW") => {
  const result = await run(["token", "--roles", roles])
  expect(result.code).toBe(0)
  return result.stdout.trim()
}

/** One HTTP exchange on its own connection; resolves with the status and body, or the connection error. */
const call = (port: number, method: string, path: string, options: { token?: string; body?: unknown } = {}) =>
  new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent: false,
        headers: {
          ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload !== undefined
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : {})
        }
      },
      (res) => {
        let body = ""
        res.on("data", (chunk) => (body += chunk))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
        res.on("error", (error) => resolve({ error: String(error) }))
      }
    )
    req.on("error", (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? String(error) }))
    req.end(payload)
  })

const referralId = "4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5"
const referralStarted = {
  contractType: "ACC",
  startedAt: "2024-06-13T17:52:26.55647055+01:00",
  sentenceId: DevIds.event.withoutNsi,
  referralId,
  notes: `Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living`
}

const fixture = (name: string) =>
  fillPlaceholders(readFileSync(join(FIXTURES, "events", `${name}.json`), "utf8"), stack.referAndMonitor.port)

const queueCount = async (url: string) => {
  const attributes = (
    await stack.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
      })
    )
  ).Attributes
  return (
    Number(attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  )
}

const detailRequests = (fragment: string) =>
  stack.referAndMonitor.requests.filter((r) => r.method === "GET" && r.path.includes(fragment)).length

/** The outcome code of a contact of the dev dataset (feedback events record it, §7.3). */
const outcomeOf = async (contactId: number) =>
  (
    await query<{ outcome: string | null }>(
      `SELECT o.CODE AS outcome FROM CONTACT c
         LEFT JOIN R_CONTACT_OUTCOME_TYPE o ON o.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID
        WHERE c.CONTACT_ID = $1`,
      [contactId]
    )
  )[0]?.outcome

/** The people's contacts, to show nothing was written twice. */
const contactCount = async () => Number((await query<{ n: string }>("SELECT COUNT(*) AS n FROM CONTACT"))[0]!.n)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ram-serve-"))
  // An empty database from core's test kit: `db migrate` and `db seed` below are the CLI's own, under test.
  db = await createPostgresDatabase()
  dbUrl = db.url
  dbName = new URL(dbUrl).pathname.slice(1)
  stack = await startDevStack({ sqsPort: 0, referAndMonitorPort: 0 })
  baseEnv = {
    DATABASE_URL: dbUrl,
    DEV_JWK_FILE: join(dir, "dev-key.json"),
    HMPPS_AUTH_URL: "",
    NODE_ENV: "test",
    QUEUE_HEALTH_PORT: "0",
    // The test's emulator (not a dev stack of serve's own), with the credentials fauxqs accepts.
    AWS_ENDPOINT_URL_SQS: stack.connection.endpoint,
    AWS_REGION: "eu-west-2",
    AWS_ACCESS_KEY_ID: "dev",
    AWS_SECRET_ACCESS_KEY: "dev",
    MESSAGING_CONSUMER_QUEUE: stack.queueUrl,
    // The fixtures' detailUrls point at the test's R&M stub; only its origin may receive the token (§5.3).
    MESSAGING_CONSUMER_DETAIL_URLS: `http://localhost:${stack.referAndMonitor.port}`,
    QUEUE_WAIT_TIME_SECONDS: "1",
    SHUTDOWN_TIMEOUT_SECONDS: "120"
  }
  expect((await run(["db", "migrate"])).code).toBe(0)
  expect((await run(["db", "seed", "--dataset", "dev"])).code).toBe(0)
}, 120_000)

afterAll(async () => {
  await stack?.close()
  await db?.drop()
  rmSync(dir, { recursive: true, force: true })
})

// Four processes start on a loaded 2-core machine: generous bounds (conditions are waited on, never timed).
describe("serve: SIGTERM drains", { timeout: 240_000 }, () => {
  it("HTTP and queue together: requests in flight at the signal get their real answers, messages finish once and are deleted, exit 0", async () => {
    const rw = await token()
    const contactsBefore = await contactCount()
    const server = await serve([])
    const lock = await lockPeople("S123456", "T140223")
    try {
      const answers = [1, 2].map(() =>
        call(server.port, "PUT", "/probation-case/S123456/referrals", { token: rw, body: referralStarted })
      )
      // Session feedback for T140223's appointments (contacts 2 and 4): each fetches the session from R&M once.
      await sendEvent(stack.client, stack.queueUrl, fixture("session-appointment-feedback-submitted-compliant"))
      await sendEvent(stack.client, stack.queueUrl, fixture("session-appointment-feedback-submitted-no-session"))
      // Two requests and two handlers blocked on the held rows.
      await waitFor("4 waiting on the person lock", async () => (await lockWaiters()) === 4)

      server.child.kill("SIGTERM")
      await waitFor("the drain to begin", () => server.output().includes("SIGTERM received: draining"))
      // The listener stops accepting while the four are still waiting.
      await waitFor("new connections refused", async () => {
        const probe = await call(server.port, "GET", "/health/readiness")
        return "error" in probe && probe.error === "ECONNREFUSED"
      })
      expect(await lockWaiters()).toBe(4)
      await lock.release()

      for (const answer of await Promise.all(answers)) expect(answer).toEqual({ status: 204, body: "" })
      expect(await server.exited).toBe(0)
    } finally {
      await lock.release()
    }
    expect(server.output()).toContain("Drained; exiting")
    // Written once: one NSI for the referral; each feedback recorded, its session fetched from R&M once.
    expect(
      await query("SELECT NSI_ID FROM NSI WHERE EXTERNAL_REFERENCE = $1", [
        `urn:hmpps:interventions-referral:${referralId}`
      ])
    ).toHaveLength(1)
    expect(await outcomeOf(2)).toBe("ATTC")
    expect(await outcomeOf(4)).toBe("ATSS")
    expect(detailRequests("/sessions/")).toBe(2)
    // The referral's own contacts (NREF, C091, NCOM …) are the only new rows: the same as one start writes.
    const referralContacts = Number(
      (
        await query<{ n: string }>(
          "SELECT COUNT(*) AS n FROM CONTACT c JOIN NSI n ON n.NSI_ID = c.NSI_ID WHERE n.EXTERNAL_REFERENCE = $1",
          [`urn:hmpps:interventions-referral:${referralId}`]
        )
      )[0]!.n
    )
    expect(referralContacts).toBeGreaterThan(0)
    expect(await contactCount()).toBe(contactsBefore + referralContacts)
    expect(await queueCount(stack.queueUrl)).toBe(0)
    expect(await queueCount(stack.dlqUrl)).toBe(0)
  })

  it("queue only: readiness answers 503 during the drain; the messages in flight finish, exit 0", async () => {
    const requests = detailRequests("/sessions/")
    const server = await serve(["--queue"])
    expect((await call(server.port, "GET", "/health/readiness")) as { status: number }).toMatchObject({ status: 200 })
    const lock = await lockPeople("T140223")
    try {
      await sendEvent(stack.client, stack.queueUrl, fixture("session-appointment-feedback-submitted-not-attended"))
      await waitFor("1 waiting on the person lock", async () => (await lockWaiters()) === 1)
      server.child.kill("SIGTERM")
      await waitFor("readiness DOWN", async () => {
        const probe = await call(server.port, "GET", "/health/readiness")
        return "status" in probe && probe.status === 503
      })
      expect(server.child.exitCode).toBe(null)
      await lock.release()
      expect(await server.exited).toBe(0)
    } finally {
      await lock.release()
    }
    expect(await outcomeOf(3)).toBe("AFTA")
    expect(detailRequests("/sessions/") - requests).toBe(1)
    expect(await queueCount(stack.queueUrl)).toBe(0)
    expect(await queueCount(stack.dlqUrl)).toBe(0)
  })

  it("past SHUTDOWN_TIMEOUT_SECONDS: exit 1 with a log line naming what was still in flight", async () => {
    const rw = await token()
    const server = await serve(["--http"], { SHUTDOWN_TIMEOUT_SECONDS: "1" })
    const lock = await lockPeople("S123456")
    try {
      const answer = call(server.port, "PUT", "/probation-case/S123456/referrals", { token: rw, body: referralStarted })
      await waitFor("1 waiting on the person lock", async () => (await lockWaiters()) === 1)
      server.child.kill("SIGTERM")
      expect(await server.exited).toBe(1)
      expect(server.output()).toMatch(
        /Shutdown timed out after 1 s; still in flight: 1 HTTP request\(s\): PUT \/probation-case\/S123456\/referrals/
      )
      expect(await answer).toHaveProperty("error")
    } finally {
      await lock.release()
    }
  })

  it("a second signal exits at once, without waiting for what is in flight", async () => {
    const rw = await token()
    const server = await serve(["--http"])
    const lock = await lockPeople("S123456")
    try {
      void call(server.port, "PUT", "/probation-case/S123456/referrals", { token: rw, body: referralStarted })
      await waitFor("1 waiting on the person lock", async () => (await lockWaiters()) === 1)
      server.child.kill("SIGTERM")
      await waitFor("the drain to begin", () => server.output().includes("SIGTERM received: draining"))
      server.child.kill("SIGINT")
      expect(await server.exited).toBe(1)
      expect(server.output()).toContain("SIGINT again: exiting at once; still in flight: 1 HTTP request(s)")
    } finally {
      await lock.release()
    }
  })
})
