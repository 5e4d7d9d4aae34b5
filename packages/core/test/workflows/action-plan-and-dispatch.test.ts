import { Effect, Schedule } from "effect"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { DevIds, DevReferrals } from "../../src/delius/seed.js"
import { EventHandlerConfig, handleDomainEvent } from "../../src/events/handleDomainEvent.js"
import { describeOnDialectsAndSpans, dropSeededDatabases } from "../../src/testing/index.js"
import { type Harness, makeHarness } from "../support/harness.js"
import {
  detailPath,
  fixtureMessage,
  type ReferAndMonitorStub,
  startReferAndMonitorStub
} from "../support/referAndMonitorStub.js"

/** Action plan submitted / approved (spec §5.5) and the dispatcher's outcomes (§5.2, §16). */
let stub: ReferAndMonitorStub
beforeAll(async () => {
  stub = await startReferAndMonitorStub()
})
afterAll(async () => {
  await stub.close()
  await dropSeededDatabases()
})

const ACTION_PLAN_URL =
  "https://hmpps-interventions-ui-dev.apps.live-1.cloud-platform.service.justice.gov.uk/probation-practitioner/referrals/68df9f6c-3fcb-4ec6-8fcf-96551cd9b080/action-plan"
const PROVIDER = "Seetec Business Technology Centre Limited"

describeOnDialectsAndSpans(describe, "action plan events", (kind, tracing) => {
  let h: Harness
  beforeEach(async () => {
    stub.reset()
    h = await makeHarness(kind, { tracing, referAndMonitorPort: stub.port })
  })
  afterEach(() => h.dispose())
  const deliver = (message: string) => h.run(handleDomainEvent(message))

  it.each([
    ["action-plan-submitted", "Submitted", "be67d4e9-9047-5966-b383-881e7fb5debc", "2023-06-05 15:14:10.376000"],
    ["action-plan-approved", "Approved", "71ab5796-bc4d-5eb7-9ccb-0b6152589af4", "2023-06-05 15:06:13.237000"]
  ])(
    "%s: one CRSNOTE on the NSI at occurredAt with the exact note; no callback, no audit",
    async (name, type, messageId, at) => {
      const before = await h.snapshot()
      const result = await deliver(fixtureMessage(name, stub))
      expect(result).toEqual({
        outcome: "Success",
        eventType: `intervention.action-plan.${type.toLowerCase()}`,
        messageId,
        telemetryName: `ActionPlan${type}`,
        properties: { crn: "T140223", referralId: DevReferrals.withdrawn },
        transient: false
      })
      expect(await h.telemetry()).toEqual([
        { name: `ActionPlan${type}`, properties: { crn: "T140223", referralId: DevReferrals.withdrawn } }
      ])
      expect(stub.requests).toEqual([])
      const added = (await h.contacts()).filter((c) => (c.contactId as number) > 4)
      expect(added).toEqual([
        expect.objectContaining({
          contactId: 5,
          typeCode: "CRSNOTE",
          offenderId: DevIds.offender.T140223,
          nsiId: DevIds.nsi.withdrawn,
          eventId: DevIds.event.withNsi,
          probationAreaId: DevIds.provider.crs,
          teamId: DevIds.team.crsuat,
          staffId: DevIds.staff.crsuatu,
          contactDate: "2023-06-05",
          contactStartTime: at,
          contactEndTime: null,
          officeLocationId: null,
          contactOutcomeTypeId: null,
          rarActivity: null,
          externalReference: null,
          linkedContactId: null,
          notes: `\nAction Plan ${type} for Accommodation Referral FE4536C with Prime Provider ${PROVIDER}\n${ACTION_PLAN_URL}`,
          rowVersion: 0
        })
      ])
      // Nothing else changes, and action-plan notes are not audited (§8.3).
      const after = await h.snapshot()
      expect({ ...after, CONTACT: after.CONTACT!.slice(0, 4) }).toEqual(before)
      expect(await h.audits()).toEqual([])
    }
  )

  it("submitted and approved on the same day are two notes; each redelivery is idempotent", async () => {
    const submitted = fixtureMessage("action-plan-submitted", stub)
    const approved = fixtureMessage("action-plan-approved", stub)
    await deliver(submitted)
    await deliver(approved)
    const once = await h.snapshot()
    expect((await deliver(submitted)).outcome).toBe("Success")
    expect((await deliver(approved)).outcome).toBe("Success")
    expect(await h.snapshot()).toEqual(once)
    expect(
      (await h.contacts()).filter((c) => c.typeCode === "CRSNOTE").map((c) => String(c.notes).split("\n")[1])
    ).toEqual([
      `Action Plan Submitted for Accommodation Referral FE4536C with Prime Provider ${PROVIDER}`,
      `Action Plan Approved for Accommodation Referral FE4536C with Prime Provider ${PROVIDER}`
    ])
  })

  it("a submission on another day is another note", async () => {
    await deliver(fixtureMessage("action-plan-submitted", stub))
    await deliver(
      fixtureMessage("action-plan-submitted", stub, (event) => {
        event.occurredAt = "2023-06-06T09:00:00+01:00"
      })
    )
    expect((await h.contacts()).filter((c) => c.typeCode === "CRSNOTE").map((c) => c.contactDate)).toEqual([
      "2023-06-05",
      "2023-06-06"
    ])
  })

  it("unknown referral: Rejected, nothing written", async () => {
    const before = await h.snapshot()
    const referralId = "00000000-0000-4000-8000-000000000000"
    const result = await deliver(
      fixtureMessage("action-plan-approved", stub, (event) => {
        event.additionalInformation.referralId = referralId
      })
    )
    const properties = { crn: "T140223", referralId, message: "Unable to find referral for action plan notification" }
    expect(result).toMatchObject({ outcome: "Rejected", telemetryName: "ReferAndMonitorFailureReport", properties })
    expect(await h.telemetry()).toEqual([{ name: "ReferAndMonitorFailureReport", properties }])
    expect(await h.snapshot()).toEqual(before)
  })
})

