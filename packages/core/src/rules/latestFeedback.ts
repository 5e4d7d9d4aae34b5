/**
 * Which appointment's feedback a "session feedback submitted" event is about (spec §5.6, "Selecting the feedback").
 * R&M publishes the event before it commits (client-contract.md §3.1), so finding nothing is a Failure that SQS
 * retries, not a rejection (§16): the caller turns the `Left` message into an `InvalidState` with exception name
 * `IllegalStateException`.
 */

import { Either } from "effect"
import type {
  Appointment,
  AppointmentFeedback,
  ReferralSession,
  SupplierAssessment
} from "../refer-and-monitor/schemas.js"
import type { Instant } from "../domain/index.js"

export interface SelectedFeedback {
  /** UUID of the R&M appointment the feedback belongs to → contact URN `urn:hmpps:interventions-appointment:{id}`. */
  readonly appointmentId: string
  readonly feedback: AppointmentFeedback
}

const hasAttendance = (feedback: AppointmentFeedback): boolean => feedback.attendanceFeedback.attended !== null

/** Orders instants to sub-millisecond precision; a missing `submittedAt` sorts before every present one. */
const compareSubmittedAt = (a: Instant | undefined, b: Instant | undefined): number => {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1
  if (a.epochMillis !== b.epochMillis) return a.epochMillis - b.epochMillis
  const subA = a.subMillis.padEnd(6, "0")
  const subB = b.subMillis.padEnd(6, "0")
  return subA < subB ? -1 : subA > subB ? 1 : 0
}

/**
 * The appointment with non-null `attended` and the greatest `attendanceFeedback.submittedAt`. On a tie the first in
 * R&M's order wins (Kotlin `maxBy` keeps the first maximum).
 */
const latestAttended = (appointments: ReadonlyArray<Appointment>): SelectedFeedback | undefined => {
  let latest: Appointment | undefined
  for (const appointment of appointments) {
    if (!hasAttendance(appointment.appointmentFeedback)) continue
    if (
      latest === undefined ||
      compareSubmittedAt(
        appointment.appointmentFeedback.attendanceFeedback.submittedAt,
        latest.appointmentFeedback.attendanceFeedback.submittedAt
      ) > 0
    ) {
      latest = appointment
    }
  }
  return latest === undefined ? undefined : { appointmentId: latest.id, feedback: latest.appointmentFeedback }
}

/**
 * Session callback: the current appointment's feedback when its `attended` is non-null (id = session `appointmentId`),
 * otherwise the latest attended entry of `oldAppointments`. `referralId` comes from the event (the session body does not
 * carry it). The message keeps the reference's space before the colon.
 *
 * R&M writes `appointmentId: null` only for a session with no current appointment, whose feedback is empty; should a
 * null id ever come with feedback, the current appointment cannot be addressed (no URN), so the old appointments are
 * searched instead of failing on a null id (decision Q8: no path depends on a null).
 */
export const latestSessionFeedback = (
  session: ReferralSession,
  referralId: string
): Either.Either<SelectedFeedback, string> => {
  if (hasAttendance(session.appointmentFeedback) && session.appointmentId !== null) {
    return Either.right({ appointmentId: session.appointmentId, feedback: session.appointmentFeedback })
  }
  const old = latestAttended(session.oldAppointments)
  return old === undefined
    ? Either.left(`No feedback information available for referral ${referralId} : session ${session.id}`)
    : Either.right(old)
}

/** Initial-assessment callback: the latest attended entry of `appointments`. */
export const latestAssessmentFeedback = (assessment: SupplierAssessment): Either.Either<SelectedFeedback, string> => {
  const latest = latestAttended(assessment.appointments)
  return latest === undefined
    ? Either.left(
        `No feedback information available for referral ${assessment.referralId}: supplier assessment ${assessment.id}`
      )
    : Either.right(latest)
}
