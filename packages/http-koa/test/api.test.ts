import { randomUUID } from "node:crypto"
import { DevIds, DevReferrals, londonDate, londonDateTime, plusDays } from "@ram-delius/core"
import { describe, expect, it } from "vitest"
import { request, type TestDatabase, type TestServer, useSeededServer } from "./support/harness.js"

/** Every endpoint of spec §4.1–§4.11 over a real server, with the Delius rows checked for the two PUTs. */

let db: TestDatabase
let server: TestServer
let token: string
useSeededServer((fixture) => ({ db, server, token } = fixture))

const get = (path: string) => request(server, "GET", path, { token })
const put = (path: string, body: unknown) => request(server, "PUT", path, { token, body })

const today = londonDate(Date.now())
const yearsAgo = (years: number) => `${Number(today.slice(0, 4)) - years}${today.slice(4)}`.replace(/-02-29$/, "-02-28")

const fullPerson = {
  crn: "F987462",
  name: { forename: "Full", surname: "Person" },
  dateOfBirth: yearsAgo(42),
  gender: "Description of GEN1",
  profile: {
    primaryLanguage: "Description of LANG1",
    ethnicity: "Description of ETH1",
    religion: "Description of REL1",
    disabilities: [
      { type: "Description of DIS1", startDate: plusDays(today, -14), notes: "Some notes about the disability" }
    ]
  },
  contactDetails: {
    noFixedAbode: false,
    mainAddress: { buildingName: "Some Building", streetName: "Some Street", postcode: "SB1 1SS" },
    emailAddress: "someone@somewhere.com",
    telephoneNumber: "0191 234 6718",
    mobileNumber: "07453351625"
  }
}

const fullConviction = {
  id: DevIds.event.fullDetail,
  date: plusDays(today, -14),
  sentence: { description: "Default Sentence Type" },
  mainOffence: { category: "Main Category", subCategory: "Sub Category" },
  active: true
}

const johnSmith = {
  code: "N01RMT1",
  name: { forename: "John", surname: "Smith" },
  username: "john-smith",
  email: "john.smith@moj.gov.uk",
  telephoneNumber: "07321165373",
  pdu: { code: "PDU01", description: "Description of PDU01" },
  team: { code: "N01PRO", description: "Team N01PRO", email: "team@N01PRO.co.uk", telephoneNumber: "020 785 4451" },
  officeLocations: [{ code: "DEFAULT", description: "Description of DEFAULT" }],
  unallocated: false
}

// --- §4.1 referral started ------------------------------------------------------------------------------------------

const referralId = "4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5"
const referralUrn = `urn:hmpps:interventions-referral:${referralId}`
const referralNotes =
  "Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living\n" +
  `https://refer-monitor-intervention.service.justice.gov.uk/probation-practitioner/referrals/${referralId}/details`

/** R&M's exact body (client-contract §2.2): 8 fraction digits, +01:00. */
const referralStarted = {
  contractType: "ACC",
  startedAt: "2024-06-13T17:52:26.55647055+01:00",
  sentenceId: DevIds.event.withoutNsi,
  referralId,
  notes: referralNotes
}

