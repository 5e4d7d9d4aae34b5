import { randomUUID } from "node:crypto"
import { Effect, Option, Schema } from "effect"
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest"
import { Appointment, MergeAppointment } from "../../src/appointment/Appointment.js"
import { DevIds, DevReferrals } from "../../src/delius/seed.js"
import { parseInstant, plusDays } from "../../src/domain/time.js"
import { describeOnDialectsAndSpans, dropSeededDatabases } from "../../src/testing/index.js"
import { type Harness, makeHarness, named, today } from "../support/harness.js"

/** Appointment merge (spec §4.2, §7.1–§7.4, decisions Q2–Q5) against real databases with the dev dataset. */
afterAll(dropSeededDatabases)

const NSI_URN = `urn:hmpps:interventions-referral:${DevReferrals.noAppointments}`
const NOTES =
  "Service Delivery Appointment for Accommodation Referral FE4536AC with Prime Provider Harmony Living\nhttps://refer-monitor-intervention.service.justice.gov.uk/probation-practitioner/referrals/09c62549-bcd3-49a9-8120-7811b76925e5/progress"
const OTHER_NOTES = "Service Delivery Appointment rescheduled\nhttps://example.org/progress"
const urn = (id: string) => `urn:hmpps:interventions-appointment:${id}`

/** ISO instant (Z) of a London wall-clock time `date` + `HH:MM`. */
const london = (date: string, hhmm: string) =>
  new Date(Option.getOrThrow(parseInstant(`${date}T${hhmm}:00`)).epochMillis).toISOString()
const D = () => plusDays(today(), 7)
const D1 = () => plusDays(today(), 8)

const body = (overrides: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  referralId: DevReferrals.noAppointments,
  referralReference: "FE4536AC",
  serviceUserCrn: "N049975",
  sentenceId: null,
  start: london(D(), "10:00"),
  durationInMinutes: 60,
  notes: NOTES,
  officeLocationCode: "CRSEXTL",
  countsTowardsRar: true,
  outcome: null,
  previousId: null,
  deliusId: null,
  rescheduleRequestedBy: null,
  ...overrides
})

const merge = (crn: string, request: Record<string, unknown>) =>
  Effect.flatMap(Appointment, (a) => a.merge(crn, Schema.decodeUnknownSync(MergeAppointment)(request)))

const attendedOutcome = {
  attended: "YES",
  notifyProbationPractitionerOfAttendanceFailure: false,
  notifyProbationPractitionerOfBehaviour: false,
  notifyProbationPractitionerOfConcerns: false,
  didSessionHappen: true,
  noSessionReasonType: null
}

