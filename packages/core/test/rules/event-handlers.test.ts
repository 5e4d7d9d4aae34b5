import { describe, expect, it } from "vitest"
import { eventHandlers } from "../../src/events/handleDomainEvent.js"

describe("event dispatch table (§5.2)", () => {
  it("handles exactly the reference's event types, each with its Success telemetry name", () => {
    expect(
      Object.fromEntries(Object.entries(eventHandlers).map(([type, handler]) => [type, handler.successName]))
    ).toEqual({
      "intervention.referral.ended": "ReferralEnded",
      "intervention.action-plan.submitted": "ActionPlanSubmitted",
      "intervention.action-plan.approved": "ActionPlanApproved",
      "intervention.initial-assessment-appointment.session-feedback-submitted": "InitialAppointmentSubmitted",
      "intervention.session-appointment.session-feedback-submitted": "SessionAppointmentSubmitted"
    })
  })
})
