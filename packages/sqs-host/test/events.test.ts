import { afterEach, describe, expect, it } from "vitest"
import { contact, deliusSnapshot, deliver, nsiContacts, startHarness, type Harness } from "./support/harness.js"

/**
 * Every fixture event end to end: SQS body on fauxqs → consumer → core → R&M stub callback → Delius rows in SQLite,
 * and the message deleted (spec §5.4–§5.6, dev-dataset.md §5–§6).
 */
let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const nsi = (harness: Harness) =>
  harness.rows<{ STATUS: string; OUTCOME: string | null; ACTIVE_FLAG: number; ACTUAL_END_DATE: string | null }>(
    `SELECT s.CODE AS STATUS, o.CODE_VALUE AS OUTCOME, n.ACTIVE_FLAG, n.ACTUAL_END_DATE
       FROM NSI n JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = n.NSI_STATUS_ID
       LEFT JOIN R_STANDARD_REFERENCE_LIST o ON o.STANDARD_REFERENCE_LIST_ID = n.NSI_OUTCOME_ID
      WHERE n.NSI_ID = 1`
  )[0]

const telemetryNames = async (harness: Harness) => (await harness.telemetry()).map((event) => event.name)

describe("referral ended (§5.4)", () => {
  it.each([
    ["referral-withdrawn", "CANCELLED"],
    ["referral-prematurely-ended", "PREMATURELY_ENDED"]
  ])(
    "%s terminates the NSI: COMP, outcome NSI7 (NEE + PRE_ICA_WITHDRAWAL), inactive, C092 + NTER + CRSNOTE, future appointments withdrawn",
    async (fixture, endType) => {
      h = await startHarness()
      const consumer = await deliver(h, fixture)

      expect(consumer.stats).toMatchObject({ received: 1, succeeded: 1, failed: 0 })
      expect(nsi(h)).toMatchObject({ STATUS: "COMP", OUTCOME: "NSI7", ACTIVE_FLAG: 0 })
      expect(nsi(h)!.ACTUAL_END_DATE).toMatch(/^2023-02-23/)
      expect(nsiContacts(h, "C092")).toHaveLength(1)
      expect(nsiContacts(h, "NTER")).toHaveLength(1)
      const notes = nsiContacts(h, "CRSNOTE")
      expect(notes).toHaveLength(1)
      expect(notes[0]!.NOTES).toContain(
        "End of Service Report Submitted for string Referral FE4536C with Prime Provider Special Provider"
      )
      // §6.5 step 4: the NSI's future CRS appointments without an outcome (contact 2 is dated today) are withdrawn.
      expect(contact(h, 2)).toMatchObject({ OUTCOME: "APPW", ATTENDED: "N", COMPLIED: "Y" })
      expect(contact(h, 1)!.OUTCOME).toBeNull()
      const telemetry = await h.telemetry()
      expect(telemetry).toEqual([
        expect.objectContaining({
          name: "ReferralEnded",
          properties: expect.objectContaining({ crn: "T140223", endType, withdrawalOutcome: "NSI7" })
        })
      ])
      expect(h.queue("dlq").total).toBe(0)
    }
  )
})

describe("action plan (§5.5)", () => {
  it.each([
    ["action-plan-submitted", "Submitted"],
    ["action-plan-approved", "Approved"]
  ])("%s adds one CRSNOTE to the NSI", async (fixture, type) => {
    h = await startHarness()
    const consumer = await deliver(h, fixture)

    expect(consumer.stats).toMatchObject({ received: 1, succeeded: 1 })
    const notes = nsiContacts(h, "CRSNOTE")
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatchObject({ CONTACT_DATE: "2023-06-05" })
    expect(notes[0]!.NOTES).toContain(`Action Plan ${type} for Accommodation Referral FE4536C`)
    expect(await telemetryNames(h)).toEqual([`ActionPlan${type}`])
  })
})

