import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { ReferralSession, SupplierAssessment } from "../../src/refer-and-monitor/schemas.js"
import { latestAssessmentFeedback, latestSessionFeedback } from "../../src/rules/latestFeedback.js"
import { IsoDateTime } from "../../src/domain/time.js"

/** The shared fixtures (the repository's fixtures/, a copy of shared/fixtures); `RAM_FIXTURES_DIR` overrides the location. */
const fixturesDir = process.env.RAM_FIXTURES_DIR ?? fileURLToPath(new URL("../../../../fixtures/", import.meta.url))

const session = (name: string): ReferralSession =>
  Schema.decodeUnknownSync(ReferralSession)(
    JSON.parse(
      readFileSync(`${fixturesDir}/refer-and-monitor-api/session-appointment-feedback-submitted-${name}.json`, "utf8")
    )
  )

const REFERRAL_ID = "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080"

const selected = (result: ReturnType<typeof latestSessionFeedback>) => {
  if (Either.isLeft(result)) throw new Error(`expected a selection, got: ${result.left}`)
  return result.right
}

describe("latestSessionFeedback (§5.6)", () => {
  it("compliant: the current appointment's feedback", () => {
    const result = selected(latestSessionFeedback(session("compliant"), REFERRAL_ID))
    expect(result.appointmentId).toBe("48911ad2-1213-4bd3-8312-3824dc29f131")
    expect(result.feedback.attendanceFeedback).toMatchObject({ attended: "yes", didSessionHappen: true })
    // current notifyProbationPractitionerOfBehaviour: false wins over the default
    expect(result.feedback.sessionFeedback.notify).toBe(false)
  })

  it("non-compliant: the current appointment, not the (also attended) old one", () => {
    const result = selected(latestSessionFeedback(session("non-compliant"), REFERRAL_ID))
    expect(result.appointmentId).toBe("3fa85f64-5717-4562-b3fc-2c963f66afa6")
    expect(result.feedback.attendanceFeedback.submittedAt?.epochMillis).toBe(Date.parse("2023-02-14T15:07:03.774Z"))
    expect(result.feedback.attendanceFeedback).toMatchObject({ attended: "yes", didSessionHappen: false })
    expect(result.feedback.sessionFeedback).toEqual({ noSessionReasonType: "POP_UNACCEPTABLE", notify: true })
  })

  it("no-session: the current appointment with its no-session reason", () => {
    const result = selected(latestSessionFeedback(session("no-session"), REFERRAL_ID))
    expect(result.appointmentId).toBe("c8801fa4-4487-4b38-9169-efabd4be98c9")
    expect(result.feedback.sessionFeedback).toEqual({ noSessionReasonType: "LOGISTICS", notify: false })
  })

  it("not-attended: current attended is null → the old appointment 3b8282cd-…", () => {
    const result = selected(latestSessionFeedback(session("not-attended"), "89a3f79c-f12b-43de-9616-77ae19813cfe"))
    expect(result.appointmentId).toBe("3b8282cd-baa5-45d3-8489-b5836a58a0e8")
    expect(result.feedback.attendanceFeedback.attended).toBe("no")
    // notifyProbationPractitioner: null and no …OfBehaviour → true (§16)
    expect(result.feedback.sessionFeedback.notify).toBe(true)
  })

  it("not-found: the current appointment (attended no)", () => {
    const result = selected(latestSessionFeedback(session("not-found"), "cb293dcb-c201-4743-aa9d-acb14c8a1ddd"))
    expect(result.appointmentId).toBe("ac26da83-978f-4bbf-b517-f406fc29fb6d")
    expect(result.feedback.attendanceFeedback.attended).toBe("no")
  })

  it("picks the old appointment with the greatest submittedAt, skipping unattended ones", () => {
    const base = session("not-attended")
    const old = base.oldAppointments[0]!
    const at = Schema.decodeUnknownSync(IsoDateTime)
    const withSubmitted = (id: string, attended: string | null, submittedAt: string | undefined) => ({
      id,
      appointmentFeedback: {
        ...old.appointmentFeedback,
        attendanceFeedback: {
          attended,
          ...(submittedAt === undefined ? {} : { submittedAt: at(submittedAt) })
        }
      }
    })
    const result = selected(
      latestSessionFeedback(
        {
          ...base,
          oldAppointments: [
            withSubmitted("00000000-0000-4000-8000-000000000001", "yes", "2023-04-17T10:00:00.000001Z"),
            withSubmitted("00000000-0000-4000-8000-000000000002", "late", "2023-04-17T10:00:00.000002Z"),
            withSubmitted("00000000-0000-4000-8000-000000000003", null, "2023-04-18T10:00:00Z"),
            withSubmitted("00000000-0000-4000-8000-000000000004", "no", undefined)
          ]
        },
        "r"
      )
    )
    expect(result.appointmentId).toBe("00000000-0000-4000-8000-000000000002")
  })

  it("none: the exact IllegalStateException text (space before the colon)", () => {
    const base = session("not-attended")
    const result = latestSessionFeedback({ ...base, oldAppointments: [] }, "89a3f79c-f12b-43de-9616-77ae19813cfe")
    expect(result).toEqual(
      Either.left(
        "No feedback information available for referral 89a3f79c-f12b-43de-9616-77ae19813cfe : session 4bca159d-785a-41ba-b96e-01ddd843485a"
      )
    )
  })

  it("a session without attendance/session feedback objects decodes as no feedback", () => {
    const decoded = Schema.decodeUnknownSync(ReferralSession)({
      id: "4bca159d-785a-41ba-b96e-01ddd843485a",
      appointmentId: null,
      sessionNumber: 1,
      appointmentFeedback: {}
    })
    expect(decoded.appointmentFeedback).toEqual({
      attendanceFeedback: { attended: null },
      sessionFeedback: { notify: true }
    })
    expect(latestSessionFeedback(decoded, "x")).toEqual(
      Either.left("No feedback information available for referral x : session 4bca159d-785a-41ba-b96e-01ddd843485a")
    )
  })
})

