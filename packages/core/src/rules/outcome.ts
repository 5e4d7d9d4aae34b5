/**
 * Appointment outcome mapping (spec §7.4), attendance parsing (§2.1, §5.6) and the reschedule outcome (§4.2, §7.1
 * step 8).
 */

import { Either, Option } from "effect"

/** Attendance as R&M reports it. */
export type Attended = "YES" | "LATE" | "NO"
export type NoSessionReasonType = "LOGISTICS" | "POP_ACCEPTABLE" | "POP_UNACCEPTABLE"
/** Delius `R_CONTACT_OUTCOME_TYPE.CODE` values this service writes (§7.3). */
export type OutcomeCode = "ATTC" | "AFTC" | "AFTA" | "APPK" | "ATSS" | "RSSR" | "RSOF" | "APPW"

export const ATTENDED_VALUES: ReadonlyArray<Attended> = ["YES", "LATE", "NO"]
export const NO_SESSION_REASON_TYPES: ReadonlyArray<NoSessionReasonType> = [
  "LOGISTICS",
  "POP_ACCEPTABLE",
  "POP_UNACCEPTABLE"
]

/** The outcome as both the merge request (§4.2) and the feedback callbacks (§5.6) provide it. */
export interface AppointmentOutcome {
  readonly attended: Attended
  readonly didSessionHappen: boolean | null
  readonly noSessionReasonType: NoSessionReasonType | null
  readonly notify: boolean
}

/** §7.4: a missing `didSessionHappen` counts as "the session did not happen". */
export const sessionHappened = (outcome: AppointmentOutcome): boolean => outcome.didSessionHappen ?? false

/**
 * The Kotlin data-class `toString` of the reference's `Outcome`, used in the unmapped-scenario message
 * (`Outcome(attended=YES, didSessionHappen=null, noSessionReasonType=null, notify=false)`; null prints as `null`).
 */
export const formatOutcome = (outcome: AppointmentOutcome): string =>
  `Outcome(attended=${outcome.attended}, didSessionHappen=${String(outcome.didSessionHappen)}, ` +
  `noSessionReasonType=${String(outcome.noSessionReasonType)}, notify=${String(outcome.notify)})`

/**
 * §7.4 outcome table:
 *
 * | sessionHappened | attended | noSessionReasonType | notify | outcome |
 * |---|---|---|---|---|
 * | true  | any      | any              | true  | AFTC |
 * | true  | any      | any              | false | ATTC |
 * | false | NO       | any              | any   | AFTA |
 * | false | YES/LATE | POP_UNACCEPTABLE | any   | AFTC |
 * | false | YES/LATE | POP_ACCEPTABLE   | any   | APPK |
 * | false | YES/LATE | LOGISTICS        | any   | ATSS |
 * | false | YES/LATE | null             | any   | error |
 *
 * The Left is the error message. Decision Q5 reports it as a 400 with sentence-case wording (`Outcome scenario not
 * mapped: …`) instead of the reference's 500 `Outcome Scenario Not Mapped: …`; the `Outcome(…)` part is unchanged.
 */
export const outcomeCodeFor = (outcome: AppointmentOutcome): Either.Either<OutcomeCode, string> => {
  if (sessionHappened(outcome)) return Either.right(outcome.notify ? "AFTC" : "ATTC")
  if (outcome.attended === "NO") return Either.right("AFTA")
  switch (outcome.noSessionReasonType) {
    case "POP_UNACCEPTABLE":
      return Either.right("AFTC")
    case "POP_ACCEPTABLE":
      return Either.right("APPK")
    case "LOGISTICS":
      return Either.right("ATSS")
    case null:
      return Either.left(`Outcome scenario not mapped: ${formatOutcome(outcome)}`)
  }
}

/**
 * §2.1 / §5.6 / §16: `attended` is parsed case-insensitively — callback bodies send `yes|late|no`, the merge request
 * `YES|LATE|NO`. No trimming (the reference compares the whole lower-cased string). Anything else → none
 * (the caller fails the message / rejects the body).
 */
export const parseAttended = (text: string): Option.Option<Attended> => {
  switch (text.toLowerCase()) {
    case "yes":
      return Option.some("YES")
    case "late":
      return Option.some("LATE")
    case "no":
      return Option.some("NO")
    default:
      return Option.none()
  }
}

/**
 * §4.2 / §7.1 step 8 **[reconstructed]**: the outcome put on the original contact when an appointment is rescheduled.
 * `null`/absent or exactly `Service Provider` (case-sensitive) → RSSR (rescheduled at the service's request); any other
 * value — including the empty string — names someone else (the person on probation) → RSOF.
 */
export const rescheduleOutcome = (rescheduleRequestedBy: string | null | undefined): "RSSR" | "RSOF" =>
  rescheduleRequestedBy === null || rescheduleRequestedBy === undefined || rescheduleRequestedBy === "Service Provider"
    ? "RSSR"
    : "RSOF"