describe("PUT /probation-case/{crn}/referrals (§4.1)", () => {
  it("creates the NSI, its manager, status history and the NREF / C091 / NCOM contacts → 204 with an empty body", async () => {
    const response = await put("/probation-case/S123456/referrals", referralStarted)
    expect(response.status).toBe(204)
    expect(response.text).toBe("")

    const nsis = db.rows<Record<string, unknown>>(
      `SELECT n.*, t.CODE AS TYPE_CODE, s.CODE AS STATUS_CODE FROM NSI n
       JOIN R_NSI_TYPE t ON t.NSI_TYPE_ID = n.NSI_TYPE_ID JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = n.NSI_STATUS_ID
       WHERE n.EXTERNAL_REFERENCE = ?`,
      referralUrn
    )
    expect(nsis).toHaveLength(1)
    const nsi = nsis[0]!
    expect(nsi).toMatchObject({
      OFFENDER_ID: DevIds.offender.S123456,
      TYPE_CODE: "CRS01",
      STATUS_CODE: "INPROG",
      EVENT_ID: DevIds.event.withoutNsi,
      RQMNT_ID: DevIds.requirement.onSentenceWithoutNsi,
      REFERRAL_DATE: "2024-06-13",
      ACTUAL_START_DATE: "2024-06-13 17:52:26.556000",
      NSI_STATUS_DATE: "2024-06-13 17:52:26.556000",
      NOTES: referralNotes,
      INTENDED_PROVIDER_ID: DevIds.provider.crs,
      ACTIVE_FLAG: 1,
      SOFT_DELETED: 0
    })
    expect(
      db.rows("SELECT PROBATION_AREA_ID, TEAM_ID, STAFF_ID FROM NSI_MANAGER WHERE NSI_ID = ?", nsi.NSI_ID)
    ).toEqual([{ PROBATION_AREA_ID: DevIds.provider.crs, TEAM_ID: DevIds.team.crsuat, STAFF_ID: DevIds.staff.crsuatu }])
    expect(
      db.rows(
        "SELECT s.CODE, h.NOTES FROM NSI_STATUS_HISTORY h JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = h.NSI_STATUS_ID WHERE h.NSI_ID = ?",
        nsi.NSI_ID
      )
    ).toEqual([{ CODE: "INPROG", NOTES: referralNotes }])
    const contacts = db.rows<{ CODE: string }>(
      "SELECT t.CODE FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID WHERE c.NSI_ID = ? ORDER BY t.CODE",
      nsi.NSI_ID
    )
    expect(contacts.map((c) => c.CODE)).toEqual(["C091", "NCOM", "NREF"])
    expect(
      db.count(
        `SELECT COUNT(*) FROM AUDITED_INTERACTION a JOIN BUSINESS_INTERACTION b ON b.BUSINESS_INTERACTION_ID = a.BUSINESS_INTERACTION_ID
         WHERE b.BUSINESS_INTERACTION_CODE = 'NIBI009' AND a.OUTCOME = 'P' AND a.INTERACTION_PARAMETERS = ?`,
        `offenderId='${DevIds.offender.S123456}',nsiId='${nsi.NSI_ID}'`
      )
    ).toBe(1)
  })

  it("is idempotent: the same PUT again → 204 and still one NSI with three contacts (client-contract §2.2)", async () => {
    const response = await put("/probation-case/S123456/referrals", { ...referralStarted, serviceUserCrn: "S123456" })
    expect(response.status).toBe(204)
    expect(db.count("SELECT COUNT(*) FROM NSI WHERE EXTERNAL_REFERENCE = ?", referralUrn)).toBe(1)
    expect(
      db.count(
        "SELECT COUNT(*) FROM CONTACT c JOIN NSI n ON n.NSI_ID = c.NSI_ID WHERE n.EXTERNAL_REFERENCE = ?",
        referralUrn
      )
    ).toBe(3)
  })

  it("unknown person → 404", async () => {
    const response = await put("/probation-case/X999999/referrals", { ...referralStarted, referralId: randomUUID() })
    expect(response.status).toBe(404)
    expect(response.json).toEqual({ status: 404, message: "Person with crn of X999999 not found" })
  })

  it("unknown event → 404", async () => {
    const response = await put("/probation-case/S123456/referrals", {
      ...referralStarted,
      referralId: randomUUID(),
      sentenceId: 999
    })
    expect(response.status).toBe(404)
    expect(response.json).toEqual({ status: 404, message: "Event with id of 999 not found" })
  })

  it("unknown contract type → 400 naming it (decision Q5), nothing written", async () => {
    const nsis = db.count("SELECT COUNT(*) FROM NSI")
    const response = await put("/probation-case/S123456/referrals", {
      ...referralStarted,
      referralId: randomUUID(),
      contractType: "XYZ"
    })
    expect(response.status).toBe(400)
    expect(response.json).toEqual({ status: 400, message: "Unexpected contract type: XYZ" })
    expect(db.count("SELECT COUNT(*) FROM NSI")).toBe(nsis)
  })

  it("invalid body → 400 Validation failure naming each bad field (decision Q6)", async () => {
    const response = await put("/probation-case/S123456/referrals", {
      referralId: "not-a-uuid",
      startedAt: "2024-02-30T10:00:00Z",
      contractType: 7,
      sentenceId: "2"
    })
    expect(response.status).toBe(400)
    expect(response.json).toEqual({
      status: 400,
      message: "Validation failure",
      fields: [
        { field: "referralId", message: 'Expected a Universally Unique Identifier, actual "not-a-uuid"' },
        { field: "startedAt", message: "Expected an ISO-8601 date-time between years 1900 and 2199" },
        { field: "contractType", message: "Expected string, actual 7" },
        { field: "sentenceId", message: 'Expected number, actual "2"' },
        { field: "notes", message: "is missing" }
      ]
    })
  })

  it("malformed JSON → 400, missing body → 400", async () => {
    const malformed = await request(server, "PUT", "/probation-case/S123456/referrals", {
      token,
      raw: '{"referralId":'
    })
    expect(malformed.status).toBe(400)
    expect(malformed.json).toEqual({ status: 400, message: "Malformed JSON request body" })
    const missing = await request(server, "PUT", "/probation-case/S123456/referrals", { token })
    expect(missing.status).toBe(400)
    expect(missing.json).toEqual({ status: 400, message: "Required request body is missing" })
  })
})

