import { randomUUID } from "node:crypto"
import { DevIds, DevReferrals, londonDateTime, TelemetryEvents } from "@ram-delius/core"
import { testCoreLayer } from "@ram-delius/core/testing"
import { DatabaseSync, type SQLInputValue } from "node:sqlite"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { HostServices } from "../src/index.js"
import {
  type AuthServer,
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
 * Inconsistent Delius data answers 500 `{status, message}` naming it — never 409, which R&M shows as "the proposed date
 * and time clashes with another appointment" (client-contract §2.3; 409 is §7.2's clash only) — raises
 * `DeliusDataInconsistent` telemetry and writes nothing. Each test makes one inconsistency through its own connection.
 */
let db: TestDatabase
let auth: AuthServer
let server: TestServer
let token: string
let writer: DatabaseSync
let runtime: ManagedRuntime.ManagedRuntime<HostServices | TelemetryEvents, unknown>

beforeAll(async () => {
  db = await createSeededDatabase()
  auth = await startAuthServer()
  runtime = ManagedRuntime.make(testCoreLayer(db.url) as Layer.Layer<HostServices | TelemetryEvents, unknown>)
  server = await startTestServer({ runtime, auth: jwksAuth(auth) })
  token = await signToken(auth)
  writer = new DatabaseSync(db.file)
})
afterAll(async () => {
  writer.close()
  await server.close()
  await runtime.dispose()
  db.drop()
  await auth.close()
})
beforeEach(() => runtime.runPromise(Effect.flatMap(TelemetryEvents, (events) => events.clear)))

const telemetry = () => runtime.runPromise(Effect.flatMap(TelemetryEvents, (events) => events.all))

/** Row counts of every Delius table; the audit trail is checked on its own (a failed interaction is audited 'F'). */
const counts = () =>
  Object.fromEntries(
    db
      .rows<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      )
      .filter(({ name }) => name !== "AUDITED_INTERACTION")
      .map(({ name }) => [name, db.count(`SELECT COUNT(*) FROM "${name}"`)])
  )
const passedAudits = () => db.count("SELECT COUNT(*) FROM AUDITED_INTERACTION WHERE OUTCOME = 'P'")

/** Copies a row with a new primary key (the inconsistency itself). */
const duplicate = (table: string, idColumn: string, id: number, changes: Record<string, unknown> = {}) => {
  const row = writer.prepare(`SELECT * FROM "${table}" WHERE "${idColumn}" = ?`).get(id) as Record<string, unknown>
  const nextId = (writer.prepare(`SELECT MAX("${idColumn}") AS m FROM "${table}"`).get() as { m: number }).m + 1000
  const copy: Record<string, unknown> = { ...row, [idColumn]: nextId, ...changes }
  const columns = Object.keys(copy)
  writer
    .prepare(
      `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`
    )
    .run(...columns.map((c) => copy[c] as SQLInputValue))
  return nextId
}

const withdrawnUrn = `urn:hmpps:interventions-referral:${DevReferrals.withdrawn}`
const merge = (body: Record<string, unknown>) =>
  request(server, "PUT", `/probation-case/T140223/referrals/${DevReferrals.withdrawn}/appointments`, {
    token,
    body: {
      id: randomUUID(),
      referralId: DevReferrals.withdrawn,
      referralReference: "FE4536C",
      start: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      durationInMinutes: 60,
      notes: null,
      officeLocationCode: null,
      countsTowardsRar: false,
      outcome: null,
      ...body
    }
  })

const expectNothingWritten = async (
  run: () => Promise<{ status: number; json: unknown }>,
  message: string,
  properties: Record<string, string>
) => {
  const before = counts()
  const audits = passedAudits()
  const response = await run()
  expect(response.status).toBe(500)
  expect(response.json).toEqual({ status: 500, message })
  expect(counts()).toEqual(before)
  expect(passedAudits()).toBe(audits)
  expect(await telemetry()).toEqual([{ name: "DeliusDataInconsistent", properties: { ...properties, message } }])
}

describe("inconsistent Delius data → 500 naming it, telemetry, nothing written", () => {
  it("two active office locations with the requested code (§7.1 step 4)", async () => {
    duplicate("OFFICE_LOCATION", "OFFICE_LOCATION_ID", DevIds.officeLocation.testTwo)
    await expectNothingWritten(
      () => merge({ officeLocationCode: "TESTTWO" }),
      "More than one active office location has code TESTTWO",
      { crn: "T140223", officeLocationCode: "TESTTWO" }
    )
  })

  it("an outcome for a contact that has no NSI (§4.2)", async () => {
    // Times the merge below sends unchanged, so the outcome goes to this contact itself (no replacement, §7.1 step 8).
    const start = Date.parse("2024-01-10T10:00:00Z")
    const contactId = duplicate("CONTACT", "CONTACT_ID", 2, {
      NSI_ID: null,
      EXTERNAL_REFERENCE: "urn:hmpps:interventions-appointment:5d1f2a3b-7c4e-4f60-9a8b-0c1d2e3f4a5b",
      CONTACT_DATE: "2024-01-10",
      CONTACT_START_TIME: londonDateTime(start),
      CONTACT_END_TIME: londonDateTime(start + 45 * 60_000)
    })
    await expectNothingWritten(
      () =>
        merge({
          id: "5d1f2a3b-7c4e-4f60-9a8b-0c1d2e3f4a5b",
          start: "2024-01-10T10:00:00Z",
          durationInMinutes: 45,
          outcome: { attended: "YES", didSessionHappen: true, notify: false }
        }),
      `Contact ${contactId} is not linked to a referral`,
      { crn: "T140223", contactId: String(contactId) }
    )
  })

  it("two NSIs with the referral's URN (§6.3 step 1), on both PUTs", async () => {
    duplicate("NSI", "NSI_ID", DevIds.nsi.withdrawn)
    const message = `More than one NSI for T140223 has EXTERNAL_REFERENCE ${withdrawnUrn}`
    await expectNothingWritten(() => merge({}), message, { crn: "T140223", referralUrn: withdrawnUrn })
    await runtime.runPromise(Effect.flatMap(TelemetryEvents, (events) => events.clear))
    await expectNothingWritten(
      () =>
        request(server, "PUT", "/probation-case/T140223/referrals", {
          token,
          body: {
            referralId: DevReferrals.withdrawn,
            startedAt: "2024-06-13T17:52:26Z",
            contractType: "ACC",
            sentenceId: DevIds.event.withNsi,
            notes: "Referral started again"
          }
        }),
      message,
      { crn: "T140223", referralUrn: withdrawnUrn }
    )
  })
})
