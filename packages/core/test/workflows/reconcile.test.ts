import { ConfigProvider, Effect, Either, Layer } from "effect"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { DevIds, DevReferrals } from "../../src/delius/seed.js"
import { londonDate } from "../../src/domain/time.js"
import { NotFound } from "../../src/errors.js"
import { referAndMonitorUrls } from "../../src/refer-and-monitor/ReferralView.js"
import { Reconciliation, type ReconcileResult } from "../../src/reconcile/Reconciliation.js"
import type { SweepResult } from "../../src/reconcile/sweep.js"
import { describeOnDialects, dropSeededDatabases } from "../../src/testing/index.js"
import { type Harness, makeHarness, named } from "../support/harness.js"
import { fixtureBody, type ReferAndMonitorStub, startReferAndMonitorStub } from "../support/referAndMonitorStub.js"

/**
 * Reconciliation of a referral between R&M (a loopback stub serving R&M's API shapes) and Delius (the dev dataset):
 * each kind of drift found, `apply` repairing it through the workflows, and a second run in sync.
 */
let stub: ReferAndMonitorStub
beforeAll(async () => {
  stub = await startReferAndMonitorStub()
})
afterAll(async () => {
  await stub.close()
  await dropSeededDatabases()
})

const UI = "https://ui.example"
const PLAN = "14c9ead2-b4d1-47cf-9b82-859bdd54bb5b"
const W = DevReferrals.withdrawn
const DAY = 24 * 60 * 60 * 1000
const iso = (millis: number) => new Date(millis).toISOString()
const feedback = (attended: string | null, didSessionHappen = true, notify = false) => ({
  attendanceFeedback: { attended, didSessionHappen, submittedAt: attended === null ? null : iso(Date.now() - DAY) },
  sessionFeedback: { notifyProbationPractitionerOfBehaviour: notify }
})
const session = (n: number, appointmentId: string, at: number, extra: Record<string, unknown> = {}) => ({
  id: `0000000${n}-0000-4000-8000-000000000000`,
  sessionNumber: n,
  appointmentId,
  appointmentTime: iso(at),
  durationInMinutes: 60,
  appointmentFeedback: feedback(null),
  oldAppointments: [],
  ...extra
})

/** R&M's view of the WITHDRAWN referral (T140223): no plan, no assessment unless given. */
const serveReferral = (
  id: string,
  options: {
    sent?: Record<string, unknown>
    plan?: Record<string, unknown>
    sessions?: ReadonlyArray<unknown>
    assessment?: Record<string, unknown>
  } = {}
) => {
  const base = fixtureBody("sent-referral-68df9f6c")
  stub.respond(`/sent-referral/${id}`, {
    ...base,
    id,
    currentActionPlanId: options.plan === undefined ? null : PLAN,
    approvedActionPlanIds: [],
    ...options.sent
  })
  stub.respond(
    `/sent-referral/${id}/supplier-assessment`,
    options.assessment === undefined
      ? { status: 404, body: '{"status":404}' }
      : { referralId: id, ...options.assessment }
  )
  if (options.plan !== undefined) {
    stub.respond(`/action-plan/${PLAN}`, { id: PLAN, referralId: id, numberOfSessions: 3, ...options.plan })
    stub.respond(`/action-plan/${PLAN}/appointments`, options.sessions ?? [])
  }
}

