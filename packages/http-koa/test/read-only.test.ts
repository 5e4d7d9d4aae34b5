import { SqlClient } from "@effect/sql"
import { Database, DevIds, DevReferrals, Dialect } from "@ram-delius/core"
import { createSeededDatabase, dialectsUnderTest, type TestDatabase } from "@ram-delius/core/testing"
import { Effect, ManagedRuntime } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { writesDeliusRoute } from "../src/index.js"
import {
  type AuthServer,
  coreLayer,
  jwksAuth,
  request,
  signToken,
  startAuthServer,
  startTestServer,
  type TestServer
} from "./support/harness.js"

/**
 * READ_ONLY=true (Delius failover or maintenance): the two Delius writes answer 503 with the service's error body and a
 * Retry-After, nothing is written; reads and /users/{username}/access are served — through the real host, on both
 * dialects.
 */

const TABLES = ["NSI", "CONTACT", "AUDITED_INTERACTION"] as const

const referral = (referralId: string) => ({
  contractType: "ACC",
  startedAt: "2024-06-13T17:52:26.55647055+01:00",
  sentenceId: DevIds.event.withoutNsi,
  referralId,
  notes: "Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living"
})

const future = new Date(Date.now() + 5 * 86_400_000)
future.setUTCHours(10, 0, 0, 0)
const merge = () => ({
  id: randomUUID(),
  referralId: DevReferrals.noAppointments,
  referralReference: "AB1234AC",
  start: future.toISOString(),
  end: new Date(future.getTime() + 3_600_000).toISOString(),
  deliusId: null,
  notes: "Appointment notes",
  countsTowardsRar: true,
  officeLocationCode: "DEFAULT"
})

describe.each(dialectsUnderTest)("READ_ONLY=true on %s", (dialect) => {
  let db: TestDatabase
  let auth: AuthServer
  let token: string
  let counts: () => Promise<Record<string, number>>
  let readOnly: TestServer
  let database: ManagedRuntime.ManagedRuntime<SqlClient.SqlClient | Dialect, unknown>

  beforeAll(async () => {
    db = await createSeededDatabase(dialect)
    auth = await startAuthServer()
    token = await signToken(auth)
    database = ManagedRuntime.make(Database.layerFromUrl(db.url))
    counts = () =>
      database.runPromise(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const out: Record<string, number> = {}
          for (const table of TABLES) {
            const rows = yield* sql.unsafe<Record<string, unknown>>(`SELECT COUNT(*) AS N FROM ${table}`)
            out[table] = Number(Object.values(rows[0]!)[0])
          }
          return out
        })
      )
    readOnly = await startTestServer({ layer: coreLayer(db.url), auth: jwksAuth(auth), config: { readOnly: true } })
  }, 120_000)
  afterAll(async () => {
    await readOnly?.close()
    await database?.dispose()
    await auth?.close()
    await db?.drop()
  })

  const put = (server: TestServer, path: string, body: unknown) => request(server, "PUT", path, { token, body })
  const referralPath = "/probation-case/S123456/referrals"
  const mergePath = `/probation-case/S123456/referrals/${DevReferrals.noAppointments}/appointments`

  it("the two Delius writes: 503, the error body, Retry-After, and no row written", async () => {
    const before = await counts()
    for (const [path, body] of [
      [referralPath, referral(randomUUID())],
      [mergePath, merge()],
      // As the router matches them: any case, a trailing slash.
      ["/PROBATION-CASE/S123456/Referrals/", referral(randomUUID())]
    ] as const) {
      const response = await put(readOnly, path, body)
      expect(response.status, path).toBe(503)
      expect(response.json).toEqual({ status: 503, message: expect.stringContaining("read-only") })
      expect(response.headers["retry-after"]).toBe("300")
    }
    expect(await counts()).toEqual(before)
    // Refused by design: the request lines are warnings, not errors (an incident must not page as failures).
    const logged = readOnly.logs.filter((line) => line.type === "request" && line.status === 503)
    expect(logged.map((line) => line.level)).toEqual(["warn", "warn", "warn"])
  })

  it("reads, /users/{username}/access (GET and POST), health and /info are served", async () => {
    expect((await request(readOnly, "GET", "/probation-case/F123456/identifiers", { token })).status).toBe(200)
    expect((await request(readOnly, "GET", "/office-locations", { token })).status).toBe(200)
    for (const method of ["GET", "POST"]) {
      const access = await request(readOnly, method, "/users/john-smith/access", { token, body: ["F123456"] })
      expect(access.status, method).toBe(200)
    }
    expect((await request(readOnly, "GET", "/health")).status).toBe(200)
    const info = await request(readOnly, "GET", "/info")
    expect(info.json.operational).toMatchObject({
      readOnly: true,
      consumer: { enabled: false, disabledBy: "READ_ONLY" }
    })
  })

  it("without READ_ONLY the same request writes (the check above can fail)", async () => {
    const writable = await startTestServer({
      layer: coreLayer(db.url),
      auth: jwksAuth(auth),
      config: { readOnly: false }
    })
    try {
      const before = await counts()
      const response = await put(writable, referralPath, referral(randomUUID()))
      expect(response.status).toBe(204)
      const after = await counts()
      expect(after.NSI).toBe(before.NSI! + 1)
      expect(after.CONTACT).toBeGreaterThan(before.CONTACT!)
    } finally {
      await writable.close()
    }
  })
})

describe("writesDeliusRoute", () => {
  it("is the two PUTs of §4.1 and §4.2, nothing else", () => {
    expect(writesDeliusRoute({ method: "PUT", path: "/probation-case/X1/referrals" })).toBe(true)
    expect(writesDeliusRoute({ method: "PUT", path: "/probation-case/X1/referrals/r/appointments" })).toBe(true)
    expect(writesDeliusRoute({ method: "GET", path: "/probation-case/X1/referrals" })).toBe(false)
    expect(writesDeliusRoute({ method: "POST", path: "/users/u/access" })).toBe(false)
    expect(writesDeliusRoute({ method: "PUT", path: "/queue-admin/retry-all-dlqs" })).toBe(false)
    expect(writesDeliusRoute({ method: "PUT", path: "/probation-case/X1/referrals/r/appointments/x" })).toBe(false)
  })
})
