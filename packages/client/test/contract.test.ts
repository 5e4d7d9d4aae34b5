import { randomUUID } from "node:crypto"
import { createServer as createHttpServer } from "node:http"
import { type AddressInfo, createServer } from "node:net"
import { CaseSchemas, DevIds, DevReferrals } from "@ram-delius/core"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createRamDeliusClient, type Fetch, RamDeliusApiError, type RamDeliusClient } from "../src/index.js"
import { type Host, startHost } from "./support/host.js"

/**
 * The client against the real HTTP host (SQLite dev dataset, RS256 tokens from a local JWKS): every operation, its
 * answer checked against the dev data and decoded with the server's own Schema (no field the types do not know), and
 * the error paths — 400, 401, 403, 404, 409, 503, and no answer at all (status 0).
 */

let host: Host
let client: RamDeliusClient
beforeAll(async () => {
  host = await startHost()
  client = createRamDeliusClient({ baseUrl: `${host.url}/`, getToken: async () => host.token })
})
afterAll(() => host?.close())

/** Decodes with the server's Schema, failing on any property the Schema (and so the client's type) does not have. */
const strict = <A, I>(schema: Schema.Schema<A, I>, value: unknown) =>
  Schema.decodeUnknownSync(schema, { onExcessProperty: "error" })(value)

/** The rejection of `promise`, which must be a RamDeliusApiError. */
const failure = async (promise: Promise<unknown>): Promise<RamDeliusApiError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(RamDeliusApiError.is(error)).toBe(true)
  expect(error).toBeInstanceOf(RamDeliusApiError)
  return error as RamDeliusApiError
}

const futureStart = (days: number) => {
  const d = new Date(Date.now() + days * 86_400_000)
  d.setUTCHours(10, 0, 0, 0)
  return d.toISOString()
}

const referralId = "4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5"
const referral = {
  referralId,
  startedAt: "2024-06-13T17:52:26.55647055+01:00",
  contractType: "ACC",
  sentenceId: DevIds.event.withoutNsi,
  notes: "Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living"
}
const nsis = (urn: string) => host.rows("SELECT NSI_ID FROM NSI WHERE EXTERNAL_REFERENCE = ?", urn).length

describe("putReferral", () => {
  it("creates the NSI (204, resolves with nothing) and is idempotent", async () => {
    const urn = `urn:hmpps:interventions-referral:${referralId}`
    await expect(client.putReferral("S123456", referral)).resolves.toBeUndefined()
    expect(nsis(urn)).toBe(1)
    await expect(client.putReferral("S123456", referral)).resolves.toBeUndefined()
    expect(nsis(urn)).toBe(1)
  })

  it("400 with the server's message for an unknown contract type", async () => {
    const error = await failure(
      client.putReferral("S123456", { ...referral, referralId: randomUUID(), contractType: "XYZ" })
    )
    expect(error).toMatchObject({ status: 400, message: "Unexpected contract type: XYZ", operation: "putReferral" })
    expect(JSON.parse(error.body)).toEqual({ status: 400, message: "Unexpected contract type: XYZ" })
    expect(error.fields).toBeUndefined()
  })

  it("400 Validation failure with the server's fields for an invalid body", async () => {
    const invalid = { ...referral, referralId: "not-a-uuid", sentenceId: "2" } as never
    const error = await failure(client.putReferral("S123456", invalid))
    expect(error.status).toBe(400)
    expect(error.message).toBe("Validation failure")
    expect(error.fields).toEqual([
      { field: "referralId", message: 'Expected a Universally Unique Identifier, actual "not-a-uuid"' },
      { field: "sentenceId", message: 'Expected number, actual "2"' }
    ])
  })

  it("404 for an unknown person", async () => {
    const error = await failure(client.putReferral("X999999", { ...referral, referralId: randomUUID() }))
    expect(error).toMatchObject({
      status: 404,
      message: "Person with crn of X999999 not found",
      path: "/probation-case/X999999/referrals"
    })
  })
})