describeOnDialectsAndSpans(describe, "Appointment.merge", (kind, tracing) => {
  let h: Harness
  beforeEach(async () => {
    h = await makeHarness(kind, { tracing })
  })
  afterEach(() => h.dispose())

  describe("create (§7.1 step 5c)", () => {
    it("creates a future CRSAPT appointment at CRSEXTL with notes starting with a newline", async () => {
      const request = body()
      const result = await h.run(merge("N049975", request))
      expect(result).toEqual({ appointmentId: 5 })
      const contact = await h.contact(5)
      expect(contact).toMatchObject({
        offenderId: DevIds.offender.N049975,
        typeCode: "CRSAPT",
        contactDate: D(),
        contactStartTime: `${D()} 10:00:00.000000`,
        contactEndTime: `${D()} 11:00:00.000000`,
        eventId: null,
        nsiId: DevIds.nsi.noAppointments,
        probationAreaId: DevIds.provider.crs,
        teamId: DevIds.team.crsuat,
        staffId: DevIds.staff.crsuatu,
        officeLocationId: DevIds.officeLocation.crsExtl,
        // NO_APPOINTMENTS is not linked to a RAR requirement, so countsTowardsRar alone does not make a RAR activity.
        rarActivity: "N",
        externalReference: urn(request.id),
        notes: `\n${NOTES}`,
        contactOutcomeTypeId: null,
        attended: null,
        complied: null,
        hoursCredited: null,
        linkedContactId: null,
        latestEnforcementActionId: null,
        enforcement: null,
        softDeleted: 0,
        partitionAreaId: 0,
        rowVersion: 0,
        createdByUserId: DevIds.user.referAndMonitorAndDelius,
        lastUpdatedUserId: DevIds.user.referAndMonitorAndDelius
      })
      expect(contact.createdDatetime).toBe(contact.lastUpdatedDatetime)
      expect(await h.audits()).toEqual([
        expect.objectContaining({ code: "CLBI003", outcome: "P", parameters: "offenderId='4',contactId='5'" })
      ])
      expect(await h.telemetry()).toEqual([
        {
          name: "MergeAppointment",
          properties: {
            crn: "N049975",
            referralId: DevReferrals.noAppointments,
            appointmentId: request.id,
            deliusId: "5",
            rescheduleRequestedBy: "null"
          }
        }
      ])
    })

    it("creates a CRSSAA appointment when it does not count towards RAR", async () => {
      await h.run(merge("N049975", body({ countsTowardsRar: false })))
      expect(await h.contact(5)).toMatchObject({ typeCode: "CRSSAA", rarActivity: "N" })
    })

    it("flags RAR_ACTIVITY Y only when the NSI's requirement is a RAR (T140223, category F)", async () => {
      const rar = body({ referralId: DevReferrals.withdrawn })
      const notRar = body({ referralId: DevReferrals.withdrawn, countsTowardsRar: false, start: london(D(), "14:00") })
      expect(await h.run(merge("T140223", rar))).toEqual({ appointmentId: 5 })
      expect(await h.run(merge("T140223", notRar))).toEqual({ appointmentId: 6 })
      expect(await h.contact(5)).toMatchObject({
        typeCode: "CRSAPT",
        rarActivity: "Y",
        nsiId: DevIds.nsi.withdrawn,
        eventId: DevIds.event.withNsi
      })
      expect(await h.contact(6)).toMatchObject({ typeCode: "CRSSAA", rarActivity: "N" })
      // A booking alone is not an outcome: no RAR recount (§7.7).
      expect((await h.nsi(DevIds.nsi.withdrawn)).rarCount).toBe(3)
    })

    it("resolves office locations of any provider that are active; none when no code (§7.1 step 4)", async () => {
      await h.run(merge("N049975", body({ officeLocationCode: null, start: london(D(), "08:00") })))
      await h.run(merge("N049975", body({ officeLocationCode: "NOTCRS", start: london(D(), "12:00") })))
      // DEFAULT exists twice; the N02 one belongs to an ended provider.
      await h.run(merge("N049975", body({ officeLocationCode: "DEFAULT", start: london(D(), "14:00") })))
      expect((await h.contacts()).slice(4).map((c) => c.officeLocationId)).toEqual([
        null,
        DevIds.officeLocation.notCrs,
        DevIds.officeLocation.defaultCrs
      ])
    })

    it.each(["NOPE", "ENDDATE"])("404 Location with code of %s not found, writing nothing", async (code) => {
      const before = await h.snapshot()
      expect(await h.failure(merge("N049975", body({ officeLocationCode: code })))).toMatchObject({
        _tag: "NotFound",
        message: `Location with code of ${code} not found`
      })
      expect(await h.snapshot()).toEqual(before)
      expect((await h.audits()).map((a) => [a.outcome, a.parameters])).toEqual([["F", "offenderId='4'"]])
    })

    it("404 Unable to match Referral … => CRN … for an unknown referral, another person's referral or person", async () => {
      const unknown = randomUUID()
      const before = await h.snapshot()
      expect(await h.failure(merge("N049975", body({ referralId: unknown })))).toMatchObject({
        _tag: "NotFound",
        message: `Unable to match Referral urn:hmpps:interventions-referral:${unknown} => CRN N049975`
      })
      expect(await h.failure(merge("N049975", body({ referralId: DevReferrals.withdrawn })))).toMatchObject({
        _tag: "NotFound",
        message: `Unable to match Referral urn:hmpps:interventions-referral:${DevReferrals.withdrawn} => CRN N049975`
      })
      expect(await h.failure(merge("X999999", body()))).toMatchObject({
        _tag: "NotFound",
        message: `Unable to match Referral ${NSI_URN} => CRN X999999`
      })
      expect(await h.snapshot()).toEqual(before)
      expect(named(await h.telemetry(), "MergeAppointment")).toEqual([])
    })
  })

  describe("clash check (§7.2)", () => {
    const existing = () => h.run(merge("N049975", body({ start: london(D(), "10:00"), durationInMinutes: 60 })))

    it.each([
      ["09:00", 60, "ends exactly when the existing one starts (HH:MI prefix quirk)"],
      ["10:30", 60, "overlaps the end"],
      ["09:30", 60, "overlaps the start"],
      ["10:15", 30, "is inside"],
      ["09:00", 180, "contains it"]
    ])("409 when the new appointment at %s for %i minutes %s", async (start, duration) => {
      await existing()
      const before = await h.snapshot()
      await h.clearTelemetry()
      expect(
        await h.failure(merge("N049975", body({ start: london(D(), start), durationInMinutes: duration })))
      ).toMatchObject({ _tag: "Conflict", message: "Appointment conflicts with an existing future appointment" })
      expect(await h.snapshot()).toEqual(before)
      expect(await h.telemetry()).toEqual([])
      expect((await h.audits()).map((a) => a.outcome)).toEqual(["P", "F"])
    })

    it.each([
      ["11:00", 60, "starts exactly when the existing one ends"],
      ["12:00", 30, "is later"],
      ["08:00", 59, "ends before the existing one starts"]
    ])("no clash when the new appointment at %s for %i minutes %s", async (start, duration) => {
      await existing()
      expect(await h.run(merge("N049975", body({ start: london(D(), start), durationInMinutes: duration })))).toEqual({
        appointmentId: 6
      })
    })

    it("ignores another day, contacts with an outcome, soft-deleted contacts and non-attendance types", async () => {
      await existing()
      expect(await h.run(merge("N049975", body({ start: london(D1(), "10:00") })))).toEqual({ appointmentId: 6 })
      await h.sql((sql) => sql`UPDATE CONTACT SET CONTACT_OUTCOME_TYPE_ID = 2 WHERE CONTACT_ID = 5`)
      expect(await h.run(merge("N049975", body({ start: london(D(), "10:00") })))).toEqual({ appointmentId: 7 })
      await h.sql((sql) => sql`UPDATE CONTACT SET SOFT_DELETED = 1 WHERE CONTACT_ID = 7`)
      expect(await h.run(merge("N049975", body({ start: london(D(), "10:30") })))).toEqual({ appointmentId: 8 })
      // Make the remaining 10:30 appointment a CRSNOTE (ATTENDANCE_CONTACT = N): it no longer clashes.
      await h.sql((sql) => sql`UPDATE CONTACT SET CONTACT_TYPE_ID = 5 WHERE CONTACT_ID = 8`)
      expect(await h.run(merge("N049975", body({ start: london(D(), "10:45") })))).toEqual({ appointmentId: 9 })
    })
  })

  describe("clash check with a previousId (§7.2 three-valued logic)", () => {
    it("a contact without an external reference clashes only when no previousId is given", async () => {
      const d = D()
      await h.sql(
        (sql) =>
          sql`INSERT INTO CONTACT ${sql.insert({
            CONTACT_ID: 50,
            OFFENDER_ID: DevIds.offender.N049975,
            CONTACT_TYPE_ID: 3,
            CONTACT_DATE: d,
            CONTACT_START_TIME: `${d} 10:00:00.000000`,
            CONTACT_END_TIME: `${d} 11:00:00.000000`,
            NSI_ID: DevIds.nsi.noAppointments,
            PROBATION_AREA_ID: 1,
            TEAM_ID: 1,
            STAFF_ID: 1,
            EXTERNAL_REFERENCE: null,
            SOFT_DELETED: 0,
            PARTITION_AREA_ID: 0,
            ROW_VERSION: 0
          })}`
      )
      expect(await h.failure(merge("N049975", body({ start: london(d, "10:30") })))).toMatchObject({ _tag: "Conflict" })
      // `EXTERNAL_REFERENCE <> :previousUrn` is unknown for a null reference, so that contact no longer counts.
      expect(await h.run(merge("N049975", body({ start: london(d, "10:30"), previousId: randomUUID() })))).toEqual({
        appointmentId: 5
      })
    })
  })

  describe("past appointments (§7.1 step 2, §7.4)", () => {
    it("400 with PastAppointmentWithoutOutcome telemetry when the start is past and there is no outcome", async () => {
      const winter = body({ start: "2023-02-14T10:00:00Z" })
      const summer = body({ start: "2023-06-14T10:00:00.000Z" })
      const before = await h.snapshot()
      for (const request of [winter, summer]) {
        expect(await h.failure(merge("N049975", request))).toMatchObject({
          _tag: "BadRequest",
          message: "Appointment started in the past and no outcome was provided"
        })
      }
      expect(await h.snapshot()).toEqual(before)
      const common = {
        crn: "N049975",
        referralId: DevReferrals.noAppointments,
        referralReference: "FE4536AC",
        outcome: "null"
      }
      expect(await h.telemetry()).toEqual([
        {
          name: "PastAppointmentWithoutOutcome",
          properties: { ...common, appointmentId: winter.id, startTime: "2023-02-14T10:00:00Z" }
        },
        {
          name: "PastAppointmentWithoutOutcome",
          properties: { ...common, appointmentId: summer.id, startTime: "2023-06-14T11:00:00+01:00" }
        }
      ])
    })

    it("creates a past appointment with an attended outcome: ATTC, 0.5 hours, RAR Y and a RAR recount (§12)", async () => {
      const start = new Date(Date.now() - 60 * 60_000)
      start.setUTCSeconds(0, 0)
      const request = body({
        referralId: DevReferrals.withdrawn,
        start: start.toISOString(),
        durationInMinutes: 30,
        outcome: attendedOutcome
      })
      expect(await h.run(merge("T140223", request))).toEqual({ appointmentId: 5 })
      expect(await h.contact(5)).toMatchObject({
        typeCode: "CRSAPT",
        outcomeCode: "ATTC",
        attended: "Y",
        complied: "Y",
        hoursCredited: 0.5,
        rarActivity: "Y",
        enforcement: null,
        latestEnforcementActionId: null
      })
      // RAR days of NSI WITHDRAWN: the four seeded RAR contacts (today, today-1, -2, -3) plus this one (today or
      // yesterday): 4 distinct dates (seeded as 3, never recomputed until now).
      expect((await h.nsi(DevIds.nsi.withdrawn)).rarCount).toBe(4)
      expect(await h.count("ENFORCEMENT")).toBe(0)
    })

    it("applies a notify outcome (alias notifyProbationPractitionerOfBehaviour): AFTC with enforcement (§7.6)", async () => {
      const request = body({
        start: "2024-03-01T10:00:00Z",
        durationInMinutes: 45,
        outcome: { ...attendedOutcome, notifyProbationPractitionerOfBehaviour: true }
      })
      expect(await h.run(merge("N049975", request))).toEqual({ appointmentId: 5 })
      expect(await h.contact(5)).toMatchObject({
        outcomeCode: "AFTC",
        attended: "Y",
        complied: "N",
        hoursCredited: null,
        enforcement: 1,
        latestEnforcementActionId: 1
      })
      expect(await h.rows("ENFORCEMENT", "ENFORCEMENT_ID")).toEqual([
        expect.objectContaining({ enforcementId: 1, contactId: 5, enforcementActionId: 1 })
      ])
      // NO_APPOINTMENTS has no event: no FTC count, no review; the AROM action contact is linked.
      const added = (await h.contacts()).filter((c) => (c.contactId as number) > 5)
      expect(added.map((c) => [c.typeCode, c.linkedContactId, c.eventId, c.nsiId])).toEqual([
        ["AROM", 5, null, DevIds.nsi.noAppointments]
      ])
    })

    it("400 Outcome scenario not mapped for YES without didSessionHappen (Q5), writing nothing", async () => {
      const before = await h.snapshot()
      const request = body({
        start: "2024-03-01T10:00:00Z",
        outcome: { ...attendedOutcome, didSessionHappen: null }
      })
      expect(await h.failure(merge("N049975", request))).toMatchObject({
        _tag: "BadRequest",
        message:
          "Outcome scenario not mapped: Outcome(attended=YES, didSessionHappen=null, noSessionReasonType=null, notify=false)"
      })
      expect(await h.snapshot()).toEqual(before)
      expect((await h.audits()).map((a) => [a.outcome, a.parameters])).toEqual([["F", "offenderId='4',contactId='5'"]])
    })
  })

  describe("reschedule (§7.1 step 8, Q2, Q3)", () => {
    it.each([
      ["Service Provider", "RSSR"],
      [null, "RSSR"],
      ["Joe Bloggs", "RSOF"]
    ])("rescheduleRequestedBy %s: a replacement with the new URN; the original gets %s and RAR N", async (by, code) => {
      const original = body()
      expect(await h.run(merge("N049975", original))).toEqual({ appointmentId: 5 })
      const originalRow = await h.contact(5)
      const reschedule = body({
        previousId: original.id,
        deliusId: 5,
        start: london(D1(), "13:00"),
        durationInMinutes: 45,
        notes: OTHER_NOTES,
        officeLocationCode: "TESTONE",
        rescheduleRequestedBy: by
      })
      await h.clearTelemetry()
      expect(await h.run(merge("N049975", reschedule))).toEqual({ appointmentId: 6 })

      expect(await h.contact(6)).toMatchObject({
        offenderId: DevIds.offender.N049975,
        typeCode: "CRSAPT",
        contactDate: D1(),
        contactStartTime: `${D1()} 13:00:00.000000`,
        contactEndTime: `${D1()} 13:45:00.000000`,
        nsiId: DevIds.nsi.noAppointments,
        eventId: null,
        probationAreaId: DevIds.provider.crs,
        teamId: DevIds.team.crsuat,
        staffId: DevIds.staff.crsuatu,
        officeLocationId: DevIds.officeLocation.testOne,
        // The replacement's RAR flag is countsTowardsRar, with no requirement check (§7.1 step 8).
        rarActivity: "Y",
        externalReference: urn(reschedule.id),
        notes: `\n${OTHER_NOTES}`,
        contactOutcomeTypeId: null,
        attended: null,
        complied: null
      })
      const old = await h.contact(5)
      expect(old).toMatchObject({
        outcomeCode: code,
        attended: "N",
        complied: "Y",
        hoursCredited: null,
        rarActivity: "N",
        externalReference: urn(original.id),
        officeLocationId: DevIds.officeLocation.testOne,
        contactStartTime: originalRow.contactStartTime,
        notes: `\n${NOTES}\n${OTHER_NOTES}`
      })
      // Location, notes and the RSSR/RSOF outcome change in one UPDATE: ROW_VERSION moves once (§8.2).
      expect(old.rowVersion).toBe((originalRow.rowVersion as number) + 1)
      expect(await h.telemetry()).toEqual([
        {
          name: "MergeAppointment",
          properties: {
            crn: "N049975",
            referralId: DevReferrals.noAppointments,
            appointmentId: reschedule.id,
            deliusId: "6",
            rescheduleRequestedBy: by ?? "null"
          }
        }
      ])
      expect((await h.audits()).map((a) => a.parameters)).toEqual([
        "offenderId='4',contactId='5'",
        "offenderId='4',contactId='5'"
      ])
    })

    it("a reschedule into the past with an outcome: the outcome goes on the replacement (§7.1 step 9)", async () => {
      const original = body()
      await h.run(merge("N049975", original))
      const reschedule = body({
        previousId: original.id,
        start: "2024-03-01T10:00:00Z",
        durationInMinutes: 45,
        outcome: attendedOutcome
      })
      expect(await h.run(merge("N049975", reschedule))).toEqual({ appointmentId: 6 })
      expect(await h.contact(6)).toMatchObject({
        outcomeCode: "ATTC",
        attended: "Y",
        complied: "Y",
        hoursCredited: 0.75,
        contactDate: "2024-03-01",
        externalReference: urn(reschedule.id)
      })
      expect(await h.contact(5)).toMatchObject({ outcomeCode: "RSSR", hoursCredited: null, rarActivity: "N" })
    })

    it("the resolved location always replaces the contact's (no code clears it, §7.1 step 6)", async () => {
      const original = body({ officeLocationCode: "TESTONE" })
      await h.run(merge("N049975", original))
      expect((await h.contact(5)).officeLocationId).toBe(DevIds.officeLocation.testOne)
      await h.run(merge("N049975", { ...original, officeLocationCode: "TESTTWO" }))
      expect((await h.contact(5)).officeLocationId).toBe(DevIds.officeLocation.testTwo)
      await h.run(merge("N049975", { ...original, officeLocationCode: null }))
      expect(await h.contact(5)).toMatchObject({ officeLocationId: null, notes: `\n${NOTES}` })
      expect(await h.count("CONTACT")).toBe(5)
    })

    it("does not clash with the appointment being rescheduled", async () => {
      const original = body()
      await h.run(merge("N049975", original))
      expect(await h.run(merge("N049975", body({ previousId: original.id, start: london(D(), "10:30") })))).toEqual({
        appointmentId: 6
      })
    })

    it("re-keys the contact when only the previousId changes and the times are unchanged", async () => {
      const original = body()
      await h.run(merge("N049975", original))
      const rekey = body({ previousId: original.id })
      expect(await h.run(merge("N049975", rekey))).toEqual({ appointmentId: 5 })
      expect(await h.count("CONTACT")).toBe(5)
      expect(await h.contact(5)).toMatchObject({ externalReference: urn(rekey.id), contactOutcomeTypeId: null })
    })

    it("Q2: re-sending a processed reschedule returns the same appointment and adds nothing", async () => {
      const original = body()
      await h.run(merge("N049975", original))
      const reschedule = body({ previousId: original.id, deliusId: 5, start: london(D1(), "10:00") })
      expect(await h.run(merge("N049975", reschedule))).toEqual({ appointmentId: 6 })
      const before = await h.snapshot()
      expect(await h.run(merge("N049975", reschedule))).toEqual({ appointmentId: 6 })
      expect(await h.snapshot()).toEqual(before)
    })

    it("Q3: a reschedule without notes appends nothing (no literal null)", async () => {
      const original = body()
      await h.run(merge("N049975", original))
      await h.run(merge("N049975", body({ previousId: original.id, start: london(D1(), "10:00"), notes: null })))
      expect((await h.contact(6)).notes).toBeNull()
      expect((await h.contact(5)).notes).toBe(`\n${NOTES}`)
    })
  })

  describe("lookup by deliusId (§7.1 step 5b, Q4)", () => {
    it("Q4: another person's contact id is not used; a new appointment is created", async () => {
      const contact1 = await h.contact(DevIds.contact.nonCompliant)
      const request = body({ deliusId: DevIds.contact.nonCompliant })
      expect(await h.run(merge("N049975", request))).toEqual({ appointmentId: 5 })
      expect(await h.contact(DevIds.contact.nonCompliant)).toEqual(contact1)
      expect(await h.contact(5)).toMatchObject({
        offenderId: DevIds.offender.N049975,
        externalReference: urn(request.id)
      })
      expect(named(await h.telemetry(), "Appointment Found By Delius Id - Merge Appointment")).toEqual([])
    })

    it("the person's own CRS appointment is found by id (and rescheduled), and reported", async () => {
      const original = body()
      await h.run(merge("N049975", original))
      await h.clearTelemetry()
      // No previousId: R&M lost track of the URN but still holds the Delius id.
      const request = body({ deliusId: 5, start: london(D1(), "10:00") })
      expect(await h.run(merge("N049975", request))).toEqual({ appointmentId: 6 })
      expect(await h.count("CONTACT")).toBe(6)
      expect(await h.contact(5)).toMatchObject({ externalReference: urn(original.id), outcomeCode: "RSSR" })
      expect(await h.contact(6)).toMatchObject({ externalReference: urn(request.id), contactDate: D1() })
      expect(named(await h.telemetry(), "Appointment Found By Delius Id - Merge Appointment")).toEqual([
        {
          name: "Appointment Found By Delius Id - Merge Appointment",
          properties: {
            crn: "N049975",
            urn: urn(request.id),
            deliusId: "5",
            referralReference: "FE4536AC",
            referralUrn: NSI_URN
          }
        }
      ])
    })
  })

  describe("idempotency", () => {
    it("an identical merge re-sent returns the same appointment and changes no row", async () => {
      const request = body()
      expect(await h.run(merge("N049975", request))).toEqual({ appointmentId: 5 })
      const before = await h.snapshot()
      expect(await h.run(merge("N049975", request))).toEqual({ appointmentId: 5 })
      expect(await h.snapshot()).toEqual(before)
      expect(named(await h.telemetry(), "MergeAppointment").map((e) => e.properties.deliusId)).toEqual(["5", "5"])
    })

    it("an identical merge with an outcome re-sent changes no row", async () => {
      const request = body({
        referralId: DevReferrals.withdrawn,
        start: "2024-03-01T10:00:00Z",
        outcome: attendedOutcome
      })
      expect(await h.run(merge("T140223", request))).toEqual({ appointmentId: 5 })
      const before = await h.snapshot()
      expect(await h.run(merge("T140223", request))).toEqual({ appointmentId: 5 })
      expect(await h.snapshot()).toEqual(before)
    })
  })
})