describe("latestAssessmentFeedback (§5.6)", () => {
  const appointment = (id: string, attended: string | null, submittedAt: string | null) => ({
    id,
    appointmentFeedback: {
      attendanceFeedback: { attended, submittedAt },
      sessionFeedback: { notifyProbationPractitioner: null, notifyProbationPractitionerOfBehaviour: null }
    }
  })
  const assessment = (appointments: ReadonlyArray<unknown>) =>
    Schema.decodeUnknownSync(SupplierAssessment)({
      id: "f0b3e2a1-1111-4222-8333-944455556666",
      referralId: "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080",
      currentAppointmentId: null,
      appointments
    })

  it("the attended appointment with the greatest submittedAt", () => {
    const result = latestAssessmentFeedback(
      assessment([
        appointment("00000000-0000-4000-8000-00000000000a", "no", "2023-04-17T11:34:15.372669+01:00"),
        appointment("00000000-0000-4000-8000-00000000000b", "yes", "2023-04-17T10:34:15.372670Z"),
        appointment("00000000-0000-4000-8000-00000000000c", null, "2023-05-01T00:00:00Z")
      ])
    )
    // 11:34:15.372669+01:00 = 10:34:15.372669Z, one microsecond before b
    expect(Either.getOrThrow(result).appointmentId).toBe("00000000-0000-4000-8000-00000000000b")
    expect(Either.getOrThrow(result).feedback.sessionFeedback.notify).toBe(true)
  })

  it("none: the exact IllegalStateException text", () => {
    expect(
      latestAssessmentFeedback(assessment([appointment("00000000-0000-4000-8000-00000000000c", null, null)]))
    ).toEqual(
      Either.left(
        "No feedback information available for referral 68df9f6c-3fcb-4ec6-8fcf-96551cd9b080: supplier assessment f0b3e2a1-1111-4222-8333-944455556666"
      )
    )
    expect(latestAssessmentFeedback(assessment([]))).toEqual(
      Either.left(
        "No feedback information available for referral 68df9f6c-3fcb-4ec6-8fcf-96551cd9b080: supplier assessment f0b3e2a1-1111-4222-8333-944455556666"
      )
    )
  })
})