describe("putAppointment", () => {
  const appointment = (overrides: Record<string, unknown> = {}) => ({
    id: randomUUID(),
    referralId,
    referralReference: "AB1234AC",
    start: futureStart(3),
    durationInMinutes: 60,
    notes: "Service Delivery Appointment for Accommodation Referral AB1234AC",
    officeLocationCode: "TESTONE",
    countsTowardsRar: true,
    outcome: null,
    sentenceId: DevIds.event.withoutNsi,
    previousId: null,
    deliusId: null,
    rescheduleRequestedBy: null,
    ...overrides
  })
  const first = appointment()

  it("creates the appointment contact and resolves with its Delius id", async () => {
    await client.putReferral("S123456", referral)
    const merged = await client.putAppointment("S123456", referralId, first)
    expect(Object.keys(merged)).toEqual(["appointmentId"])
    const rows = host.rows<{ EXTERNAL_REFERENCE: string }>(
      "SELECT EXTERNAL_REFERENCE FROM CONTACT WHERE CONTACT_ID = ?",
      merged.appointmentId
    )
    expect(rows).toEqual([{ EXTERNAL_REFERENCE: `urn:hmpps:interventions-appointment:${first.id}` }])
  })

  it("409 for a clash: the only meaning of 409", async () => {
    const clashing = appointment({ start: new Date(Date.parse(first.start) + 30 * 60_000).toISOString() })
    const error = await failure(client.putAppointment("S123456", referralId, clashing))
    expect(error).toMatchObject({ status: 409, message: "Appointment conflicts with an existing future appointment" })
  })

  it("400 for a past start without an outcome; 400 for a path referralId that is not a UUID", async () => {
    const past = appointment({ start: new Date(Date.now() - 3_600_000).toISOString() })
    expect(await failure(client.putAppointment("S123456", referralId, past))).toMatchObject({
      status: 400,
      message: "Appointment started in the past and no outcome was provided"
    })
    expect(await failure(client.putAppointment("S123456", "not-a-uuid", appointment()))).toMatchObject({
      status: 400,
      message: "Path variable referralId must be a UUID, was 'not-a-uuid'"
    })
  })

  it("a supplier assessment on another referral: 200", async () => {
    const assessment = appointment({
      referralId: DevReferrals.noAppointments,
      countsTowardsRar: false,
      start: futureStart(5)
    })
    const merged = await client.putAppointment("N049975", DevReferrals.noAppointments, assessment)
    expect(Number.isSafeInteger(merged.appointmentId)).toBe(true)
  })
})