// --- §4.2 merge appointment -----------------------------------------------------------------------------------------

/** Start of a future appointment: `days` ahead, on the hour, in UTC (as the UI sends it, client-contract §2.3). */
const futureStart = (days: number, hour = 10) => {
  const d = new Date(Date.now() + days * 86_400_000)
  d.setUTCHours(hour, 0, 0, 0)
  return d.toISOString().replace(".000Z", "Z")
}

const appointmentNotes = (id: string) =>
  "Service Delivery Appointment for Accommodation Referral AB1234AC with Prime Provider Harmony Living\n" +
  `https://refer-monitor-intervention.service.justice.gov.uk/probation-practitioner/referrals/${id}/progress`

const mergeBody = (overrides: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  referralId,
  referralReference: "AB1234AC",
  serviceUserCrn: "S123456",
  sentenceId: DevIds.event.withoutNsi,
  start: futureStart(3),
  durationInMinutes: 60,
  notes: appointmentNotes(referralId),
  officeLocationCode: "TESTONE",
  countsTowardsRar: true,
  outcome: null,
  previousId: null,
  deliusId: null,
  rescheduleRequestedBy: null,
  ...overrides
})

const mergePath = (crn = "S123456", pathReferralId = referralId) =>
  `/probation-case/${crn}/referrals/${pathReferralId}/appointments`

const contact = (contactId: number) =>
  db.rows<Record<string, unknown>>(
    `SELECT c.*, t.CODE AS TYPE_CODE, o.CODE AS OUTCOME_CODE FROM CONTACT c
     JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
     LEFT JOIN R_CONTACT_OUTCOME_TYPE o ON o.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID
     WHERE c.CONTACT_ID = ?`,
    contactId
  )[0]

