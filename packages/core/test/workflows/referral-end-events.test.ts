import { randomUUID } from "node:crypto"
import { ConfigProvider, Effect, Layer, Schema } from "effect"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Appointment, MergeAppointment } from "../../src/appointment/Appointment.js"
import { DevIds, DevReferrals } from "../../src/delius/seed.js"
import { EventHandlerConfig, handleDomainEvent } from "../../src/events/handleDomainEvent.js"
import { plusDays } from "../../src/domain/time.js"
import { describeOnDialectsAndSpans, dropSeededDatabases } from "../../src/testing/index.js"
import { type Harness, makeHarness, today } from "../support/harness.js"
import {
  detailPath,
  fixtureBody,
  fixtureMessage,
  type ReferAndMonitorStub,
  startReferAndMonitorStub
} from "../support/referAndMonitorStub.js"

/** Referral ended (spec §5.4, §6.5, §6.6, decision Q9) through the domain-event dispatcher. */
let stub: ReferAndMonitorStub
beforeAll(async () => {
  stub = await startReferAndMonitorStub()
})
afterAll(async () => {
  await stub.close()
  await dropSeededDatabases()
})

const WITHDRAWN_URN = `urn:hmpps:interventions-referral:${DevReferrals.withdrawn}`
const USER_URL =
  "https://refer-monitor-intervention.service.justice.gov.uk/probation-practitioner/referrals/68df9f6c-3fcb-4ec6-8fcf-96551cd9b080/details"
// The callback body (fixtures/refer-and-monitor-api/referral-prematurely-ended.json): contract type "string",
// provider "Special Provider", concludedAt 2023-02-23T15:29:54.197Z (GMT), withdrawal NEE / PRE_ICA_WITHDRAWAL.
const END = "2023-02-23 15:29:54.197000"
const NSI_NOTES = `Referral Ended for string Referral FE4536C with Prime Provider Special Provider\n${USER_URL}`
const EOSR_NOTES = `End of Service Report Submitted for string Referral FE4536C with Prime Provider Special Provider\n${USER_URL}`

const withdrawalFlag = (enabled: boolean) =>
  EventHandlerConfig.layer.pipe(
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(new Map([["FEATURE_REFERRAL_WITHDRAWAL_REASON", String(enabled)]]))
      )
    )
  )