describeOnDialects(describe, "reconcile a referral", (kind) => {
  let h: Harness
  beforeEach(async () => {
    stub.reset()
    h = await makeHarness(kind, { referAndMonitorPort: stub.port })
  })
  afterEach(() => h.dispose())

  const config = () =>
    Layer.setConfigProvider(
      ConfigProvider.fromMap(
        new Map([
          ["REFER_AND_MONITOR_URL", stub.baseUrl],
          ["REFER_AND_MONITOR_UI_URL", UI],
          ["DEV_REFER_AND_MONITOR_PORT", String(stub.port)]
        ])
      )
    )
  const withReconciliation = <A, E>(f: (r: Reconciliation["Type"]) => Effect.Effect<A, E>) =>
    Effect.flatMap(Reconciliation, f).pipe(Effect.provide(Reconciliation.layer.pipe(Layer.provide(config()))))
  const reconcile = (crn: string, id: string, apply = false): Promise<ReconcileResult> =>
    h.run(withReconciliation((r) => r.referral(crn, id, { apply })))
  const kinds = (result: ReconcileResult) => result.differences.map((d) => d.kind)

  it("a referral R&M and Delius agree on is in sync, and nothing is written", async () => {
    serveReferral(DevReferrals.noAppointments, { sent: { serviceUserCRN: "N049975" } })
    const before = await h.snapshot()
    const result = await reconcile("N049975", DevReferrals.noAppointments, true)
    expect(result).toEqual({
      crn: "N049975",
      referralId: DevReferrals.noAppointments,
      inSync: true,
      differences: [],
      applied: []
    })
    expect(await h.snapshot()).toEqual(before)
  })

  it("a missing future appointment contact: found, re-created through the merge, then in sync", async () => {
    const appointment = "5b0f3c7e-1d2a-4e59-9c3b-6a7d8e9f0a1b"
    const at = Date.parse(`${londonDate(Date.now() + 3 * DAY)}T10:00:00Z`)
    serveReferral(W, { plan: {}, sessions: [session(1, appointment, at)] })
    const found = await reconcile("T140223", W)
    expect(found.inSync).toBe(false)
    expect(found.differences).toEqual([
      expect.objectContaining({
        kind: "AppointmentMissing",
        subject: `appointment urn:hmpps:interventions-appointment:${appointment}`,
        delius: "no contact",
        workflow: "PUT /probation-case/{crn}/referrals/{referralId}/appointments (Appointment.merge)",
        fixable: true
      })
    ])
    const applied = await reconcile("T140223", W, true)
    expect(applied.applied).toEqual([expect.objectContaining({ kind: "AppointmentMissing", outcome: "written" })])
    expect(applied.inSync).toBe(true)
    const created = (await h.contacts()).find(
      (c) => c.externalReference === `urn:hmpps:interventions-appointment:${appointment}`
    )
    expect(created).toMatchObject({ typeCode: "CRSAPT", nsiId: DevIds.nsi.withdrawn, outcomeCode: null })
    expect(created?.notes).toContain(
      `Service Delivery Appointment for Accommodation Referral FE4536C with Prime Provider ProviderName\n${UI}/probation-practitioner/referrals/${W}/progress`
    )
    expect((await reconcile("T140223", W)).inSync).toBe(true)
  })

  it("a missing supplier-assessment appointment: re-created as a CRSSAA contact with the assessment's link", async () => {
    const appointment = "7d2f3c7e-1d2a-4e59-9c3b-6a7d8e9f0a1b"
    const at = iso(Date.parse(`${londonDate(Date.now() + 2 * DAY)}T14:00:00Z`))
    serveReferral(W, {
      assessment: {
        id: "4b0a5d5c-7b43-4c1e-9a9c-2b6f1d3c9e11",
        currentAppointmentId: appointment,
        appointments: [
          { id: appointment, appointmentTime: at, durationInMinutes: 30, appointmentFeedback: feedback(null) }
        ]
      }
    })
    const found = await reconcile("T140223", W)
    expect(found.differences.map((d) => [d.kind, d.referAndMonitor])).toEqual([
      ["AppointmentMissing", `supplier assessment appointment at ${at}`]
    ])
    expect((await reconcile("T140223", W, true)).inSync).toBe(true)
    const created = (await h.contacts()).find(
      (c) => c.externalReference === `urn:hmpps:interventions-appointment:${appointment}`
    )
    expect(created).toMatchObject({ typeCode: "CRSSAA", rarActivity: "N" })
    expect(created?.notes).toContain(
      `Supplier Assessment Appointment for Accommodation Referral FE4536C with Prime Provider ProviderName\n${UI}/probation-practitioner/referrals/${W}/supplier-assessment`
    )
  })

  it("a missing past appointment is re-created with its outcome", async () => {
    const appointment = "6c1f3c7e-1d2a-4e59-9c3b-6a7d8e9f0a1b"
    const at = Date.parse(`${londonDate(Date.now() - 5 * DAY)}T09:00:00Z`)
    serveReferral(W, { plan: {}, sessions: [session(1, appointment, at, { appointmentFeedback: feedback("yes") })] })
    expect(kinds(await reconcile("T140223", W))).toEqual(["AppointmentMissing"])
    const applied = await reconcile("T140223", W, true)
    expect(applied.inSync).toBe(true)
    const created = (await h.contacts()).find(
      (c) => c.externalReference === `urn:hmpps:interventions-appointment:${appointment}`
    )
    expect(created).toMatchObject({ outcomeCode: "ATTC", attended: "Y", complied: "Y" })
  })

  it("a missing outcome: recorded as the feedback event would, with the session's UI link", async () => {
    const compliant = "48911ad2-1213-4bd3-8312-3824dc29f131"
    serveReferral(W, {
      plan: {},
      sessions: [
        session(2, compliant, Date.now() - DAY, { deliusAppointmentId: 2, appointmentFeedback: feedback("yes") })
      ]
    })
    const found = await reconcile("T140223", W)
    expect(found.differences).toEqual([
      expect.objectContaining({
        kind: "OutcomeMissing",
        delius: `contact ${DevIds.contact.compliant} outcome none`,
        workflow: "intervention.session-appointment.session-feedback-submitted (Appointment.recordFeedback)",
        fixable: true
      })
    ])
    expect(found.differences[0]?.referAndMonitor).toContain("outcome ATTC")
    const applied = await reconcile("T140223", W, true)
    expect(applied).toMatchObject({ inSync: true, differences: [] })
    const contact = await h.contact(DevIds.contact.compliant)
    expect(contact).toMatchObject({ outcomeCode: "ATTC" })
    expect(contact.notes).toContain(
      `Session Feedback Recorded for Accommodation Referral FE4536C with Prime Provider ProviderName\n${UI}/probation-practitioner/referrals/${W}/session/2/appointment/2/post-session-feedback`
    )
    expect((await reconcile("T140223", W)).inSync).toBe(true)
  })

  it("a different outcome this service wrote is corrected; one a Delius user edited is reported, not overwritten", async () => {
    const afta = await h.sql(
      (s) => s<{ id: number }>`SELECT CONTACT_OUTCOME_TYPE_ID AS ID FROM R_CONTACT_OUTCOME_TYPE WHERE CODE = 'AFTA'`
    )
    const setOutcome = (contactId: number, userId: number) =>
      h.sql(
        (s) =>
          s`UPDATE CONTACT SET CONTACT_OUTCOME_TYPE_ID = ${afta[0]!.id}, LAST_UPDATED_USER_ID = ${userId} WHERE CONTACT_ID = ${contactId}`
      )
    await setOutcome(DevIds.contact.compliant, DevIds.user.referAndMonitorAndDelius)
    await setOutcome(DevIds.contact.noSession, DevIds.user.johnSmith)
    serveReferral(W, {
      plan: {},
      sessions: [
        session(2, "48911ad2-1213-4bd3-8312-3824dc29f131", Date.now() - DAY, {
          deliusAppointmentId: 2,
          appointmentFeedback: feedback("yes")
        }),
        session(1, "c8801fa4-4487-4b38-9169-efabd4be98c9", Date.now() - 2 * DAY, {
          deliusAppointmentId: 4,
          appointmentFeedback: feedback("yes")
        })
      ]
    })
    const found = await reconcile("T140223", W)
    expect(found.differences.map((d) => [d.kind, d.fixable])).toEqual([
      ["OutcomeDifferent", true],
      ["OutcomeDifferent", false]
    ])
    expect(found.differences[1]?.reason).toMatch(/^edited in Delius by .+ after the fact; not overwritten$/)
    const before = await h.contact(DevIds.contact.noSession)
    const applied = await reconcile("T140223", W, true)
    expect(applied.applied.map((a) => [a.subject, a.outcome])).toEqual([
      ["appointment urn:hmpps:interventions-appointment:48911ad2-1213-4bd3-8312-3824dc29f131", "written"]
    ])
    expect(applied.inSync).toBe(false)
    expect(applied.differences.map((d) => d.kind)).toEqual(["OutcomeDifferent"])
    expect(await h.contact(DevIds.contact.compliant)).toMatchObject({ outcomeCode: "ATTC" })
    expect(await h.contact(DevIds.contact.noSession)).toEqual(before)
  })

  it("an NSI behind an ended referral: ended through Referral.end with the derived delivery state, then in sync", async () => {
    serveReferral(DevReferrals.terminated, {
      sent: { concludedAt: "2023-03-01T10:15:00.000Z", withdrawalCode: "NEE", withdrawalState: "PRE_ICA_WITHDRAWAL" }
    })
    const found = await reconcile("T140223", DevReferrals.terminated)
    expect(found.differences).toEqual([
      expect.objectContaining({
        kind: "ReferralEndBehind",
        workflow: "intervention.referral.ended (Referral.end)",
        fixable: true
      })
    ])
    expect(found.differences[0]?.referAndMonitor).toBe(
      "referral ended 2023-03-01T10:15:00.000Z (CANCELLED, outcome NSI7)"
    )
    expect(found.differences[0]?.delius).toContain("status INPROG")
    const applied = await reconcile("T140223", DevReferrals.terminated, true)
    expect(applied.applied).toEqual([
      expect.objectContaining({ outcome: "written", message: "NSI ended CANCELLED with outcome NSI7" })
    ])
    expect(applied.inSync).toBe(true)
    expect(await h.nsi(DevIds.nsi.terminated)).toMatchObject({ statusCode: "COMP", outcomeCode: "NSI7" })
    expect((await h.nsi(DevIds.nsi.terminated)).notes).toContain(
      `${UI}/probation-practitioner/referrals/${DevReferrals.terminated}/details`
    )
  })

  it("missing action-plan notes: recorded through ActionPlan.record on the plan's dates, then in sync", async () => {
    serveReferral(W, { plan: { submittedAt: "2023-02-13T10:00:00.000Z", approvedAt: "2023-02-14T15:00:00.000Z" } })
    const found = await reconcile("T140223", W)
    expect(found.differences.map((d) => [d.kind, d.subject, d.delius])).toEqual([
      ["ActionPlanNoteMissing", "action plan submitted", 'no CRSNOTE "Action Plan Submitted" on 2023-02-13'],
      ["ActionPlanNoteMissing", "action plan approved", 'no CRSNOTE "Action Plan Approved" on 2023-02-14']
    ])
    const applied = await reconcile("T140223", W, true)
    expect(applied.inSync).toBe(true)
    const notes = (await h.contacts()).filter((c) => c.typeCode === "CRSNOTE" && c.nsiId === DevIds.nsi.withdrawn)
    expect(notes.map((n) => String(n.notes).trim())).toEqual([
      `Action Plan Submitted for Accommodation Referral FE4536C with Prime Provider ProviderName\n${UI}/probation-practitioner/referrals/${W}/action-plan`,
      `Action Plan Approved for Accommodation Referral FE4536C with Prime Provider ProviderName\n${UI}/probation-practitioner/referrals/${W}/action-plan`
    ])
    expect((await reconcile("T140223", W, true)).applied).toEqual([])
  })

  it("a CRN that is not the referral's person in R&M: NotFound naming both, nothing read from Delius as drift", async () => {
    serveReferral(W)
    const error = await h.failure(withReconciliation((r) => r.referral("N049975", W)))
    expect(error).toBeInstanceOf(NotFound)
    expect((error as NotFound).message).toBe(`Refer and Monitor's referral ${W} is for T140223, not N049975`)
  })

  it("R&M without the referral: NotFound, nothing written", async () => {
    const missing = "11111111-2222-4333-8444-555555555555"
    const before = await h.snapshot()
    const error = await h.failure(withReconciliation((r) => r.referral("T140223", missing, { apply: true })))
    expect(error).toBeInstanceOf(NotFound)
    expect(await h.snapshot()).toEqual(before)
  })

  it("the sweep: every referral changed in the window, read-only, ReferralDrift per drifted one", async () => {
    serveReferral(W, { plan: { submittedAt: "2023-02-13T10:00:00.000Z" } })
    serveReferral(DevReferrals.noAppointments, { sent: { serviceUserCRN: "N049975" } })
    serveReferral(DevReferrals.terminated, { sent: { concludedAt: "2023-03-01T10:15:00.000Z" } })
    const before = await h.snapshot()
    const result: SweepResult = await h.run(
      withReconciliation((r) => r.since({ sinceMillis: Date.now() - 30 * DAY, ratePerSecond: 100 }))
    )
    expect(result).toMatchObject({ referrals: 3, inSync: 1, failed: [] })
    expect(result.drifted).toEqual([
      { crn: "T140223", referralId: W, kinds: ["ActionPlanNoteMissing"] },
      { crn: "T140223", referralId: DevReferrals.terminated, kinds: ["ReferralEndBehind"] }
    ])
    expect(await h.snapshot()).toEqual(before)
    const telemetry = await h.telemetry()
    expect(named(telemetry, "ReferralDrift").map((e) => e.properties)).toEqual([
      { crn: "T140223", referralId: W, kinds: "ActionPlanNoteMissing" },
      { crn: "T140223", referralId: DevReferrals.terminated, kinds: "ReferralEndBehind" }
    ])
    expect(named(telemetry, "ReconciliationCompleted").map((e) => e.properties)).toEqual([
      expect.objectContaining({ referrals: "3", inSync: "1", drifted: "2", failed: "0" })
    ])
    const none: SweepResult = await h.run(
      withReconciliation((r) => r.since({ sinceMillis: Date.now() + DAY, ratePerSecond: 100 }))
    )
    expect(none).toMatchObject({ referrals: 0, drifted: [] })
  })
})