describe("PUT /probation-case/{crn}/referrals/{referralId}/appointments (§4.2)", () => {
  const first = mergeBody()
  let firstId = 0

  it("creates a CRSAPT contact for a new future appointment → 200 {appointmentId}", async () => {
    const response = await put(mergePath(), first)
    expect(response.status).toBe(200)
    expect(Object.keys(response.json)).toEqual(["appointmentId"])
    firstId = response.json.appointmentId
    expect(Number.isInteger(firstId)).toBe(true)

    const nsiId = db.rows<{ NSI_ID: number }>("SELECT NSI_ID FROM NSI WHERE EXTERNAL_REFERENCE = ?", referralUrn)[0]!
      .NSI_ID
    const start = Date.parse(first.start)
    expect(contact(firstId)).toMatchObject({
      OFFENDER_ID: DevIds.offender.S123456,
      TYPE_CODE: "CRSAPT",
      // The NSI's requirement is a RAR requirement (main category F), §7.1 step 5c.
      RAR_ACTIVITY: "Y",
      EXTERNAL_REFERENCE: `urn:hmpps:interventions-appointment:${first.id}`,
      OFFICE_LOCATION_ID: DevIds.officeLocation.testOne,
      NSI_ID: nsiId,
      EVENT_ID: DevIds.event.withoutNsi,
      CONTACT_DATE: londonDate(start),
      CONTACT_START_TIME: londonDateTime(start),
      CONTACT_END_TIME: londonDateTime(start + 60 * 60_000),
      PROBATION_AREA_ID: DevIds.provider.crs,
      TEAM_ID: DevIds.team.crsuat,
      STAFF_ID: DevIds.staff.crsuatu,
      NOTES: `\n${first.notes}`,
      OUTCOME_CODE: null,
      SOFT_DELETED: 0
    })
  })

  it("the same request again returns the same appointment and writes nothing new", async () => {
    const contacts = db.count("SELECT COUNT(*) FROM CONTACT")
    const response = await put(mergePath(), first)
    expect(response.status).toBe(200)
    expect(response.json).toEqual({ appointmentId: firstId })
    expect(db.count("SELECT COUNT(*) FROM CONTACT")).toBe(contacts)
  })

  it("a clashing future appointment → 409 (the UI keys on the status, client-contract §2.3)", async () => {
    const contacts = db.count("SELECT COUNT(*) FROM CONTACT")
    const clashing = mergeBody({ start: new Date(Date.parse(first.start) + 30 * 60_000).toISOString() })
    const response = await put(mergePath(), clashing)
    expect(response.status).toBe(409)
    expect(response.json).toEqual({ status: 409, message: "Appointment conflicts with an existing future appointment" })
    expect(db.count("SELECT COUNT(*) FROM CONTACT")).toBe(contacts)
  })

  it("a reschedule (previousId) creates a replacement and outcomes the original RSSR", async () => {
    const rescheduled = mergeBody({
      previousId: first.id,
      deliusId: firstId,
      start: futureStart(4),
      rescheduleRequestedBy: "Service Provider"
    })
    const response = await put(mergePath(), rescheduled)
    expect(response.status).toBe(200)
    const replacementId = response.json.appointmentId
    expect(replacementId).not.toBe(firstId)
    expect(contact(firstId)).toMatchObject({ OUTCOME_CODE: "RSSR", RAR_ACTIVITY: "N" })
    expect(contact(replacementId)).toMatchObject({
      TYPE_CODE: "CRSAPT",
      EXTERNAL_REFERENCE: `urn:hmpps:interventions-appointment:${rescheduled.id}`,
      CONTACT_START_TIME: londonDateTime(Date.parse(rescheduled.start)),
      OFFICE_LOCATION_ID: DevIds.officeLocation.testOne
    })
  })

  it("a past appointment with an outcome is created and outcomed (ATTC, hours credited)", async () => {
    const start = new Date(Date.now() - 30 * 60_000).toISOString()
    const body = mergeBody({
      start,
      durationInMinutes: 30,
      officeLocationCode: "CRSEXTL",
      outcome: {
        attended: "YES",
        notifyProbationPractitionerOfAttendanceFailure: false,
        notifyProbationPractitionerOfBehaviour: false,
        notifyProbationPractitionerOfConcerns: false,
        didSessionHappen: true,
        noSessionReasonType: null
      }
    })
    const response = await put(mergePath(), body)
    expect(response.status).toBe(200)
    expect(contact(response.json.appointmentId)).toMatchObject({
      OUTCOME_CODE: "ATTC",
      ATTENDED: "Y",
      COMPLIED: "Y",
      HOURS_CREDITED: 0.5,
      OFFICE_LOCATION_ID: DevIds.officeLocation.crsExtl
    })
  })

  it("a supplier assessment (countsTowardsRar false) is a CRSSAA contact without RAR", async () => {
    const body = mergeBody({
      referralId: DevReferrals.noAppointments,
      countsTowardsRar: false,
      officeLocationCode: null,
      start: futureStart(5)
    })
    const response = await put(mergePath("N049975", DevReferrals.noAppointments), body)
    expect(response.status).toBe(200)
    expect(contact(response.json.appointmentId)).toMatchObject({
      OFFENDER_ID: DevIds.offender.N049975,
      TYPE_CODE: "CRSSAA",
      RAR_ACTIVITY: "N",
      OFFICE_LOCATION_ID: null,
      EXTERNAL_REFERENCE: `urn:hmpps:interventions-appointment:${body.id}`
    })
  })

  it("a past start without an outcome → 400, nothing written", async () => {
    const contacts = db.count("SELECT COUNT(*) FROM CONTACT")
    const response = await put(mergePath(), mergeBody({ start: new Date(Date.now() - 3_600_000).toISOString() }))
    expect(response.status).toBe(400)
    expect(response.json).toEqual({
      status: 400,
      message: "Appointment started in the past and no outcome was provided"
    })
    expect(db.count("SELECT COUNT(*) FROM CONTACT")).toBe(contacts)
  })

  it("an unknown office location → 404", async () => {
    const response = await put(mergePath(), mergeBody({ officeLocationCode: "NOPE", start: futureStart(6) }))
    expect(response.status).toBe(404)
    expect(response.json).toEqual({ status: 404, message: "Location with code of NOPE not found" })
  })

  it("an unknown referral (the body's referralId is the one used) → 404", async () => {
    const other = randomUUID()
    const response = await put(mergePath(), mergeBody({ referralId: other, start: futureStart(6) }))
    expect(response.status).toBe(404)
    expect(response.json).toEqual({
      status: 404,
      message: `Unable to match Referral urn:hmpps:interventions-referral:${other} => CRN S123456`
    })
  })

  it("an unknown person → 404", async () => {
    const response = await put(mergePath("X999999"), mergeBody({ start: futureStart(6) }))
    expect(response.status).toBe(404)
    expect(response.json).toEqual({ status: 404, message: `Unable to match Referral ${referralUrn} => CRN X999999` })
  })

  it("the path referralId must be a UUID → 400", async () => {
    const response = await put(mergePath("S123456", "not-a-uuid"), mergeBody())
    expect(response.status).toBe(400)
    expect(response.json).toEqual({ status: 400, message: "Path variable referralId must be a UUID, was 'not-a-uuid'" })
  })

  it("an invalid body → 400 Validation failure naming each bad field", async () => {
    const { id: _, ...withoutId } = mergeBody()
    const response = await put(mergePath(), {
      ...withoutId,
      start: "yesterday",
      outcome: { attended: "sometimes" },
      durationInMinutes: -5
    })
    expect(response.status).toBe(400)
    expect(response.json.message).toBe("Validation failure")
    expect(response.json.fields).toEqual([
      { field: "id", message: "is missing" },
      { field: "start", message: "Expected an ISO-8601 date-time between years 1900 and 2199" },
      { field: "durationInMinutes", message: "Expected a number between 0 and 1440, actual -5" },
      { field: "outcome.attended", message: 'Expected YES, LATE or NO, actual "sometimes"' }
    ])
  })
})