describeOnDialectsAndSpans(describe, "referral ended events", (kind, tracing) => {
  let h: Harness
  beforeEach(async () => {
    stub.reset()
    h = await makeHarness(kind, { tracing, referAndMonitorPort: stub.port })
  })
  afterEach(() => h.dispose())

  const deliver = (message: string, flag?: boolean) =>
    h.run(
      flag === undefined
        ? handleDomainEvent(message)
        : handleDomainEvent(message).pipe(Effect.provide(withdrawalFlag(flag)))
    )

  /** Future appointments of NSI WITHDRAWN (5: CRSAPT, 6: CRSSAA) booked through the merge workflow. */
  const bookFutureAppointments = async () => {
    const future = new Date(Date.parse(`${plusDays(today(), 3)}T09:00:00Z`)).toISOString()
    const later = new Date(Date.parse(`${plusDays(today(), 4)}T09:00:00Z`)).toISOString()
    for (const [start, countsTowardsRar] of [
      [future, true],
      [later, false]
    ] as const) {
      await h.run(
        Effect.flatMap(Appointment, (a) =>
          a.merge(
            "T140223",
            Schema.decodeUnknownSync(MergeAppointment)({
              id: randomUUID(),
              referralId: DevReferrals.withdrawn,
              referralReference: "FE4536C",
              start,
              durationInMinutes: 60,
              notes: "booked",
              officeLocationCode: "CRSEXTL",
              countsTowardsRar
            })
          )
        )
      )
    }
    await h.clearTelemetry()
  }

  it.each([
    ["referral-withdrawn", "CANCELLED"],
    ["referral-prematurely-ended", "PREMATURELY_ENDED"]
  ])(
    "%s: NSI COMP with outcome NSI7 (withdrawal NEE, pre-ICA), contacts, future appointments withdrawn",
    async (name, endType) => {
      await bookFutureAppointments()
      const before = await h.contacts()
      const message = fixtureMessage(name, stub)
      const result = await deliver(message)
      expect(result).toEqual({
        outcome: "Success",
        eventType: "intervention.referral.ended",
        messageId: "aa2c2828-167f-529b-8e19-78535a2fb85c",
        telemetryName: "ReferralEnded",
        properties: {
          crn: "T140223",
          referralId: "f56c5f7c-632f-4cad-a1b3-693541cb5f22",
          referralUrn: WITHDRAWN_URN,
          endDate: "2023-02-23T15:29:54.197Z[Europe/London]",
          endType,
          withdrawalOutcome: "NSI7"
        },
        transient: false
      })
      expect(stub.requests).toEqual(["/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22"])
      expect(await h.telemetry()).toEqual([{ name: "ReferralEnded", properties: result.properties }])

      const nsi = await h.nsi(DevIds.nsi.withdrawn)
      expect(nsi).toMatchObject({
        statusCode: "COMP",
        nsiStatusDate: END,
        outcomeCode: "NSI7",
        actualEndDate: END,
        activeFlag: 0,
        notes: NSI_NOTES,
        // Not recalculated on referral end (§7.7).
        rarCount: 3,
        softDeleted: 0
      })
      // One entity update per transaction (§8.2): status, notes, outcome and end date change in a single UPDATE.
      expect(nsi.rowVersion).toBe(1)
      expect(await h.rows("NSI_STATUS_HISTORY", "NSI_STATUS_HISTORY_ID")).toEqual([
        expect.objectContaining({ nsiId: 1, nsiStatusId: 2, nsiStatusDate: END, notes: NSI_NOTES, softDeleted: 0 })
      ])

      const after = await h.contacts()
      const nsiContact = { offenderId: 1, nsiId: 1, eventId: 1, probationAreaId: 1, teamId: 1, staffId: 1 }
      expect(after.filter((c) => (c.contactId as number) > 6)).toEqual([
        expect.objectContaining({
          ...nsiContact,
          contactId: 7,
          typeCode: "C092",
          contactDate: "2023-02-23",
          contactStartTime: END,
          contactEndTime: null,
          notes: null
        }),
        expect.objectContaining({
          ...nsiContact,
          contactId: 8,
          typeCode: "NTER",
          contactDate: "2023-02-23",
          contactStartTime: END,
          notes: "\nNSI Terminated with Outcome: Did not start - Needs met through another route"
        }),
        expect.objectContaining({
          ...nsiContact,
          contactId: 9,
          typeCode: "CRSNOTE",
          contactDate: "2023-02-23",
          contactStartTime: END,
          notes: `\n${EOSR_NOTES}`
        })
      ])
      // §6.5 step 4: CRS appointments dated today or later without an outcome → APPW, attended N, complied Y, by a bulk
      // update that leaves ROW_VERSION and the last-updated columns alone. Past appointments are untouched.
      for (const id of [2, 5, 6]) {
        const old = before.find((c) => c.contactId === id)!
        expect(after.find((c) => c.contactId === id)).toEqual({
          ...old,
          contactOutcomeTypeId: 8,
          outcomeCode: "APPW",
          attended: "N",
          complied: "Y"
        })
      }
      for (const id of [1, 3, 4])
        expect(after.find((c) => c.contactId === id)).toEqual(before.find((c) => c.contactId === id))
      expect(await h.audits()).toEqual([
        expect.objectContaining({ code: "CLBI003", outcome: "P" }),
        expect.objectContaining({ code: "CLBI003", outcome: "P" }),
        expect.objectContaining({ code: "NIBI009", outcome: "P", parameters: "offenderId='1',nsiId='1'" })
      ])
    }
  )

  it("withdraws only the NSI's future CRS appointments without an outcome", async () => {
    const future = plusDays(today(), 2)
    const insert = (id: number, type: number, nsi: number, outcome: number | null) =>
      h.sql(
        (sql) =>
          sql`INSERT INTO CONTACT ${sql.insert({
            CONTACT_ID: id,
            OFFENDER_ID: 1,
            CONTACT_TYPE_ID: type,
            CONTACT_DATE: future,
            CONTACT_START_TIME: `${future} 10:00:00.000000`,
            CONTACT_END_TIME: `${future} 11:00:00.000000`,
            CONTACT_OUTCOME_TYPE_ID: outcome,
            EVENT_ID: 1,
            NSI_ID: nsi,
            PROBATION_AREA_ID: 1,
            TEAM_ID: 1,
            STAFF_ID: 1,
            SOFT_DELETED: 0,
            PARTITION_AREA_ID: 0,
            ROW_VERSION: 0
          })}`
      )
    await insert(100, 3, DevIds.nsi.terminated, null) // CRSAPT of another NSI
    await insert(101, 3, DevIds.nsi.withdrawn, 2) // CRSAPT with an outcome (ATTC)
    await insert(102, 5, DevIds.nsi.withdrawn, null) // CRSNOTE: not an appointment type
    await insert(103, 4, DevIds.nsi.withdrawn, null) // CRSSAA without outcome: withdrawn
    await deliver(fixtureMessage("referral-withdrawn", stub))
    const contacts = await h.contacts()
    const outcome = (id: number) => contacts.find((c) => c.contactId === id)!.outcomeCode
    expect([100, 101, 102, 103].map(outcome)).toEqual([null, "ATTC", null, "APPW"])
  })

  it.each([
    ["referral-withdrawn", "CANCELLED", "CRS01"],
    ["referral-prematurely-ended", "PREMATURELY_ENDED", "CRS02"]
  ])(
    "FEATURE_REFERRAL_WITHDRAWAL_REASON=false: %s ends with the end-type outcome %s → %s (Q9)",
    async (name, endType, code) => {
      const result = await deliver(fixtureMessage(name, stub), false)
      expect(result.properties).toMatchObject({ endType, withdrawalOutcome: "NSI7" })
      expect(await h.nsi(1)).toMatchObject({ statusCode: "COMP", outcomeCode: code })
      expect((await h.contacts()).find((c) => c.typeCode === "NTER")!.notes).toBe(
        `\nNSI Terminated with Outcome: Description of ${code}`
      )
    }
  )

  it("FEATURE_REFERRAL_WITHDRAWAL_REASON=true (explicit) uses the withdrawal outcome", async () => {
    await deliver(fixtureMessage("referral-prematurely-ended", stub), true)
    expect((await h.nsi(1)).outcomeCode).toBe("NSI7")
  })

  it.each(["referral-withdrawn", "referral-prematurely-ended"])("redelivery of %s changes nothing", async (name) => {
    const message = fixtureMessage(name, stub)
    expect((await deliver(message)).outcome).toBe("Success")
    const once = await h.snapshot()
    const result = await deliver(message)
    expect(result.outcome).toBe("Success")
    expect(await h.snapshot()).toEqual(once)
    expect((await h.audits()).map((a) => [a.code, a.outcome])).toEqual([
      ["NIBI009", "P"],
      ["NIBI009", "P"]
    ])
  })

  it("a later end with another outcome: new outcome and NTER at the existing status date, no new status (§6.5 5–6)", async () => {
    await deliver(fixtureMessage("referral-withdrawn", stub))
    const message = fixtureMessage("referral-withdrawn", stub, (event) => {
      event.additionalInformation.deliveryState = "COMPLETED"
    })
    const body = fixtureBody("referral-prematurely-ended")
    delete body.withdrawalCode
    delete body.withdrawalState
    body.concludedAt = "2023-03-01T10:00:00Z"
    body.endOfServiceReport = null
    stub.respond(detailPath(message), body)
    const before = await h.contacts()
    const result = await deliver(message)
    expect(result.properties).toEqual({
      crn: "T140223",
      referralId: "f56c5f7c-632f-4cad-a1b3-693541cb5f22",
      referralUrn: WITHDRAWN_URN,
      endDate: "2023-03-01T10:00:00Z[Europe/London]",
      endType: "COMPLETED"
    })
    expect(await h.nsi(1)).toMatchObject({
      statusCode: "COMP",
      nsiStatusDate: END,
      outcomeCode: "CRS03",
      actualEndDate: "2023-03-01 10:00:00.000000",
      activeFlag: 0,
      notes: NSI_NOTES
    })
    expect(await h.count("NSI_STATUS_HISTORY")).toBe(1)
    const added = (await h.contacts()).filter((c) => !before.some((b) => b.contactId === c.contactId))
    expect(added.map((c) => [c.typeCode, c.contactStartTime, c.notes])).toEqual([
      ["NTER", END, "\nNSI Terminated with Outcome: Description of CRS03"]
    ])
  })

  it("an empty withdrawalCode is absent: end-type outcome CRS01, no withdrawalOutcome property (§16)", async () => {
    const message = fixtureMessage("referral-withdrawn", stub)
    stub.respond(detailPath(message), {
      ...fixtureBody("referral-prematurely-ended"),
      withdrawalCode: "",
      withdrawalState: null
    })
    const result = await deliver(message)
    expect(result.outcome).toBe("Success")
    expect(result.properties).not.toHaveProperty("withdrawalOutcome")
    expect((await h.nsi(1)).outcomeCode).toBe("CRS01")
  })

  it.each([
    [
      "no end date",
      (body: Record<string, any>) => {
        delete body.concludedAt
        delete body.endRequestedAt
      },
      "IllegalStateException",
      `No End Date for Termination: ${WITHDRAWN_URN} => T140223`
    ],
    [
      "a withdrawal code without state",
      (body: Record<string, any>) => {
        delete body.withdrawalState
      },
      "IllegalArgumentException",
      "Withdrawal state not provided"
    ]
  ])("Failure with %s, nothing written", async (_, change, name, text) => {
    const message = fixtureMessage("referral-withdrawn", stub)
    const body = fixtureBody("referral-prematurely-ended")
    change(body)
    stub.respond(detailPath(message), body)
    const before = await h.snapshot()
    const result = await deliver(message)
    expect(result).toMatchObject({ outcome: "Failure", telemetryName: name, message: text })
    expect(await h.telemetry()).toEqual([
      { name, properties: { crn: "T140223", referralId: "f56c5f7c-632f-4cad-a1b3-693541cb5f22", message: text } }
    ])
    expect(await h.snapshot()).toEqual(before)
  })

  it("an empty callback body → Failure NotFoundException `Unable to retrieve session: …` (§5.4 step 1)", async () => {
    const message = fixtureMessage("referral-withdrawn", stub)
    stub.respond(detailPath(message), { status: 200, body: "" })
    const result = await deliver(message)
    expect(result).toMatchObject({
      outcome: "Failure",
      telemetryName: "NotFoundException",
      message: `Unable to retrieve session: ${stub.baseUrl}${detailPath(message)}`
    })
    expect((await h.nsi(1)).statusCode).toBe("INPROG")
  })

  it("unknown referral: Rejected `Referral Not Found` with reason NSI cannot be determined", async () => {
    const urn = "urn:hmpps:interventions-referral:00000000-0000-4000-8000-000000000000"
    const before = await h.snapshot()
    const result = await deliver(
      fixtureMessage("referral-withdrawn", stub, (event) => {
        event.additionalInformation.referralURN = urn
      })
    )
    const properties = {
      crn: "T140223",
      referralId: "f56c5f7c-632f-4cad-a1b3-693541cb5f22",
      referralUrn: urn,
      // relevantSentenceId is missing from the body: a Kotlin Long primitive → 0 (§2.1, §5.4).
      eventId: "0",
      // sentAt 2023-02-14T11:31:49.503Z as a London date.
      date: "2023-02-14",
      reason: "NSI cannot be determined",
      message: "Referral Not Found"
    }
    expect(result).toMatchObject({ outcome: "Rejected", telemetryName: "ReferAndMonitorFailureReport", properties })
    expect(await h.telemetry()).toEqual([{ name: "ReferAndMonitorFailureReport", properties }])
    expect(await h.snapshot()).toEqual(before)
    expect(await h.audits()).toEqual([
      expect.objectContaining({ code: "NIBI009", outcome: "F", parameters: "offenderId='1'" })
    ])
  })

  it("soft-deleted NSI: Rejected with reason NSI soft deleted", async () => {
    await h.sql((sql) => sql`UPDATE NSI SET SOFT_DELETED = 1 WHERE NSI_ID = 1`)
    const result = await deliver(fixtureMessage("referral-withdrawn", stub))
    expect(result).toMatchObject({
      outcome: "Rejected",
      message: "Referral Not Found",
      properties: { referralUrn: WITHDRAWN_URN, reason: "NSI soft deleted" }
    })
  })

  it("a referral of another person is not found (CRN + URN)", async () => {
    const result = await deliver(
      fixtureMessage("referral-withdrawn", stub, (event) => {
        event.personReference.identifiers[0].value = "N049975"
      })
    )
    expect(result).toMatchObject({
      outcome: "Rejected",
      properties: { crn: "N049975", reason: "NSI cannot be determined" }
    })
    expect((await h.nsi(1)).statusCode).toBe("INPROG")
  })
})
