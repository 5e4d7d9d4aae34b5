/**
 * The appointments R&M knows for a referral, flattened from its supplier assessment and delivery sessions, and the
 * notes and links R&M's own calls and events carry for them (client-contract.md §2.3, §3.4), so that a repair writes
 * what the PUT or the event would have written.
 */

import type { Instant } from "../domain/index.js"
import type { AppointmentFeedback } from "../refer-and-monitor/schemas.js"
import type { ReferAndMonitorReferral } from "../refer-and-monitor/ReferralView.js"

export interface ReferAndMonitorAppointment {
  readonly id: string
  readonly kind: "SupplierAssessment" | "Session"
  readonly sessionNumber: number | null
  readonly time: Instant | undefined
  readonly durationInMinutes: number
  readonly officeLocationCode: string | null
  readonly feedback: AppointmentFeedback
  /** The Delius contact id R&M holds (delivery sessions' current appointment only). */
  readonly deliusId: number | null
}

const hasAttendance = (feedback: AppointmentFeedback) => feedback.attendanceFeedback.attended !== null

/**
 * The supplier assessment's current appointment and every appointment with attendance recorded, and each delivery
 * session's current appointment and its earlier appointments with attendance recorded. Earlier appointments without
 * attendance were rescheduled: Delius holds them with a rescheduled outcome (§7.1 step 8), which R&M does not echo.
 */
/** What R&M returns of an appointment, whether an `AppointmentDTO` or a delivery session's current one. */
interface AppointmentFields {
  readonly appointmentTime?: Instant | undefined
  readonly durationInMinutes?: number | undefined
  readonly npsOfficeCode?: string | undefined
  readonly appointmentFeedback: AppointmentFeedback
}

const appointment = (
  id: string,
  at: { readonly kind: ReferAndMonitorAppointment["kind"]; readonly sessionNumber: number | null },
  fields: AppointmentFields,
  deliusId: number | null = null
): ReferAndMonitorAppointment => ({
  id,
  ...at,
  time: fields.appointmentTime,
  durationInMinutes: fields.durationInMinutes ?? 0,
  officeLocationCode: fields.npsOfficeCode ?? null,
  feedback: fields.appointmentFeedback,
  deliusId
})

export const appointmentsOf = (referral: ReferAndMonitorReferral): ReadonlyArray<ReferAndMonitorAppointment> => {
  const out: Array<ReferAndMonitorAppointment> = []
  const assessment = referral.supplierAssessment
  for (const found of assessment?.appointments ?? []) {
    if (found.id !== assessment?.currentAppointmentId && !hasAttendance(found.appointmentFeedback)) continue
    out.push(appointment(found.id, { kind: "SupplierAssessment", sessionNumber: null }, found))
  }
  for (const session of referral.sessions) {
    const at = { kind: "Session", sessionNumber: session.sessionNumber } as const
    if (session.appointmentId !== undefined) {
      out.push(appointment(session.appointmentId, at, session, session.deliusAppointmentId ?? null))
    }
    for (const old of session.oldAppointments) {
      if (hasAttendance(old.appointmentFeedback)) out.push(appointment(old.id, at, old))
    }
  }
  // R&M's appointment ids are unique; a repeated one (a copied fixture) is reported once, as its first occurrence.
  return out.filter((appointment, index) => out.findIndex((a) => a.id === appointment.id) === index)
}

/** The names notes quote (client-contract.md §2.3, §3.4). */
export interface ReferralNames {
  readonly referralId: string
  readonly referenceNumber: string
  readonly contractTypeName: string
  readonly providerName: string
  /** R&M UI base URL (`REFER_AND_MONITOR_UI_URL`). */
  readonly ui: string
}

const practitioner = (names: ReferralNames) => `${names.ui}/probation-practitioner/referrals/${names.referralId}`
export const forReferral = (names: ReferralNames) =>
  `for ${names.contractTypeName} Referral ${names.referenceNumber} with Prime Provider ${names.providerName}`

/** The merge PUT's notes (client-contract.md §2.3). */
export const appointmentNotes = (names: ReferralNames, appointment: ReferAndMonitorAppointment) =>
  appointment.kind === "Session"
    ? `Service Delivery Appointment ${forReferral(names)}\n${practitioner(names)}/progress`
    : `Supplier Assessment Appointment ${forReferral(names)}\n${practitioner(names)}/supplier-assessment`

/** The feedback events' notes with their `referralProbationUserURL` (§5.6, client-contract.md §3.4 E4/E5). */
export const feedbackNotes = (names: ReferralNames, appointment: ReferAndMonitorAppointment, deliusId: number) =>
  `Session Feedback Recorded ${forReferral(names)}\n${
    appointment.kind === "Session"
      ? `${practitioner(names)}/session/${appointment.sessionNumber}/appointment/${deliusId}/post-session-feedback`
      : `${practitioner(names)}/supplier-assessment/post-assessment-feedback`
  }`

/** The referral-ended event's `referralProbationUserURL` (client-contract.md §3.4 E1). */
export const referralDetailsUrl = (names: ReferralNames) => `${practitioner(names)}/details`

/** The action-plan events' `actionPlanProbationUserUrl` (client-contract.md §3.4 E2/E3). */
export const actionPlanUrl = (names: ReferralNames) => `${practitioner(names)}/action-plan`