// --- §4.3–§4.11 reads -----------------------------------------------------------------------------------------------

describe("GET /probation-case/{crn}/responsible-officer (§4.3)", () => {
  it("community manager who is the responsible officer", async () => {
    const response = await get("/probation-case/C025519/responsible-officer")
    expect(response.status).toBe(200)
    expect(response.json).toEqual({ communityManager: { ...johnSmith, responsibleOfficer: true } })
  })

  it("a prison manager when the community manager is not the responsible officer", async () => {
    const response = await get("/probation-case/C014150/responsible-officer")
    expect(response.status).toBe(200)
    expect(response.json).toEqual({
      communityManager: { ...johnSmith, responsibleOfficer: false },
      prisonManager: {
        code: "P01WDN1",
        name: { forename: "Peter", surname: "Wilson" },
        email: "manager@prison.gov.uk",
        telephoneNumber: "020 010 3445",
        responsibleOfficer: true,
        pdu: { code: "PDU02", description: "Description of PDU02" },
        team: {
          code: "P01PRI",
          description: "Team P01PRI",
          email: "team@P01PRI.co.uk",
          telephoneNumber: "020 785 4451"
        },
        unallocated: false
      }
    })
  })

  it("no community manager → 404", async () => {
    const response = await get("/probation-case/T140223/responsible-officer")
    expect(response.status).toBe(404)
    expect(response.json).toEqual({ status: 404, message: "Person with crn of T140223 not found" })
  })
})

describe("GET /probation-case/{crn}/identifiers (§4.4)", () => {
  it("CRN and NOMS number", async () => {
    const response = await get("/probation-case/T140223/identifiers")
    expect(response.status).toBe(200)
    expect(response.json).toEqual({ crn: "T140223", nomsId: "A1234YZ" })
  })

  it("always 200: an unknown CRN, or no NOMS number, omits nomsId", async () => {
    expect((await get("/probation-case/Z999999/identifiers")).json).toEqual({ crn: "Z999999" })
    expect((await get("/probation-case/S123456/identifiers")).json).toEqual({ crn: "S123456" })
  })
})

