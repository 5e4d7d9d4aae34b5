import { describe, expect, it } from "vitest"
import type { ReferAndMonitorReferral } from "../../src/refer-and-monitor/ReferralView.js"
import { deliveryStateOf } from "../../src/reconcile/ending.js"

/**
 * The referral-ended delivery state derived from R&M's API as its producer derives it (hmpps-interventions-service
 * `ReferralConcluder`, client-contract.md §3.4 E1).
 */
const feedback = (attended: string | null) => ({
  attendanceFeedback: { attended },
  sessionFeedback: { notify: true }
})
const session = (n: number, attended: string | null, old: ReadonlyArray<string | null> = []) => ({
  id: `0000000${n}-0000-4000-8000-000000000000`,
  sessionNumber: n,
  appointmentFeedback: feedback(attended),
  oldAppointments: old.map((a, i) => ({
    id: `1000000${i}-0000-4000-8000-000000000000`,
    superseded: true,
    appointmentFeedback: feedback(a)
  }))
})
const referral = (
  plan: { approved: boolean; sessions: number } | null,
  sessions: ReadonlyArray<ReturnType<typeof session>>
) =>
  ({
    sent: {} as ReferAndMonitorReferral["sent"],
    supplierAssessment: null,
    actionPlan:
      plan === null
        ? null
        : {
            id: "14c9ead2-b4d1-47cf-9b82-859bdd54bb5b",
            referralId: "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080",
            numberOfSessions: plan.sessions,
            ...(plan.approved ? { approvedAt: { epochMillis: 0, subMillis: "" } } : {})
          },
    sessions
  }) as unknown as ReferAndMonitorReferral

describe("deliveryStateOf", () => {
  it("no action plan, or one not approved → CANCELLED", () => {
    expect(deliveryStateOf(referral(null, []))).toBe("CANCELLED")
    expect(deliveryStateOf(referral({ approved: false, sessions: 2 }, [session(1, "yes")]))).toBe("CANCELLED")
  })

  it("an approved plan but no session attended (yes/late) → CANCELLED", () => {
    expect(deliveryStateOf(referral({ approved: true, sessions: 2 }, [session(1, "no"), session(2, null)]))).toBe(
      "CANCELLED"
    )
  })

  it("some sessions with attendance recorded → PREMATURELY_ENDED", () => {
    expect(
      deliveryStateOf(
        referral({ approved: true, sessions: 3 }, [session(1, "late"), session(2, "no"), session(3, null)])
      )
    ).toBe("PREMATURELY_ENDED")
  })

  it("every planned session with attendance recorded, an earlier appointment counting for its session → COMPLETED", () => {
    expect(
      deliveryStateOf(referral({ approved: true, sessions: 2 }, [session(1, "yes"), session(2, null, ["no"])]))
    ).toBe("COMPLETED")
  })
})