describe("the reads", () => {
  it("getResponsibleOfficer: the community manager; 404 with the server's message when there is none", async () => {
    const officer = strict(CaseSchemas.ResponsibleOfficer, await client.getResponsibleOfficer("C025519"))
    expect(officer.communityManager).toMatchObject({
      code: "N01RMT1",
      username: "john-smith",
      responsibleOfficer: true
    })
    expect(officer.prisonManager).toBeUndefined()
    const withPrison = await client.getResponsibleOfficer("C014150")
    expect(withPrison.prisonManager).toMatchObject({ code: "P01WDN1", responsibleOfficer: true })
    const error = await failure(client.getResponsibleOfficer("T140223"))
    expect(error).toMatchObject({ status: 404, message: "Person with crn of T140223 not found" })
  })

  it("getIdentifiers", async () => {
    expect(strict(CaseSchemas.Identifiers, await client.getIdentifiers("T140223"))).toEqual({
      crn: "T140223",
      nomsId: "A1234YZ"
    })
    expect(await client.getIdentifiers("Z999999")).toEqual({ crn: "Z999999" })
  })

  it("getCaseDetails; 404 with an empty body for an unknown person", async () => {
    const details = strict(CaseSchemas.CaseDetail, await client.getCaseDetails("F987462"))
    expect(details).toMatchObject({ crn: "F987462", name: { forename: "Full", surname: "Person" } })
    expect(details.contactDetails.mainAddress).toEqual({
      buildingName: "Some Building",
      streetName: "Some Street",
      postcode: "SB1 1SS"
    })
    const error = await failure(client.getCaseDetails("Z999999"))
    expect(error).toMatchObject({ status: 404, body: "", operation: "getCaseDetails", method: "GET" })
    expect(error.message).toBe("GET /probation-case/Z999999/details answered 404")
  })

  it("getConvictions and getConviction; 404 for another person's event; 400 for an id that is not a number", async () => {
    const all = strict(CaseSchemas.Convictions, await client.getConvictions("F987462"))
    expect(all.convictions.map((c) => c.id)).toEqual([DevIds.event.fullDetail])
    const one = strict(CaseSchemas.SingleConviction, await client.getConviction("F987462", DevIds.event.fullDetail))
    expect(one.conviction).toMatchObject({
      id: DevIds.event.fullDetail,
      active: true,
      mainOffence: { category: "Main Category" }
    })
    expect(await failure(client.getConviction("F987462", DevIds.event.withoutNsi))).toMatchObject({
      status: 404,
      message: `Event ${DevIds.event.withoutNsi} not found for F987462`
    })
    expect(await failure(client.getConviction("F987462", "abc"))).toMatchObject({
      status: 400,
      message: "Path variable id must be a number, was 'abc'"
    })
  })

  it("getOfficeLocations and getProbationDeliveryUnits", async () => {
    const locations = strict(Schema.Array(CaseSchemas.OfficeLocation), await client.getOfficeLocations())
    expect(locations.map((l) => l.code).sort()).toEqual(["CRSEXTL", "DEFAULT", "TESTONE", "TESTTWO"])
    expect(strict(Schema.Array(CaseSchemas.DeliveryUnit), await client.getProbationDeliveryUnits())).toEqual([
      { code: "PDU01", description: "Description of PDU01", region: { code: "CRS", description: "Test Provider" } }
    ])
  })

  it("getManagedCases and getUserDetails; 404 with an empty body for an unknown user", async () => {
    const managed = strict(CaseSchemas.ManagedCases, await client.getManagedCases("john-smith"))
    expect(managed.managedCases.map((c) => c.crn).sort()).toEqual(["C014150", "C025519"])
    expect(strict(CaseSchemas.UserDetails, await client.getUserDetails("john-smith"))).toEqual({
      username: "john-smith",
      name: { forename: "John", surname: "Smith" },
      email: "john.smith@moj.gov.uk"
    })
    expect(await failure(client.getUserDetails("nobody"))).toMatchObject({ status: 404, body: "" })
  })

  it("getUserAccess for one CRN as R&M asks; 400 for none", async () => {
    const access = strict(CaseSchemas.UserAccess, await client.getUserAccess("LimitedAccess", ["E123456"]))
    expect(access).toEqual({
      access: [
        {
          crn: "E123456",
          userExcluded: true,
          userRestricted: false,
          exclusionMessage: "There is an exclusion on this person"
        }
      ]
    })
    expect(await failure(client.getUserAccess("john-smith", []))).toMatchObject({
      status: 400,
      message: "userAccessCheck.crns: Please provide between 1 and 500 crns"
    })
  })

  it("a username is sent as one path segment, whatever it holds", async () => {
    const error = await failure(client.getUserDetails("a/../../office-locations"))
    expect(error).toMatchObject({ status: 404, path: "/users/a%2F..%2F..%2Foffice-locations/details" })
  })
})

describe("authentication and authorisation", () => {
  it("401 for a token HMPPS Auth did not sign, or none at all", async () => {
    const answers = []
    for (const token of ["not-a-jwt", ""]) {
      const unsigned = createRamDeliusClient({ baseUrl: host.url, getToken: () => token })
      const { status, message } = await failure(unsigned.getIdentifiers("T140223"))
      answers.push({ status, message })
    }
    expect(answers).toEqual([
      { status: 401, message: "Invalid token: malformed" },
      { status: 401, message: "Invalid Authorization header: expected Bearer <token>" }
    ])
  })

  it("403 for a token without the API's role, naming the role", async () => {
    const withoutRole = createRamDeliusClient({ baseUrl: host.url, getToken: () => host.tokenWithoutRole })
    const error = await failure(withoutRole.putReferral("S123456", referral))
    expect(error).toMatchObject({
      status: 403,
      message: expect.stringContaining("ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW")
    })
  })
})