describe("GET /probation-case/{crn}/details (§4.5)", () => {
  it("a person with every detail", async () => {
    const response = await get("/probation-case/F987462/details")
    expect(response.status).toBe(200)
    expect(response.json).toEqual(fullPerson)
  })

  it("a minimal person: nulls omitted, no profile", async () => {
    const response = await get("/probation-case/M123456/details")
    expect(response.json).toEqual({
      crn: "M123456",
      name: { forename: "Minimal", surname: "Person" },
      dateOfBirth: yearsAgo(27),
      contactDetails: { noFixedAbode: false }
    })
  })

  it("unknown person → 404 with an EMPTY body", async () => {
    const response = await get("/probation-case/Z999999/details")
    expect(response.status).toBe(404)
    expect(response.text).toBe("")
  })
})

describe("GET /probation-case/{crn}/convictions[/{id}] (§4.6)", () => {
  it("active convictions with the case detail", async () => {
    const response = await get("/probation-case/F987462/convictions")
    expect(response.status).toBe(200)
    expect(response.json).toEqual({ caseDetail: fullPerson, convictions: [fullConviction] })
  })

  it("no convictions → empty list", async () => {
    const response = await get("/probation-case/M123456/convictions")
    expect(response.json.convictions).toEqual([])
  })

  it("unknown person → 404 with the error body", async () => {
    const response = await get("/probation-case/Z999999/convictions")
    expect(response.status).toBe(404)
    expect(response.json).toEqual({ status: 404, message: "Person with crn of Z999999 not found" })
  })

  it("one conviction by event id", async () => {
    const response = await get(`/probation-case/F987462/convictions/${DevIds.event.fullDetail}`)
    expect(response.status).toBe(200)
    expect(response.json).toEqual({ caseDetail: fullPerson, conviction: fullConviction })
  })

  it("another person's event → 404", async () => {
    const response = await get(`/probation-case/F987462/convictions/${DevIds.event.withoutNsi}`)
    expect(response.status).toBe(404)
    expect(response.json).toEqual({ status: 404, message: `Event ${DevIds.event.withoutNsi} not found for F987462` })
  })

  it("a non-numeric id → 400", async () => {
    for (const id of ["abc", "1.5", "12abc", "99999999999999999999"]) {
      const response = await get(`/probation-case/F987462/convictions/${id}`)
      expect(response.status).toBe(400)
      expect(response.json).toEqual({ status: 400, message: `Path variable id must be a number, was '${id}'` })
    }
  })
})

describe("GET /office-locations and /probation-delivery-units (§4.7, §4.8)", () => {
  it("active CRS office locations with their provider", async () => {
    const response = await get("/office-locations")
    expect(response.status).toBe(200)
    const provider = { code: "CRS", description: "Test Provider" }
    const byCode = (a: { code: string }, b: { code: string }) => a.code.localeCompare(b.code)
    expect([...response.json].sort(byCode)).toEqual([
      { code: "CRSEXTL", description: "Description of CRSEXTL", provider },
      { code: "DEFAULT", description: "Description of DEFAULT", provider },
      {
        code: "TESTONE",
        description: "Description of TESTONE",
        address: { buildingName: "Test One", streetName: "Mantle Place", postcode: "MP1 1PM" },
        provider
      },
      {
        code: "TESTTWO",
        description: "Description of TESTTWO",
        address: { buildingName: "Test Two", postcode: "MP2 2PM" },
        telephoneNumber: "020 123 6789",
        provider
      }
    ])
  })

  it("selectable probation delivery units", async () => {
    const response = await get("/probation-delivery-units")
    expect(response.status).toBe(200)
    expect(response.json).toEqual([
      { code: "PDU01", description: "Description of PDU01", region: { code: "CRS", description: "Test Provider" } }
    ])
  })
})

