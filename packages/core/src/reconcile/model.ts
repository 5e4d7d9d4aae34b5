/**
 * The reconciliation's vocabulary: a difference between R&M's and Delius's view of a referral, the workflow input that
 * repairs it, and what a comparison needs.
 */

import type { ActionPlanEvent } from "../action-plan/ActionPlan.js"
import type { FeedbackUpdate, MergeAppointment } from "../appointment/Appointment.js"
import type { ReferAndMonitorReferral } from "../refer-and-monitor/ReferralView.js"
import type { ReferralEnd } from "../referral/Referral.js"
import type { ReferralNames } from "./appointments.js"
import type { DeliusReferral } from "./DeliusView.js"

export type DifferenceKind =
  | "NsiMissing"
  | "AppointmentMissing"
  | "OutcomeMissing"
  | "OutcomeDifferent"
  | "ReferralEndBehind"
  | "ReferralEndedInDeliusOnly"
  | "ActionPlanNoteMissing"

/** The workflow input that puts a difference right: the same call the PUT or the event handler makes. */
export type Repair =
  | { readonly _tag: "MergeAppointment"; readonly crn: string; readonly request: MergeAppointment }
  | { readonly _tag: "RecordFeedback"; readonly update: FeedbackUpdate }
  | { readonly _tag: "EndReferral"; readonly end: ReferralEnd }
  | { readonly _tag: "RecordActionPlan"; readonly event: ActionPlanEvent }

export interface Difference {
  readonly kind: DifferenceKind
  /** What the difference is about: `NSI`, `appointment <urn>`, `action plan submitted`, … */
  readonly subject: string
  readonly referAndMonitor: string
  readonly delius: string
  /** The PUT or event (and core workflow) that writes this in Delius. */
  readonly workflow: string
  readonly fixable: boolean
  /** Why it cannot be put right automatically (when not fixable). */
  readonly reason?: string
  readonly repair?: Repair
}

export interface CompareInput {
  readonly crn: string
  readonly referralId: string
  readonly referAndMonitor: ReferAndMonitorReferral
  readonly delius: DeliusReferral
  /** R&M UI base URL for notes; undefined → nothing needing notes can be repaired. */
  readonly ui: string | undefined
  /** USER_ID this service writes as: a contact last changed by anyone else was edited by a Delius user. */
  readonly serviceUserId: number
  readonly withdrawalReasonEnabled: boolean
}

const UI_URL_MISSING = "REFER_AND_MONITOR_UI_URL is not set (the notes' links need it)"

export const workflows = {
  start: "PUT /probation-case/{crn}/referrals (Referral.start)",
  merge: "PUT /probation-case/{crn}/referrals/{referralId}/appointments (Appointment.merge)",
  sessionFeedback: "intervention.session-appointment.session-feedback-submitted (Appointment.recordFeedback)",
  assessmentFeedback:
    "intervention.initial-assessment-appointment.session-feedback-submitted (Appointment.recordFeedback)",
  ended: "intervention.referral.ended (Referral.end)",
  actionPlan: (type: string) => `intervention.action-plan.${type.toLowerCase()} (ActionPlan.record)`
} as const

export const namesOf = (input: CompareInput): ReferralNames | undefined =>
  input.ui === undefined
    ? undefined
    : {
        referralId: input.referralId,
        referenceNumber: input.referAndMonitor.sent.referenceNumber,
        contractTypeName: input.referAndMonitor.sent.referral.contractTypeName,
        providerName: input.referAndMonitor.sent.referral.serviceProvider.name,
        ui: input.ui
      }

/** A fixable difference, or — without the UI URL its notes need — the same difference, not fixable. */
export const withRepair = (difference: Omit<Difference, "fixable" | "repair">, repair: Repair | undefined) =>
  repair === undefined
    ? { ...difference, fixable: false, reason: UI_URL_MISSING }
    : { ...difference, fixable: true, repair }
