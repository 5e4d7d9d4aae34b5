import { SqlClient } from "@effect/sql"
import { Effect, Fiber } from "effect"
import { DatabaseSync } from "node:sqlite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHttpServer } from "../src/index.js"
import {
  type AuthServer,
  coreLayer,
  coreRuntime,
  createSeededDatabase,
  jwksAuth,
  request,
  signToken,
  startAuthServer,
  startTestServer,
  type TestDatabase,
  type TestServer
} from "./support/harness.js"

/**
 * A Delius outage answers 503 quickly — never a hang, never a 500 (DESIGN.md, Errors). SQLite's embedded database has
 * one connection; two real ways it stops answering are simulated with it: a transaction that never ends holds the
 * connection (as a hung server or an exhausted pool would), and another process holds the database's write lock.
 */

const TIMEOUT_MS = 300

let db: TestDatabase
let auth: AuthServer
let server: TestServer
let token: string
let core: ReturnType<typeof coreRuntime>

const referral = {
  referralId: "5c0a1d2e-3f40-4b51-8c62-7d8e9fa0b1c2",
  startedAt: "2024-06-13T17:52:26Z",
  contractType: "ACC",
  sentenceId: 2,
  notes: "Referral Sent"
}

beforeAll(async () => {
  db = await createSeededDatabase()
  auth = await startAuthServer()
  core = coreRuntime(db.url)
  server = await startTestServer({
    runtime: core,
    auth: jwksAuth(auth),
    config: { requestTimeoutMs: TIMEOUT_MS },
    readinessTimeoutMs: TIMEOUT_MS
  })
  token = await signToken(auth)
})

afterAll(async () => {
  await server?.close()
  // The runtime was passed in, so the server leaves it to its owner.
  await core?.dispose()
  await auth?.close()
  db?.drop()
})

const timed = async <A>(run: () => Promise<A>) => {
  const started = Date.now()
  const result = await run()
  return { result, ms: Date.now() - started }
}

describe("the database hangs", () => {
  it("reads and writes answer 503 '…timed out' within the request timeout, readiness says DOWN, and all recover", async () => {
    // A transaction that never finishes holds SQLite's only connection.
    const holder = core.runFork(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.withTransaction(Effect.never)))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const nsis = db.count("SELECT COUNT(*) FROM NSI")
    try {
      const read = await timed(() => request(server, "GET", "/office-locations", { token }))
      expect(read.result.status).toBe(503)
      expect(read.result.json).toEqual({ status: 503, message: "Request to Delius timed out" })
      expect(read.ms).toBeLessThan(TIMEOUT_MS + 2_000)

      const write = await timed(() =>
        request(server, "PUT", "/probation-case/S123456/referrals", { token, body: referral })
      )
      expect(write.result.status).toBe(503)
      expect(write.result.json).toEqual({ status: 503, message: "Request to Delius timed out" })
      expect(write.ms).toBeLessThan(TIMEOUT_MS + 2_000)

      const readiness = await request(server, "GET", "/health/readiness")
      expect(readiness.status).toBe(503)
      expect(readiness.json).toEqual({ status: "DOWN", components: { db: { status: "DOWN" } } })
      // Liveness does not depend on the database.
      expect((await request(server, "GET", "/health/liveness")).status).toBe(200)
      // The detail is logged against the request id; the client saw only the message.
      expect(
        server.logs.some((l) => l.type === "error" && l.status === 503 && String(l.detail).includes(`${TIMEOUT_MS} ms`))
      ).toBe(true)
    } finally {
      await core.runPromise(Fiber.interrupt(holder))
    }
    expect(db.count("SELECT COUNT(*) FROM NSI")).toBe(nsis)
    expect((await request(server, "GET", "/health/readiness")).status).toBe(200)
    expect((await request(server, "GET", "/office-locations", { token })).status).toBe(200)
  })
})

describe("another process holds the database's write lock", () => {
  it("writes answer 503 'Delius database unavailable', nothing is written; reads still work", async () => {
    // Core waits 10 s for SQLite's lock; shorten it so the test does not (node:sqlite waits synchronously).
    await core.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe("PRAGMA busy_timeout = 100")))
    const other = new DatabaseSync(db.file)
    other.exec("BEGIN IMMEDIATE")
    const nsis = db.count("SELECT COUNT(*) FROM NSI")
    try {
      const write = await request(server, "PUT", "/probation-case/S123456/referrals", { token, body: referral })
      expect(write.status).toBe(503)
      expect(write.json).toEqual({ status: 503, message: "Delius database unavailable" })
      const detail = server.logs.find((l) => l.type === "error" && l.message === "Delius database unavailable")?.detail
      expect(String(detail)).toContain("database is locked")
      expect((await request(server, "GET", "/probation-case/T140223/identifiers", { token })).status).toBe(200)
    } finally {
      other.exec("ROLLBACK")
      other.close()
    }
    expect(db.count("SELECT COUNT(*) FROM NSI")).toBe(nsis)
    expect((await request(server, "PUT", "/probation-case/S123456/referrals", { token, body: referral })).status).toBe(
      204
    )
  })
})

describe("the database cannot be opened at start-up", () => {
  it("startHttpServer rejects before listening", async () => {
    await expect(
      startHttpServer({
        port: 0,
        host: "127.0.0.1",
        layer: coreLayer(`sqlite:${db.file}/not-a-directory/delius.sqlite`),
        auth: jwksAuth(auth),
        log: () => {}
      })
    ).rejects.toThrow(/Core services could not start/)
  })
})