describe("GET /users/{username}/managed-cases and /details (§4.9, §4.10)", () => {
  const sorted = (json: { managedCases: Array<{ crn: string }> }) => json.managedCases.map((c) => c.crn).sort()

  it("managed cases by username (any case) or numeric user id", async () => {
    for (const user of ["john-smith", "JOHN-SMITH", String(DevIds.user.johnSmith)]) {
      const response = await get(`/users/${user}/managed-cases`)
      expect(response.status).toBe(200)
      expect(sorted(response.json)).toEqual(["C014150", "C025519"])
    }
  })

  it("an unknown user manages nothing", async () => {
    expect((await get("/users/nobody/managed-cases")).json).toEqual({ managedCases: [] })
  })

  it("user details from the directory, by username or user id", async () => {
    for (const user of ["john-smith", String(DevIds.user.johnSmith)]) {
      const response = await get(`/users/${user}/details`)
      expect(response.status).toBe(200)
      expect(response.json).toEqual({
        username: "john-smith",
        name: { forename: "John", surname: "Smith" },
        email: "john.smith@moj.gov.uk"
      })
    }
  })

  it("an unknown user → 404 with an EMPTY body", async () => {
    for (const user of ["nobody", "12345"]) {
      const response = await get(`/users/${user}/details`)
      expect(response.status).toBe(404)
      expect(response.text).toBe("")
    }
  })
})

describe("GET and POST /users/{username}/access (§4.11)", () => {
  const crns = ["E123456", "R123456", "B123456", "T140223"]
  const none = (crn: string) => ({ crn, userExcluded: false, userRestricted: false })

  it("a user with an exclusion, and not on a restriction's list", async () => {
    const response = await request(server, "POST", "/users/LimitedAccess/access", { token, body: crns })
    expect(response.status).toBe(200)
    expect(response.json).toEqual({
      access: [
        {
          crn: "E123456",
          userExcluded: true,
          userRestricted: false,
          exclusionMessage: "There is an exclusion on this person"
        },
        {
          crn: "R123456",
          userExcluded: false,
          userRestricted: true,
          restrictionMessage: "There is a restriction on this person"
        },
        {
          crn: "B123456",
          userExcluded: true,
          userRestricted: true,
          exclusionMessage: "You are excluded from viewing this case",
          restrictionMessage: "You are restricted from viewing this case"
        },
        none("T140223")
      ]
    })
  })

  it("GET with the same body; the user on the restriction list is not restricted", async () => {
    const response = await request(server, "GET", "/users/ReferAndMonitorAndDelius/access", { token, body: crns })
    expect(response.status).toBe(200)
    expect(response.json).toEqual({ access: crns.map(none) })
  })

  it("an unknown user is limited by any exclusion or restriction; one CRN as R&M sends it", async () => {
    const response = await request(server, "POST", "/users/nobody/access", { token, body: ["B123456"] })
    expect(response.json.access).toEqual([
      {
        crn: "B123456",
        userExcluded: true,
        userRestricted: true,
        exclusionMessage: "You are excluded from viewing this case",
        restrictionMessage: "You are restricted from viewing this case"
      }
    ])
  })

  it("0 or more than 500 CRNs → 400 (§14)", async () => {
    for (const body of [[], Array.from({ length: 501 }, (_, i) => `X${String(i).padStart(6, "0")}`)]) {
      const response = await request(server, "POST", "/users/john-smith/access", { token, body })
      expect(response.status).toBe(400)
      expect(response.json).toEqual({
        status: 400,
        message: "userAccessCheck.crns: Please provide between 1 and 500 crns"
      })
    }
  })

  it("not a list of CRNs, or no body → 400", async () => {
    const wrong = await request(server, "POST", "/users/john-smith/access", { token, body: { crns: ["T140223"] } })
    expect(wrong.status).toBe(400)
    expect(wrong.json.message).toBe("Validation failure")
    const missing = await request(server, "GET", "/users/john-smith/access", { token })
    expect(missing.status).toBe(400)
    expect(missing.json).toEqual({ status: 400, message: "Required request body is missing" })
  })
})

// --- out-of-range input (found by the fuzz work; fixed in core by bounding durationInMinutes and date-time years) ------

describe("out-of-range input is a 4xx, not a 500", () => {
  const outOfRange = async (overrides: Record<string, unknown>) => {
    const contacts = db.count("SELECT COUNT(*) FROM CONTACT")
    const response = await put(mergePath(), mergeBody(overrides))
    expect(db.count("SELECT COUNT(*) FROM CONTACT")).toBe(contacts)
    expect(response.status).toBe(400)
  }

  // durationInMinutes is bounded to a day; unbounded, end = start + duration would leave the Date range.
  it("a huge durationInMinutes", () => outOfRange({ durationInMinutes: 2 ** 40 }))

  // Date-times are accepted for years 1900–2199 only.
  it("a start at the end of year 9999", () => outOfRange({ start: "9999-12-31T23:30:00Z" }))
})