describeOnDialectsAndSpans(describe, "dispatch", (kind, tracing) => {
  let h: Harness
  beforeEach(async () => {
    stub.reset()
    h = await makeHarness(kind, { tracing, referAndMonitorPort: stub.port })
  })
  afterEach(() => h.dispose())
  const deliver = (message: unknown) => h.run(handleDomainEvent(message))

  it.each([
    ["missing", (event: Record<string, any>) => delete event.detailUrl],
    ["null", (event: Record<string, any>) => (event.detailUrl = null)],
    ["empty", (event: Record<string, any>) => (event.detailUrl = "")]
  ])("%s detailUrl → Failure `Detail Url Missing` for handled and unhandled types", async (_, change) => {
    const before = await h.snapshot()
    for (const [name, eventType] of [
      ["action-plan-submitted", "intervention.action-plan.submitted"],
      [
        "session-appointment-feedback-submitted-compliant",
        "intervention.session-appointment.session-feedback-submitted"
      ],
      ["action-plan-submitted", "intervention.referral.sent"]
    ] as const) {
      await h.clearTelemetry()
      const result = await deliver(
        fixtureMessage(name, stub, (event) => {
          change(event)
          event.eventType = eventType
        })
      )
      expect(result).toMatchObject({
        outcome: "Failure",
        eventType,
        telemetryName: "IllegalArgumentException",
        message: "Detail Url Missing",
        transient: false
      })
      expect(await h.telemetry()).toEqual([
        {
          name: "IllegalArgumentException",
          properties: { crn: "T140223", referralId: result.properties.referralId, message: "Detail Url Missing" }
        }
      ])
    }
    expect(stub.requests).toEqual([])
    expect(await h.snapshot()).toEqual(before)
  })

  it("an occurredAt that is not a date-time → Failure, nothing written (it would date the contact); absent → now", async () => {
    const before = await h.snapshot()
    const result = await deliver(
      fixtureMessage("action-plan-submitted", stub, (event) => {
        event.occurredAt = "last Tuesday"
      })
    )
    expect(result).toMatchObject({
      outcome: "Failure",
      telemetryName: "IllegalArgumentException",
      message: "occurredAt is not a date-time: last Tuesday"
    })
    expect(await h.snapshot()).toEqual(before)
    const absent = await deliver(
      fixtureMessage("action-plan-submitted", stub, (event) => {
        delete event.occurredAt
      })
    )
    expect(absent.outcome).toBe("Success")
  })

  it("an event type without a handler → Unhandled with UnhandledEventReceived", async () => {
    const result = await deliver(
      fixtureMessage("action-plan-submitted", stub, (event) => {
        event.eventType = "intervention.referral.sent"
      })
    )
    expect(result).toEqual({
      outcome: "Unhandled",
      eventType: "intervention.referral.sent",
      messageId: "be67d4e9-9047-5966-b383-881e7fb5debc",
      telemetryName: "UnhandledEventReceived",
      properties: { crn: "T140223", referralId: DevReferrals.withdrawn, eventType: "intervention.referral.sent" },
      transient: false
    })
    expect(await h.telemetry()).toEqual([{ name: "UnhandledEventReceived", properties: result.properties }])
  })

  it("the SNS eventType attribute wins over the event's own type (§5.2 step 2)", async () => {
    const envelope = JSON.parse(fixtureMessage("action-plan-submitted", stub)) as Record<string, any>
    const event = JSON.parse(envelope.Message) as Record<string, any>
    event.eventType = "intervention.something.else"
    envelope.Message = JSON.stringify(event)
    const result = await deliver(JSON.stringify(envelope))
    expect(result).toMatchObject({ outcome: "Success", eventType: "intervention.action-plan.submitted" })
  })

  it.each([
    ["not JSON", "{not json"],
    ["a JSON array", "[1,2]"],
    ["an SNS envelope whose Message is not JSON", JSON.stringify({ Type: "Notification", Message: "nope" })]
  ])("%s → Failure", async (_, body) => {
    const before = await h.snapshot()
    const result = await deliver(body)
    expect(result).toMatchObject({ outcome: "Failure", telemetryName: "IllegalArgumentException", transient: false })
    expect(await h.telemetry()).toEqual([
      { name: "IllegalArgumentException", properties: { crn: "", referralId: "", message: result.message } }
    ])
    expect(await h.snapshot()).toEqual(before)
  })

  it("R&M answers 500 → transient Failure after 3 in-process attempts (§5.2 step 6), nothing written", async () => {
    const message = fixtureMessage("session-appointment-feedback-submitted-compliant", stub)
    const path = detailPath(message)
    stub.respond(path, { status: 500, body: '{"status":500,"message":"boom"}' })
    const before = await h.snapshot()
    const result = await h.run(
      handleDomainEvent(message).pipe(
        Effect.provideService(EventHandlerConfig, {
          withdrawalReasonEnabled: true,
          retrySchedule: Schedule.recurs(2)
        })
      )
    )
    expect(result).toMatchObject({
      outcome: "Failure",
      telemetryName: "RestClientException",
      transient: true,
      message: `GET ${stub.baseUrl}${path} failed with status 500: {"status":500,"message":"boom"}`
    })
    expect(stub.requests).toEqual([path, path, path])
    expect(await h.snapshot()).toEqual(before)
    expect(await h.audits()).toEqual([])
    expect(await h.telemetry()).toEqual([
      {
        name: "RestClientException",
        properties: { crn: "T140223", referralId: DevReferrals.withdrawn, message: result.message }
      }
    ])
  })

  it("R&M answers 404 → non-transient Failure, one attempt, nothing written", async () => {
    const message = fixtureMessage("session-appointment-feedback-submitted-compliant", stub, (event) => {
      event.detailUrl = `${stub.baseUrl}/referral/unknown`
    })
    const before = await h.snapshot()
    const result = await deliver(message)
    expect(result).toMatchObject({ outcome: "Failure", telemetryName: "RestClientException", transient: false })
    expect(stub.requests).toEqual(["/referral/unknown"])
    expect(await h.snapshot()).toEqual(before)
  })

  it("an empty 2xx body is 'not found': Failure `Unable to retrieve appointment: …`", async () => {
    const message = fixtureMessage("session-appointment-feedback-submitted-compliant", stub)
    stub.respond(detailPath(message), { status: 200, body: "" })
    const result = await deliver(message)
    expect(result).toMatchObject({
      outcome: "Failure",
      telemetryName: "IllegalArgumentException",
      message: `Unable to retrieve appointment: ${stub.baseUrl}${detailPath(message)}`
    })
  })
})
