import { Effect, Schema } from "effect"
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest"
import { DevIds, referenceId } from "../../src/delius/seed.js"
import { Referral, ReferralStarted } from "../../src/referral/Referral.js"
import { describeOnDialectsAndSpans, dropSeededDatabases } from "../../src/testing/index.js"
import { type Harness, makeHarness, named } from "../support/harness.js"

/** Referral started (spec §4.1, §6.3, §14, decisions Q1/Q5) against real databases with the dev dataset. */
afterAll(dropSeededDatabases)

const REFERRAL_ID = "4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5"
const URN = `urn:hmpps:interventions-referral:${REFERRAL_ID}`
const NOTES =
  "Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living\nhttps://refer-monitor-intervention.service.justice.gov.uk/probation-practitioner/referrals/4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5/details"
// client-contract §2.2 example: London summer time, 8 fraction digits → stored as London wall clock (§2.2).
const STARTED_AT = "2024-06-13T17:52:26.55647055+01:00"
const STARTED_WALL_CLOCK = "2024-06-13 17:52:26.556000"

const request = (overrides: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(ReferralStarted)({
    referralId: REFERRAL_ID,
    startedAt: STARTED_AT,
    contractType: "ACC",
    sentenceId: DevIds.event.withoutNsi,
    notes: NOTES,
    ...overrides
  })

const start = (crn: string, body: ReferralStarted) => Effect.flatMap(Referral, (r) => r.start(crn, body))

describeOnDialectsAndSpans(describe, "Referral.start", (kind, tracing) => {
  let h: Harness
  beforeEach(async () => {
    h = await makeHarness(kind, { tracing })
  })
  afterEach(() => h.dispose())

  it("creates the NSI, its manager, status history and the NREF / C091 / NCOM contacts (§6.3 step 2)", async () => {
    const contactsBefore = await h.count("CONTACT")
    await h.run(start("S123456", request()))

    const nsis = (await h.nsis()).filter((n) => n.externalReference === URN)
    expect(nsis).toHaveLength(1)
    const nsi = nsis[0]!
    // NSI_ID_SEQ: the dev dataset used 1–4.
    expect(nsi).toMatchObject({
      nsiId: 5,
      offenderId: DevIds.offender.S123456,
      typeCode: "CRS01",
      statusCode: "INPROG",
      nsiOutcomeId: null,
      outcomeCode: null,
      nsiStatusDate: STARTED_WALL_CLOCK,
      referralDate: "2024-06-13",
      actualStartDate: STARTED_WALL_CLOCK,
      actualEndDate: null,
      notes: NOTES,
      externalReference: URN,
      intendedProviderId: DevIds.provider.crs,
      eventId: DevIds.event.withoutNsi,
      // The RAR requirement (main category F) on the sentence of S123456 (§6.3 step 2.3).
      rqmntId: DevIds.requirement.onSentenceWithoutNsi,
      rarCount: null,
      pendingTransfer: 0,
      activeFlag: 1,
      softDeleted: 0,
      rowVersion: 0,
      createdByUserId: DevIds.user.referAndMonitorAndDelius,
      lastUpdatedUserId: DevIds.user.referAndMonitorAndDelius
    })
    expect(nsi.createdDatetime).toBe(nsi.lastUpdatedDatetime)

    const managers = (await h.rows("NSI_MANAGER", "NSI_MANAGER_ID")).filter((m) => m.nsiId === 5)
    expect(managers).toEqual([
      expect.objectContaining({
        nsiManagerId: 4,
        probationAreaId: DevIds.provider.crs,
        teamId: DevIds.team.crsuat,
        staffId: DevIds.staff.crsuatu,
        startDate: STARTED_WALL_CLOCK,
        activeFlag: 1,
        softDeleted: 0,
        partitionAreaId: 0,
        rowVersion: 0,
        createdByUserId: DevIds.user.referAndMonitorAndDelius
      })
    ])
    const history = await h.rows("NSI_STATUS_HISTORY", "NSI_STATUS_HISTORY_ID")
    expect(history).toEqual([
      expect.objectContaining({
        nsiStatusHistoryId: 1,
        nsiId: 5,
        nsiStatusId: 1,
        nsiStatusDate: STARTED_WALL_CLOCK,
        notes: NOTES,
        softDeleted: 0,
        rowVersion: 0
      })
    ])

    const contacts = (await h.contacts()).filter((c) => c.nsiId === 5)
    expect(await h.count("CONTACT")).toBe(contactsBefore + 3)
    expect(contacts.map((c) => [c.contactId, c.typeCode])).toEqual([
      [5, "NREF"],
      [6, "C091"],
      [7, "NCOM"]
    ])
    for (const c of contacts) {
      // The NSI-contact pattern (§8.4): no notes, end time, location, outcome, RAR flag, reference or link.
      expect(c).toMatchObject({
        offenderId: DevIds.offender.S123456,
        contactDate: "2024-06-13",
        contactStartTime: STARTED_WALL_CLOCK,
        contactEndTime: null,
        eventId: DevIds.event.withoutNsi,
        nsiId: 5,
        probationAreaId: DevIds.provider.crs,
        teamId: DevIds.team.crsuat,
        staffId: DevIds.staff.crsuatu,
        officeLocationId: null,
        contactOutcomeTypeId: null,
        attended: null,
        complied: null,
        hoursCredited: null,
        rarActivity: null,
        linkedContactId: null,
        externalReference: null,
        notes: null,
        softDeleted: 0,
        partitionAreaId: 0,
        rowVersion: 0
      })
    }

    expect(await h.audits()).toEqual([
      {
        code: "NIBI009",
        outcome: "P",
        parameters: "offenderId='3',nsiId='5'",
        userId: DevIds.user.referAndMonitorAndDelius
      }
    ])
    expect(await h.telemetry()).toEqual([
      { name: "ReferralStarted", properties: { crn: "S123456", referralId: REFERRAL_ID } }
    ])
  })

  it.each([
    ["ETE", "CRS02"],
    ["MTR", "CRS03"],
    ["DNR-SW", "CRS04"],
    ["PWB", "CRS05"],
    ["WOS", "CRS06"],
    ["WSM", "CRS07"],
    ["FBD-TR", "CRS08"]
  ])("maps contract type %s to NSI type %s (§6.2)", async (contractType, nsiType) => {
    await h.run(start("S123456", request({ contractType })))
    expect((await h.nsi(5)).typeCode).toBe(nsiType)
  })

  it("is idempotent: a repeated identical PUT changes nothing (created = last updated, §14)", async () => {
    await h.run(start("S123456", request()))
    const before = await h.snapshot()
    await h.run(start("S123456", request()))
    expect(await h.snapshot()).toEqual(before)
    const nsi = await h.nsi(5)
    expect(nsi.rowVersion).toBe(0)
    expect(nsi.createdDatetime).toBe(nsi.lastUpdatedDatetime)
    expect((await h.audits()).map((a) => [a.outcome, a.parameters])).toEqual([
      ["P", "offenderId='3',nsiId='5'"],
      ["P", "offenderId='3',nsiId='5'"]
    ])
    expect(named(await h.telemetry(), "ReferralStarted")).toHaveLength(2)
  })

  it("replaces the NSI notes (and the actual start) when a repeat carries new values (§6.3 step 3)", async () => {
    await h.run(start("S123456", request()))
    const contactsBefore = await h.contacts()
    await h.run(start("S123456", request({ notes: "Changed notes", startedAt: "2024-06-14T09:00:00Z" })))
    const nsi = await h.nsi(5)
    expect(nsi.notes).toBe("Changed notes")
    expect(nsi.actualStartDate).toBe("2024-06-14 10:00:00.000000")
    // Status INPROG is unchanged: status date, referral date and history are not touched.
    expect(nsi.nsiStatusDate).toBe(STARTED_WALL_CLOCK)
    expect(nsi.referralDate).toBe("2024-06-13")
    // Notes and actual start changed in one UPDATE: ROW_VERSION moves once (§8.2).
    expect(nsi.rowVersion).toBe(1)
    expect(await h.count("NSI_STATUS_HISTORY")).toBe(1)
    expect(await h.contacts()).toEqual(contactsBefore)
    expect((await h.nsis()).filter((n) => n.externalReference === URN)).toHaveLength(1)
  })

  it("404 Person with crn of … not found for an unknown person, writing nothing", async () => {
    const before = await h.snapshot()
    const error = await h.failure(start("X999999", request()))
    expect(error).toMatchObject({ _tag: "NotFound", message: "Person with crn of X999999 not found" })
    expect(await h.snapshot()).toEqual(before)
    expect((await h.audits()).map((a) => a.outcome)).toEqual(["F"])
    expect(named(await h.telemetry(), "ReferralStarted")).toEqual([])
  })

  it("404 Event with id of … not found for an unknown event or another person's event (§6.3 step 2.2)", async () => {
    const before = await h.snapshot()
    expect(await h.failure(start("S123456", request({ sentenceId: 999 })))).toMatchObject({
      _tag: "NotFound",
      message: "Event with id of 999 not found"
    })
    // EVENT_WITH_NSI belongs to T140223.
    expect(await h.failure(start("S123456", request({ sentenceId: DevIds.event.withNsi })))).toMatchObject({
      _tag: "NotFound",
      message: `Event with id of ${DevIds.event.withNsi} not found`
    })
    expect(await h.snapshot()).toEqual(before)
    expect((await h.audits()).map((a) => [a.outcome, a.parameters])).toEqual([
      ["F", "offenderId='3'"],
      ["F", "offenderId='3'"]
    ])
  })

  it("400 Unexpected contract type for a contract type outside §6.2 (decision Q5), writing nothing", async () => {
    const before = await h.snapshot()
    expect(await h.failure(start("S123456", request({ contractType: "XYZ" })))).toMatchObject({
      _tag: "BadRequest",
      message: "Unexpected contract type: XYZ"
    })
    // Case-sensitive, as the reference's map lookup.
    expect(await h.failure(start("S123456", request({ contractType: "acc" })))).toMatchObject({
      _tag: "BadRequest",
      message: "Unexpected contract type: acc"
    })
    expect(await h.snapshot()).toEqual(before)
  })

  it("400 Cannot add referral to Committal for PSS Breach on a 326 disposal, writing nothing (§14)", async () => {
    await h.sql((sql) =>
      Effect.gen(function* () {
        yield* sql`INSERT INTO R_DISPOSAL_TYPE ${sql.insert({
          DISPOSAL_TYPE_ID: 326,
          DISPOSAL_TYPE_CODE: "326",
          DESCRIPTION: "Committal for PSS Breach",
          SENTENCE_TYPE: null,
          FTC_LIMIT: null
        })}`
        yield* sql`INSERT INTO EVENT ${sql.insert({
          EVENT_ID: 326,
          OFFENDER_ID: DevIds.offender.S123456,
          CONVICTION_DATE: "2024-01-01",
          FTC_COUNT: 0,
          IN_BREACH: 0,
          BREACH_END: null,
          ACTIVE_FLAG: 1,
          SOFT_DELETED: 0,
          ROW_VERSION: 0
        })}`
        yield* sql`INSERT INTO DISPOSAL ${sql.insert({
          DISPOSAL_ID: 326,
          EVENT_ID: 326,
          DISPOSAL_DATE: "2024-01-01",
          DISPOSAL_TYPE_ID: 326,
          ENTERED_NOTIONAL_END_DATE: null,
          NOTIONAL_END_DATE: null,
          ACTIVE_FLAG: 1,
          SOFT_DELETED: 0
        })}`
      })
    )
    const before = await h.snapshot()
    expect(await h.failure(start("S123456", request({ sentenceId: 326 })))).toMatchObject({
      _tag: "BadRequest",
      message: "Cannot add referral to Committal for PSS Breach"
    })
    expect(await h.snapshot()).toEqual(before)
    expect((await h.audits()).map((a) => a.outcome)).toEqual(["F"])
  })

  it("re-opens a completed NSI to INPROG with status history and a C091 contact, keeping outcome and end (§6.3 step 3)", async () => {
    const endDate = "2024-05-01 12:00:00.000000"
    await h.sql(
      (sql) =>
        sql`UPDATE NSI SET NSI_STATUS_ID = 2, NSI_OUTCOME_ID = ${referenceId("NSI OUTCOME", "CRS02")}, ACTUAL_END_DATE = ${endDate},
            ACTIVE_FLAG = 0, NOTES = ${"old notes"} WHERE NSI_ID = ${DevIds.nsi.withdrawn}`
    )
    const contactsBefore = await h.contacts()
    const withdrawnUrnRequest = request({
      referralId: "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080",
      sentenceId: DevIds.event.withNsi
    })
    await h.run(start("T140223", withdrawnUrnRequest))

    const nsi = await h.nsi(DevIds.nsi.withdrawn)
    expect(nsi).toMatchObject({
      statusCode: "INPROG",
      nsiStatusDate: STARTED_WALL_CLOCK,
      actualStartDate: STARTED_WALL_CLOCK,
      notes: NOTES,
      // Not reset: a terminated NSI is re-opened to INPROG only.
      outcomeCode: "CRS02",
      actualEndDate: endDate,
      activeFlag: 0,
      // Nothing else about the NSI changes.
      typeCode: "CRS01",
      rqmntId: DevIds.requirement.rfn,
      rarCount: 3
    })
    expect(nsi.rowVersion as number).toBeGreaterThan(0)
    expect(await h.rows("NSI_STATUS_HISTORY", "NSI_STATUS_HISTORY_ID")).toEqual([
      expect.objectContaining({
        nsiId: DevIds.nsi.withdrawn,
        nsiStatusId: 1,
        nsiStatusDate: STARTED_WALL_CLOCK,
        notes: NOTES
      })
    ])
    const added = (await h.contacts()).filter((c) => !contactsBefore.some((b) => b.contactId === c.contactId))
    expect(added).toEqual([
      expect.objectContaining({
        contactId: 5,
        typeCode: "C091",
        offenderId: DevIds.offender.T140223,
        nsiId: DevIds.nsi.withdrawn,
        eventId: DevIds.event.withNsi,
        contactDate: "2024-06-13",
        contactStartTime: STARTED_WALL_CLOCK,
        probationAreaId: DevIds.provider.crs,
        teamId: DevIds.team.crsuat,
        staffId: DevIds.staff.crsuatu,
        notes: null
      })
    ])
    // No second NSI and the existing contacts are untouched.
    expect((await h.nsis()).filter((n) => n.offenderId === DevIds.offender.T140223)).toHaveLength(2)
    expect((await h.contacts()).filter((c) => c.contactId !== 5)).toEqual(contactsBefore)
    expect(await h.audits()).toEqual([
      expect.objectContaining({ code: "NIBI009", outcome: "P", parameters: "offenderId='1',nsiId='1'" })
    ])
  })
})

describeOnDialectsAndSpans(describe, "Referral.start with duplicate NSIs", (kind, tracing) => {
  let h: Harness
  beforeEach(async () => {
    h = await makeHarness(kind, { tracing })
  })
  afterEach(() => h.dispose())

  it("two NSIs for one referral URN → InconsistentData (500) naming the URN, telemetry; nothing written (§6.3 step 1)", async () => {
    await h.run(start("S123456", request()))
    // A second NSI row with the same external reference, as a data fix gone wrong could leave.
    await h.sql(
      (
        sql
      ) => sql`INSERT INTO NSI (NSI_ID, OFFENDER_ID, NSI_TYPE_ID, NSI_STATUS_ID, NSI_STATUS_DATE, REFERRAL_DATE, EXTERNAL_REFERENCE, PENDING_TRANSFER, ACTIVE_FLAG, SOFT_DELETED, ROW_VERSION)
                   VALUES (99, ${DevIds.offender.S123456}, 1, 1, ${STARTED_WALL_CLOCK}, '2024-06-13', ${URN}, 0, 1, 0, 0)`
    )
    const before = await h.snapshot()
    await h.clearTelemetry()
    const error = await h.failure(start("S123456", request({ notes: "changed" })))
    const message = `More than one NSI for S123456 has EXTERNAL_REFERENCE ${URN}`
    expect(error).toMatchObject({ _tag: "InconsistentData", message })
    const after = await h.snapshot()
    expect(after.NSI).toEqual(before.NSI)
    expect(after.CONTACT).toEqual(before.CONTACT)
    expect(await h.telemetry()).toEqual([
      { name: "DeliusDataInconsistent", properties: { crn: "S123456", referralUrn: URN, message } }
    ])
  })
})