describe("REFER_AND_MONITOR_URL", () => {
  const urls = (env: Record<string, string>) =>
    Effect.runPromise(
      Effect.either(referAndMonitorUrls).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      )
    )
  const auth = { HMPPS_AUTH_URL: "https://auth.example/auth", OAUTH2_CLIENT_ID: "id", OAUTH2_CLIENT_SECRET: "secret" }

  it("dev mode: the local stub and production's UI", async () => {
    expect(await urls({ DEV_REFER_AND_MONITOR_PORT: "18000" })).toEqual(
      Either.right({ api: "http://localhost:18000", ui: "https://refer-monitor-intervention.service.justice.gov.uk" })
    )
  })

  it("an allowed origin is used as given; the UI URL has no default outside dev mode", async () => {
    expect(
      await urls({
        ...auth,
        MESSAGING_CONSUMER_DETAIL_URLS: "https://rm.example",
        REFER_AND_MONITOR_URL: "https://rm.example/"
      })
    ).toEqual(Either.right({ api: "https://rm.example", ui: undefined }))
  })

  it("an origin the token may not go to is refused, naming both settings", async () => {
    const result = await urls({
      ...auth,
      MESSAGING_CONSUMER_DETAIL_URLS: "https://rm.example",
      REFER_AND_MONITOR_URL: "https://elsewhere.example"
    })
    expect(Either.isLeft(result)).toBe(true)
    const message = String(Either.isLeft(result) ? result.left : "")
    expect(message).toContain("REFER_AND_MONITOR_URL (https://elsewhere.example)")
    expect(message).toContain("is not one of MESSAGING_CONSUMER_DETAIL_URLS (https://rm.example)")
  })

  it("outside dev mode it is required", async () => {
    const result = await urls({ ...auth, MESSAGING_CONSUMER_DETAIL_URLS: "https://rm.example" })
    expect(String(Either.isLeft(result) ? result.left : "")).toContain("REFER_AND_MONITOR_URL is not set")
  })
})