describe("redirects", () => {
  it("are not followed: a 3xx rejects with its status, and the token never reaches the other origin", async () => {
    const seenElsewhere: Array<string | undefined> = []
    const elsewhere = createHttpServer((req, res) => {
      seenElsewhere.push(req.headers.authorization)
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve))
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`
    const redirecting = createHttpServer((req, res) => res.writeHead(302, { location: `${target}${req.url}` }).end())
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve))
    try {
      const port = (redirecting.address() as AddressInfo).port
      const redirected = createRamDeliusClient({ baseUrl: `http://127.0.0.1:${port}`, getToken: () => host.token })
      expect(await failure(redirected.getIdentifiers("T140223"))).toMatchObject({
        status: 302,
        message: "GET /probation-case/T140223/identifiers answered 302"
      })
      expect(seenElsewhere).toEqual([])
    } finally {
      await new Promise((resolve) => redirecting.close(resolve))
      await new Promise((resolve) => elsewhere.close(resolve))
    }
  })
})

describe("no answer: status 0 with the cause", () => {
  it("a refused connection", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const nowhere = createRamDeliusClient({ baseUrl: `http://127.0.0.1:${port}`, getToken: () => host.token })
    const error = await failure(nowhere.getOfficeLocations())
    expect(error.status).toBe(0)
    expect(error.isNetworkError).toBe(true)
    expect(error.cause).toBeInstanceOf(Error)
  })

  it("a timeout while the database hangs: the client gives up before the host's own 503", async () => {
    const release = await host.holdDatabase()
    try {
      const impatient = createRamDeliusClient({ baseUrl: host.url, getToken: () => host.token, timeoutMs: 200 })
      const error = await failure(impatient.getIdentifiers("T140223"))
      expect(error).toMatchObject({
        status: 0,
        message: "GET /probation-case/T140223/identifiers: no answer within 200 ms"
      })
      expect(error.cause).toBeDefined()
    } finally {
      await release()
    }
    await expect(client.getIdentifiers("T140223")).resolves.toEqual({ crn: "T140223", nomsId: "A1234YZ" })
  })
})

describe("503: Delius unavailable", () => {
  let outage: Host
  beforeAll(async () => {
    outage = await startHost({ requestTimeoutMs: 1_000 })
  })
  afterAll(() => outage?.close())

  it("reads and writes reject with 503 and the server's message; nothing is written", async () => {
    const release = await outage.holdDatabase()
    const urn = `urn:hmpps:interventions-referral:${referral.referralId}`
    try {
      const plain = createRamDeliusClient({ baseUrl: outage.url, getToken: () => outage.token })
      expect(await failure(plain.getCaseDetails("F987462"))).toMatchObject({
        status: 503,
        message: "Request to Delius timed out"
      })
      expect(await failure(plain.putReferral("S123456", referral))).toMatchObject({
        status: 503,
        message: "Request to Delius timed out"
      })
    } finally {
      await release()
    }
    expect(outage.rows("SELECT NSI_ID FROM NSI WHERE EXTERNAL_REFERENCE = ?", urn)).toEqual([])
  })

  it("with `retry`, a read is sent again after a 503 and succeeds once the database is back", async () => {
    const release = await outage.holdDatabase()
    const statuses: Array<number> = []
    // The real fetch, watched: the outage ends once the first 503 has come back.
    const watching: Fetch = async (url, init) => {
      const response = await fetch(url, init)
      statuses.push(response.status)
      if (response.status === 503) await release()
      return response
    }
    const retrying = createRamDeliusClient({
      baseUrl: outage.url,
      getToken: () => outage.token,
      fetch: watching,
      retry: { retries: 2, delayMs: 10 }
    })
    try {
      await expect(retrying.getIdentifiers("T140223")).resolves.toEqual({ crn: "T140223", nomsId: "A1234YZ" })
      expect(statuses).toEqual([503, 200])
    } finally {
      await release()
    }
  })
})
