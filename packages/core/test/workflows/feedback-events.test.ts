import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { DevIds, DevReferrals } from "../../src/delius/seed.js"
import { handleDomainEvent } from "../../src/events/handleDomainEvent.js"
import { plusDays } from "../../src/domain/time.js"
import { describeOnDialectsAndSpans, dropSeededDatabases } from "../../src/testing/index.js"
import { type Harness, makeHarness, named, nowWallClock, type Row, today } from "../support/harness.js"
import {
  detailPath,
  fixtureBody,
  fixtureMessage,
  type ReferAndMonitorStub,
  startReferAndMonitorStub
} from "../support/referAndMonitorStub.js"

/**
 * Session / initial-assessment feedback submitted (spec §5.6, §7.4–§7.7) through the domain-event dispatcher, with the
 * fixture SQS messages and the fixture R&M callback bodies served from a loopback stub.
 */
let stub: ReferAndMonitorStub
beforeAll(async () => {
  stub = await startReferAndMonitorStub()
})
afterAll(async () => {
  await stub.close()
  await dropSeededDatabases()
})

const SESSION_EVENT = "intervention.session-appointment.session-feedback-submitted"
const WITHDRAWN_URN = `urn:hmpps:interventions-referral:${DevReferrals.withdrawn}`
const seededNotes = (referral: string) =>
  `\nService Delivery Appointment for Accommodation Referral FE4536C with Prime Provider ProviderName\nhttps://refer-monitor-intervention.service.justice.gov.uk/probation-practitioner/referrals/${referral}/progress`
// §14: the contract type name is used as given, hence "Referral Referral".
const feedbackNotes = (reference: string) =>
  `Session Feedback Recorded for Accommodation Referral Referral ${reference} with Prime Provider ProviderName\nhttps://ui/url`
const appointmentUrn = (id: string) => `urn:hmpps:interventions-appointment:${id}`

/** `YYYY-MM-DD HH:MM:SS.mmm000` → Java `LocalDateTime.toString()` (`…T…`, millis dropped when zero). */
const javaLocal = (wallClock: string) => {
  const [date, time] = wallClock.split(" ") as [string, string]
  const [hms, fraction] = time.split(".") as [string, string]
  const millis = fraction.slice(0, 3)
  return `${date}T${hms}${millis === "000" ? "" : `.${millis}`}`
}