describe("session feedback (§5.6, §7.5–§7.6)", () => {
  it("compliant: contact 2 (by URN) → ATTC, attended and complied, 45 minutes credited", async () => {
    h = await startHarness()
    const consumer = await deliver(h, "session-appointment-feedback-submitted-compliant")

    expect(consumer.stats).toMatchObject({ received: 1, succeeded: 1 })
    expect(contact(h, 2)).toMatchObject({ OUTCOME: "ATTC", ATTENDED: "Y", COMPLIED: "Y", HOURS_CREDITED: 0.75 })
    expect(h.rows("SELECT * FROM ENFORCEMENT")).toHaveLength(0)
    expect(await telemetryNames(h)).toEqual(["SessionAppointmentSubmitted"])
  })

  it("non-compliant: contact 1 found by deliusId → AFTC, enforcement, AROM contact, FTC count 1", async () => {
    h = await startHarness()
    const consumer = await deliver(h, "session-appointment-feedback-submitted-non-compliant")

    expect(consumer.stats).toMatchObject({ received: 1, succeeded: 1 })
    expect(contact(h, 1)).toMatchObject({ OUTCOME: "AFTC", ATTENDED: "Y", COMPLIED: "N", ENFORCEMENT: 1 })
    expect(h.rows("SELECT CONTACT_ID FROM ENFORCEMENT")).toEqual([{ CONTACT_ID: 1 }])
    expect(nsiContacts(h, "AROM")).toHaveLength(1)
    expect(h.rows("SELECT FTC_COUNT FROM EVENT WHERE EVENT_ID = 1")).toEqual([{ FTC_COUNT: 1 }])
    expect(await telemetryNames(h)).toEqual([
      "Appointment Found By Delius Id - Feedback Submitted",
      "SessionAppointmentSubmitted"
    ])
  })

  it("not attended (feedback on the old appointment): contact 3 → AFTA", async () => {
    h = await startHarness()
    const consumer = await deliver(h, "session-appointment-feedback-submitted-not-attended")

    expect(consumer.stats).toMatchObject({ received: 1, succeeded: 1 })
    expect(contact(h, 3)).toMatchObject({ OUTCOME: "AFTA", ATTENDED: "N", COMPLIED: "N" })
    expect(h.rows("SELECT CONTACT_ID FROM ENFORCEMENT")).toEqual([{ CONTACT_ID: 3 }])
  })

  it("no session (LOGISTICS): contact 4 → ATSS, not a RAR activity", async () => {
    h = await startHarness()
    const consumer = await deliver(h, "session-appointment-feedback-submitted-no-session")

    expect(consumer.stats).toMatchObject({ received: 1, succeeded: 1 })
    expect(contact(h, 4)).toMatchObject({ OUTCOME: "ATSS", RAR_ACTIVITY: "N" })
  })

  it("appointment not found: rejected, acknowledged (not retried, not in the DLQ), ReferAndMonitorFailureReport", async () => {
    h = await startHarness()
    const before = deliusSnapshot(h)
    const consumer = await deliver(h, "session-appointment-feedback-submitted-not-found")

    expect(consumer.stats).toMatchObject({ received: 1, rejected: 1, failed: 0 })
    expect(h.queue("dlq").total).toBe(0)
    expect(deliusSnapshot(h)).toEqual(before)
    expect(await h.telemetry()).toEqual([
      expect.objectContaining({
        name: "ReferAndMonitorFailureReport",
        properties: expect.objectContaining({ crn: "T140223", message: "Appointment Not Found", deliusId: "999" })
      })
    ])
  })
})

describe("at-least-once delivery", () => {
  it.each(["session-appointment-feedback-submitted-non-compliant", "referral-withdrawn", "action-plan-approved"])(
    "%s delivered three times (concurrently) leaves the state of one delivery",
    async (fixture) => {
      h = await startHarness()
      await deliver(h, fixture)
      const once = deliusSnapshot(h)
      await h.close()

      h = await startHarness()
      const consumer = await deliver(h, fixture, fixture, fixture)
      expect(consumer.stats.received).toBe(3)
      expect(consumer.stats.failed).toBe(0)
      expect(deliusSnapshot(h)).toEqual(once)
    }
  )
})