describeOnDialectsAndSpans(describe, "feedback submitted events", (kind, tracing) => {
  let h: Harness
  beforeEach(async () => {
    stub.reset()
    h = await makeHarness(kind, { tracing, referAndMonitorPort: stub.port })
  })
  afterEach(() => h.dispose())

  const deliver = (message: string) => h.run(handleDomainEvent(message))
  const others = (rows: ReadonlyArray<Row>, ...ids: Array<number>) =>
    rows.filter((r) => !ids.includes(r.contactId as number))

  it("compliant: contact 2 (found by URN) → ATTC, 0.75 hours, RAR kept, notes appended, RAR recount", async () => {
    const before = await h.contacts()
    const message = fixtureMessage("session-appointment-feedback-submitted-compliant", stub)
    const result = await deliver(message)
    expect(result).toEqual({
      outcome: "Success",
      eventType: SESSION_EVENT,
      messageId: "aa2c2828-167f-529b-8e19-73735a2fb85c",
      telemetryName: "SessionAppointmentSubmitted",
      properties: {
        crn: "T140223",
        referralId: DevReferrals.withdrawn,
        appointmentId: "48911ad2-1213-4bd3-8312-3824dc29f131",
        referralReference: "FE4536C"
      },
      transient: false
    })
    expect(stub.requests).toEqual([detailPath(message)])
    const contact = await h.contact(DevIds.contact.compliant)
    expect(contact).toMatchObject({
      outcomeCode: "ATTC",
      attended: "Y",
      complied: "Y",
      hoursCredited: 0.75,
      rarActivity: "Y",
      enforcement: null,
      latestEnforcementActionId: null,
      notes: `${seededNotes("f56c5f7c-632f-4cad-a1b3-693541cb5f22")}\n${feedbackNotes("FE4536C")}`
    })
    // Notes and outcome change in one UPDATE: ROW_VERSION moves once (§8.2).
    expect(contact.rowVersion).toBe(1)
    expect(others(await h.contacts(), 2)).toEqual(others(before, 2))
    expect(await h.count("ENFORCEMENT")).toBe(0)
    // §7.7: four RAR contacts on four dates, none failed (seeded as 3, recounted now).
    expect((await h.nsi(DevIds.nsi.withdrawn)).rarCount).toBe(4)
    expect(await h.audits()).toEqual([
      expect.objectContaining({
        code: "CLBI007",
        outcome: "P",
        parameters: "contactId='48911ad2-1213-4bd3-8312-3824dc29f131'"
      })
    ])
    expect(await h.telemetry()).toEqual([{ name: "SessionAppointmentSubmitted", properties: result.properties }])
  })

  it("non-compliant: contact 1 (found by deliusId) → AFTC, enforcement, AROM, FTC count, ARWS review (§7.6)", async () => {
    const started = nowWallClock()
    const result = await deliver(fixtureMessage("session-appointment-feedback-submitted-non-compliant", stub))
    const finished = nowWallClock()
    expect(result).toMatchObject({
      outcome: "Success",
      telemetryName: "SessionAppointmentSubmitted",
      properties: {
        crn: "T140223",
        referralId: DevReferrals.withdrawn,
        appointmentId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        referralReference: "FE4536C"
      }
    })
    const appointmentNotes = `${seededNotes("f56c5f7c-632f-4cad-a1b3-693541cb5f22")}\n${feedbackNotes("FE4536C")}`
    const appointment = await h.contact(DevIds.contact.nonCompliant)
    expect(appointment).toMatchObject({
      outcomeCode: "AFTC",
      attended: "Y",
      complied: "N",
      hoursCredited: null,
      // The session did not happen: no RAR activity (§7.4 step 2).
      rarActivity: "N",
      latestEnforcementActionId: 1,
      enforcement: 1,
      // The URN is not written by feedback (§7.5).
      externalReference: null,
      notes: appointmentNotes,
      // Notes, outcome and the enforcement action in one UPDATE: ROW_VERSION moves once (§8.2).
      rowVersion: 1
    })

    const enforcements = await h.rows("ENFORCEMENT", "ENFORCEMENT_ID")
    expect(enforcements).toEqual([
      expect.objectContaining({
        enforcementId: 1,
        contactId: 1,
        enforcementActionId: 1,
        partitionAreaId: 0,
        softDeleted: 0,
        rowVersion: 0,
        createdByUserId: DevIds.user.referAndMonitorAndDelius
      })
    ])
    const enforcement = enforcements[0]!
    const taken = enforcement.actionTakenTime as string
    expect(enforcement.actionTakenDate).toBe(taken)
    expect(taken >= started && taken <= finished).toBe(true)
    // RESPONSE_BY_PERIOD of ROM is 7 days (§14).
    expect(enforcement.responseDate).toBe(`${plusDays(taken.slice(0, 10), 7)}${taken.slice(10)}`)

    const added = (await h.contacts()).filter((c) => (c.contactId as number) > 4)
    expect(added).toEqual([
      expect.objectContaining({
        contactId: 5,
        typeCode: "AROM",
        offenderId: DevIds.offender.T140223,
        contactDate: taken.slice(0, 10),
        contactStartTime: taken,
        contactEndTime: null,
        eventId: DevIds.event.withNsi,
        nsiId: DevIds.nsi.withdrawn,
        probationAreaId: DevIds.provider.crs,
        teamId: DevIds.team.crsuat,
        staffId: DevIds.staff.crsuatu,
        officeLocationId: null,
        linkedContactId: 1,
        contactOutcomeTypeId: null,
        externalReference: null,
        notes: `\n${appointmentNotes}\n${javaLocal(taken)}\nEnforcement Action: Description of ROM`
      }),
      expect.objectContaining({
        contactId: 6,
        typeCode: "ARWS",
        offenderId: DevIds.offender.T140223,
        contactDate: appointment.contactDate,
        contactStartTime: appointment.contactStartTime,
        contactEndTime: appointment.contactEndTime,
        eventId: DevIds.event.withNsi,
        nsiId: DevIds.nsi.withdrawn,
        linkedContactId: 1,
        notes: null,
        contactOutcomeTypeId: null
      })
    ])
    expect(String(added[0]!.notes).endsWith("Enforcement Action: Description of ROM")).toBe(true)
    // §7.6 step 4: one failure date since the disposal date; DFS has FTC_LIMIT 0, so a review is due.
    const event = (await h.rows("EVENT", "EVENT_ID")).find((e) => e.eventId === DevIds.event.withNsi)!
    expect(event).toMatchObject({ ftcCount: 1, rowVersion: 1 })
    // RAR days: contacts 2, 3, 4 remain (3 dates) — the seeded count already says 3, so the NSI is not rewritten.
    expect(await h.nsi(DevIds.nsi.withdrawn)).toMatchObject({ rarCount: 3, rowVersion: 0 })
    expect(named(await h.telemetry(), "Appointment Found By Delius Id - Feedback Submitted")).toEqual([
      {
        name: "Appointment Found By Delius Id - Feedback Submitted",
        properties: {
          crn: "T140223",
          urn: appointmentUrn("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
          deliusId: "1",
          referralReference: "FE4536C",
          referralUrn: WITHDRAWN_URN
        }
      }
    ])
    expect(await h.audits()).toEqual([
      expect.objectContaining({
        code: "CLBI007",
        outcome: "P",
        parameters: "contactId='3fa85f64-5717-4562-b3fc-2c963f66afa6'"
      })
    ])
  })

  it("not attended: the old appointment's feedback and URN are used; contact 3 → AFTA with enforcement", async () => {
    const result = await deliver(fixtureMessage("session-appointment-feedback-submitted-not-attended", stub))
    expect(result).toMatchObject({
      outcome: "Success",
      properties: {
        crn: "T140223",
        referralId: "89a3f79c-f12b-43de-9616-77ae19813cfe",
        appointmentId: "3b8282cd-baa5-45d3-8489-b5836a58a0e8",
        referralReference: "AY0164AC"
      }
    })
    expect(await h.contact(DevIds.contact.notAttended)).toMatchObject({
      outcomeCode: "AFTA",
      attended: "N",
      complied: "N",
      hoursCredited: null,
      rarActivity: "N",
      enforcement: 1,
      latestEnforcementActionId: 1,
      notes: `${seededNotes("89a3f79c-f12b-43de-9616-77ae19813cfe")}\n${feedbackNotes("AY0164AC")}`
    })
    expect((await h.rows("ENFORCEMENT", "ENFORCEMENT_ID")).map((e) => e.contactId)).toEqual([3])
    expect(
      (await h.contacts()).filter((c) => (c.contactId as number) > 4).map((c) => [c.typeCode, c.linkedContactId])
    ).toEqual([
      ["AROM", 3],
      ["ARWS", 3]
    ])
    expect((await h.rows("EVENT", "EVENT_ID")).find((e) => e.eventId === 1)).toMatchObject({ ftcCount: 1 })
    expect(named(await h.telemetry(), "Appointment Found By Delius Id - Feedback Submitted")).toEqual([
      {
        name: "Appointment Found By Delius Id - Feedback Submitted",
        properties: {
          crn: "T140223",
          urn: appointmentUrn("3b8282cd-baa5-45d3-8489-b5836a58a0e8"),
          deliusId: "3",
          referralReference: "AY0164AC",
          referralUrn: "urn:hmpps:interventions-referral:89a3f79c-f12b-43de-9616-77ae19813cfe"
        }
      }
    ])
    expect((await h.audits())[0]).toMatchObject({
      outcome: "P",
      parameters: "contactId='3b8282cd-baa5-45d3-8489-b5836a58a0e8'"
    })
  })

  it("no session (LOGISTICS): contact 4 → ATSS, RAR N, and the NSI's RAR_COUNT is recounted", async () => {
    await h.sql((sql) => sql`UPDATE NSI SET RAR_COUNT = 99 WHERE NSI_ID = ${DevIds.nsi.withdrawn}`)
    const result = await deliver(fixtureMessage("session-appointment-feedback-submitted-no-session", stub))
    expect(result).toMatchObject({
      outcome: "Success",
      properties: { appointmentId: "c8801fa4-4487-4b38-9169-efabd4be98c9", referralReference: "FE4536C" }
    })
    expect(await h.contact(DevIds.contact.noSession)).toMatchObject({
      outcomeCode: "ATSS",
      attended: "Y",
      complied: "Y",
      hoursCredited: null,
      rarActivity: "N",
      enforcement: null
    })
    // Contacts 1, 2, 3 remain RAR activities on three dates.
    expect((await h.nsi(DevIds.nsi.withdrawn)).rarCount).toBe(3)
    expect(await h.count("ENFORCEMENT")).toBe(0)
    // Found by URN even though the callback also names deliusId 1.
    expect(named(await h.telemetry(), "Appointment Found By Delius Id - Feedback Submitted")).toEqual([])
    expect((await h.contact(DevIds.contact.nonCompliant)).contactOutcomeTypeId).toBeNull()
  })

  it("an outstanding review prevents a second ARWS; failures are counted per distinct date (§7.6 steps 4–5)", async () => {
    await deliver(fixtureMessage("session-appointment-feedback-submitted-non-compliant", stub))
    await deliver(fixtureMessage("session-appointment-feedback-submitted-not-attended", stub))
    const added = (await h.contacts()).filter((c) => (c.contactId as number) > 4)
    expect(added.map((c) => [c.typeCode, c.linkedContactId])).toEqual([
      ["AROM", 1],
      ["ARWS", 1],
      ["AROM", 3]
    ])
    // Contacts 1 (today-1) and 3 (today-2) failed to comply.
    expect((await h.rows("EVENT", "EVENT_ID")).find((e) => e.eventId === 1)).toMatchObject({
      ftcCount: 2,
      rowVersion: 2
    })
    expect((await h.rows("ENFORCEMENT", "ENFORCEMENT_ID")).map((e) => e.contactId)).toEqual([1, 3])
  })

  it("failures before the breach end do not count: no review (§7.6 step 4 reset date)", async () => {
    await h.sql((sql) => sql`UPDATE EVENT SET BREACH_END = ${today()} WHERE EVENT_ID = 1`)
    await deliver(fixtureMessage("session-appointment-feedback-submitted-non-compliant", stub))
    expect((await h.contacts()).filter((c) => (c.contactId as number) > 4).map((c) => c.typeCode)).toEqual(["AROM"])
    // The count is still 0: the event row is not rewritten.
    expect((await h.rows("EVENT", "EVENT_ID")).find((e) => e.eventId === 1)).toMatchObject({
      ftcCount: 0,
      rowVersion: 0
    })
  })

  it("an unmapped outcome (yes without didSessionHappen) → Failure; the notes appended before it are rolled back", async () => {
    const message = fixtureMessage("session-appointment-feedback-submitted-compliant", stub)
    const body = fixtureBody("session-appointment-feedback-submitted-compliant")
    delete body.appointmentFeedback.attendanceFeedback.didSessionHappen
    stub.respond(detailPath(message), body)
    const before = await h.snapshot()
    expect(await deliver(message)).toMatchObject({
      outcome: "Failure",
      telemetryName: "IllegalArgumentException",
      message:
        "Outcome scenario not mapped: Outcome(attended=YES, didSessionHappen=null, noSessionReasonType=null, notify=false)"
    })
    expect(await h.snapshot()).toEqual(before)
    expect((await h.audits()).map((a) => [a.code, a.outcome])).toEqual([["CLBI007", "F"]])
  })

  it("an unexpected attended value in the callback → Failure, nothing written", async () => {
    const message = fixtureMessage("session-appointment-feedback-submitted-compliant", stub)
    const body = fixtureBody("session-appointment-feedback-submitted-compliant")
    body.appointmentFeedback.attendanceFeedback.attended = "maybe"
    stub.respond(detailPath(message), body)
    const before = await h.snapshot()
    expect(await deliver(message)).toMatchObject({ outcome: "Failure", telemetryName: "IllegalArgumentException" })
    expect(await h.snapshot()).toEqual(before)
  })

  it("not found: Rejected with ReferAndMonitorFailureReport (reason, reasonDetail), nothing written", async () => {
    const before = await h.snapshot()
    const result = await deliver(fixtureMessage("session-appointment-feedback-submitted-not-found", stub))
    const properties = {
      crn: "T140223",
      referralId: DevReferrals.terminated,
      appointmentId: "ac26da83-978f-4bbf-b517-f406fc29fb6d",
      deliusId: "999",
      referralReference: "AY0164AC",
      outcomeAttended: "NO",
      outcomeNotify: "true",
      // NSI TERMINATED is inactive and no contact matches.
      reason: "NSI terminated, likely a future appointment deleted",
      reasonDetail: "NSI last updated by ReferAndMonitorAndDelius",
      message: "Appointment Not Found"
    }
    expect(result).toEqual({
      outcome: "Rejected",
      eventType: SESSION_EVENT,
      messageId: "aa2c2828-167f-529b-8e19-73735a2fb85c",
      telemetryName: "ReferAndMonitorFailureReport",
      properties,
      transient: false,
      message: "Appointment Not Found"
    })
    expect(await h.telemetry()).toEqual([{ name: "ReferAndMonitorFailureReport", properties }])
    expect(await h.snapshot()).toEqual(before)
    expect(await h.audits()).toEqual([
      expect.objectContaining({
        code: "CLBI007",
        outcome: "F",
        parameters: "contactId='ac26da83-978f-4bbf-b517-f406fc29fb6d'"
      })
    ])
  })

  it("not found reasons: contact not yet present on an active NSI; contact soft deleted (§7.5)", async () => {
    const active = await deliver(
      fixtureMessage("session-appointment-feedback-submitted-not-found", stub, (event) => {
        event.additionalInformation.referralId = DevReferrals.withdrawn
      })
    )
    expect(active).toMatchObject({
      outcome: "Rejected",
      properties: {
        reason: "Contact hard deleted or not yet present",
        reasonDetail: "NSI last updated by ReferAndMonitorAndDelius"
      }
    })
    await h.sql((sql) => sql`UPDATE CONTACT SET SOFT_DELETED = 1 WHERE CONTACT_ID = 2`)
    const softDeleted = await deliver(fixtureMessage("session-appointment-feedback-submitted-compliant", stub))
    expect(softDeleted).toMatchObject({
      outcome: "Rejected",
      properties: {
        appointmentId: "48911ad2-1213-4bd3-8312-3824dc29f131",
        deliusId: "2",
        outcomeAttended: "YES",
        outcomeNotify: "false",
        reason: "Contact soft deleted"
      }
    })
    const unknownReferral = await deliver(
      fixtureMessage("session-appointment-feedback-submitted-not-found", stub, (event) => {
        event.additionalInformation.referralId = "00000000-0000-4000-8000-000000000000"
      })
    )
    expect(unknownReferral).toMatchObject({
      outcome: "Rejected",
      properties: { reason: "Unknown", reasonDetail: "NSI last updated by null" }
    })
  })

  it.each([
    "session-appointment-feedback-submitted-compliant",
    "session-appointment-feedback-submitted-non-compliant",
    "session-appointment-feedback-submitted-not-attended",
    "session-appointment-feedback-submitted-no-session"
  ])("redelivery of %s leaves the state of one delivery (notes appended once)", async (name) => {
    const message = fixtureMessage(name, stub)
    expect((await deliver(message)).outcome).toBe("Success")
    const once = await h.snapshot()
    expect((await deliver(message)).outcome).toBe("Success")
    expect(await h.snapshot()).toEqual(once)
    // The appointments (ids 1–4) carry the feedback notes once; an AROM contact quotes them once (§7.6 step 2).
    const appointmentNotes = (once.CONTACT as ReadonlyArray<Row>)
      .filter((c) => (c.contactId as number) <= 4)
      .map((c) => String(c.notes ?? ""))
    expect(appointmentNotes.join("").split("Session Feedback Recorded").length - 1).toBe(1)
    expect((await h.audits()).map((a) => [a.code, a.outcome])).toEqual([
      ["CLBI007", "P"],
      ["CLBI007", "P"]
    ])
  })

  it("initial assessment: the latest attended supplier-assessment appointment; deliusAppointmentId as a string", async () => {
    const path = "/sent-referral/68df9f6c-3fcb-4ec6-8fcf-96551cd9b080/supplier-assessment"
    stub.respond(path, {
      id: "5a6c3a3e-0000-4000-8000-000000000001",
      referralId: DevReferrals.withdrawn,
      appointments: [
        {
          id: "11111111-1111-4111-8111-111111111111",
          appointmentFeedback: {
            attendanceFeedback: { attended: "no", submittedAt: "2023-02-10T10:00:00Z" },
            sessionFeedback: { notifyProbationPractitioner: null }
          }
        },
        {
          id: "48911ad2-1213-4bd3-8312-3824dc29f131",
          appointmentFeedback: {
            attendanceFeedback: { attended: "late", didSessionHappen: true, submittedAt: "2023-02-12T10:00:00Z" },
            sessionFeedback: { notifyProbationPractitioner: null, notifyProbationPractitionerOfBehaviour: false }
          }
        }
      ]
    })
    const result = await deliver(
      fixtureMessage("session-appointment-feedback-submitted-compliant", stub, (event) => {
        event.eventType = "intervention.initial-assessment-appointment.session-feedback-submitted"
        event.detailUrl = `${stub.baseUrl}${path}`
        event.additionalInformation.deliusAppointmentId = "2"
        delete event.additionalInformation.referralId
      })
    )
    expect(result).toMatchObject({
      outcome: "Success",
      telemetryName: "InitialAppointmentSubmitted",
      properties: {
        crn: "T140223",
        referralId: "",
        appointmentId: "48911ad2-1213-4bd3-8312-3824dc29f131",
        referralReference: "FE4536C"
      }
    })
    expect(await h.contact(2)).toMatchObject({ outcomeCode: "ATTC", hoursCredited: 0.75 })
  })

  it("no feedback yet in the callback: Failure IllegalStateException (retried later), nothing written", async () => {
    const message = fixtureMessage("session-appointment-feedback-submitted-compliant", stub)
    stub.respond(detailPath(message), {
      id: "223e2d09-63d2-4b7e-a07e-b35c550e26cb",
      appointmentId: "48911ad2-1213-4bd3-8312-3824dc29f131",
      appointmentFeedback: { attendanceFeedback: { attended: null }, sessionFeedback: {} },
      oldAppointments: []
    })
    const before = await h.snapshot()
    const result = await deliver(message)
    expect(result).toMatchObject({
      outcome: "Failure",
      telemetryName: "IllegalStateException",
      message: `No feedback information available for referral ${DevReferrals.withdrawn} : session 223e2d09-63d2-4b7e-a07e-b35c550e26cb`
    })
    expect(await h.snapshot()).toEqual(before)
  })

  it("uses today's London date for the enforcement contact", async () => {
    await deliver(fixtureMessage("session-appointment-feedback-submitted-non-compliant", stub))
    expect((await h.contact(5)).contactDate).toBe(today())
  })
})
