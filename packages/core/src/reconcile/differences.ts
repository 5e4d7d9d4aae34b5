/**
 * Where Delius disagrees with R&M about a referral, as typed differences (pure: no effects). Each says what R&M says,
 * what Delius has and which workflow would have written it — the PUT or the event handler — and, when that workflow
 * can put it right, the exact input it takes (`repair`), derived from R&M's view as R&M's own call or event would
 * have carried it.
 */

import { Either, Option } from "effect"
import type { ActionPlanEvent } from "../action-plan/ActionPlan.js"
import { MergeAppointment } from "../appointment/Appointment.js"
import { appointmentUrn, type Instant, londonDate } from "../domain/index.js"
import { type AppointmentOutcome, outcomeCodeFor, parseAttended } from "../rules/index.js"
import {
  actionPlanUrl,
  appointmentNotes,
  appointmentsOf,
  feedbackNotes,
  type ReferAndMonitorAppointment,
  type ReferralNames
} from "./appointments.js"
import type { DeliusContact } from "./DeliusView.js"
import { endDifferences } from "./ending.js"
import { type CompareInput, type Difference, namesOf, type Repair, withRepair, workflows } from "./model.js"

/** Every difference between the two views; empty when they agree. */
export const compareReferral = (input: CompareInput): ReadonlyArray<Difference> => {
  const nsi = input.delius.nsi
  if (nsi === undefined || nsi.softDeleted) {
    return [
      {
        kind: "NsiMissing",
        subject: "NSI",
        referAndMonitor: `referral ${input.referAndMonitor.sent.referenceNumber} sent`,
        delius:
          nsi === undefined ? `no NSI with EXTERNAL_REFERENCE ${input.delius.urn}` : `NSI ${nsi.nsiId} soft deleted`,
        workflow: workflows.start,
        fixable: false,
        reason:
          nsi === undefined
            ? "R&M's API does not return the contract type code the referral PUT needs: ask R&M to re-send the referral"
            : "a Delius user deleted the NSI: restore it in Delius first"
      }
    ]
  }
  return [
    ...(input.referAndMonitor.sessions.length === 0 && input.referAndMonitor.supplierAssessment === null
      ? []
      : appointmentsOf(input.referAndMonitor).flatMap((appointment) => appointmentDifferences(input, appointment))),
    ...actionPlanDifferences(input),
    ...endDifferences(input, nsi)
  ]
}

/** The contact R&M's appointment is: by URN first, then by the Delius id R&M holds (§7.5 step 1). */
const matchContact = (contacts: ReadonlyArray<DeliusContact>, appointment: ReferAndMonitorAppointment) => {
  const appointments = contacts.filter((c) => c.type === "CRSAPT" || c.type === "CRSSAA")
  const urn = appointmentUrn(appointment.id)
  return (
    appointments.find((c) => c.externalReference === urn) ??
    (appointment.deliusId === null ? undefined : appointments.find((c) => c.contactId === appointment.deliusId))
  )
}

const outcomeOf = (appointment: ReferAndMonitorAppointment): AppointmentOutcome | undefined => {
  const attended = parseAttended(appointment.feedback.attendanceFeedback.attended ?? "")
  if (Option.isNone(attended)) return undefined
  return {
    attended: attended.value,
    didSessionHappen: appointment.feedback.attendanceFeedback.didSessionHappen ?? null,
    noSessionReasonType: appointment.feedback.sessionFeedback.noSessionReasonType ?? null,
    notify: appointment.feedback.sessionFeedback.notify
  }
}

const describeAppointment = (appointment: ReferAndMonitorAppointment) =>
  `${appointment.kind === "Session" ? `session ${appointment.sessionNumber}` : "supplier assessment"} appointment${
    appointment.time === undefined ? "" : ` at ${new Date(appointment.time.epochMillis).toISOString()}`
  }`

const appointmentDifferences = (
  input: CompareInput,
  appointment: ReferAndMonitorAppointment
): ReadonlyArray<Difference> => {
  const subject = `appointment ${appointmentUrn(appointment.id)}`
  const outcome = outcomeOf(appointment)
  const expected = outcome === undefined ? undefined : outcomeCodeFor(outcome)
  const contact = matchContact(input.delius.contacts, appointment)
  const says = `${describeAppointment(appointment)}${expected === undefined ? "" : `, outcome ${Either.getOrElse(expected, () => "unmapped")}`}`
  if (contact === undefined) return missingAppointment(input, appointment, subject, says, outcome)
  if (expected === undefined || outcome === undefined) return []
  if (Either.isLeft(expected)) {
    const reason = expected.left
    return [
      {
        kind: "OutcomeDifferent",
        subject,
        referAndMonitor: says,
        delius: `contact ${contact.contactId} outcome ${contact.outcome ?? "none"}`,
        workflow: workflows.sessionFeedback,
        fixable: false,
        reason
      }
    ]
  }
  if (contact.outcome === expected.right) return []
  const workflow = appointment.kind === "Session" ? workflows.sessionFeedback : workflows.assessmentFeedback
  const delius = `contact ${contact.contactId} outcome ${contact.outcome ?? "none"}`
  const editedByUser = contact.outcome !== null && contact.lastUpdatedUserId !== input.serviceUserId
  if (editedByUser) {
    return [
      {
        kind: "OutcomeDifferent",
        subject,
        referAndMonitor: says,
        delius,
        workflow,
        fixable: false,
        reason: `edited in Delius by ${contact.lastUpdatedBy ?? `user ${contact.lastUpdatedUserId}`} after the fact; not overwritten`
      }
    ]
  }
  const names = namesOf(input)
  const repair: Repair | undefined =
    names === undefined
      ? undefined
      : {
          _tag: "RecordFeedback",
          update: {
            crn: input.crn,
            appointmentId: appointment.id,
            deliusId: contact.contactId,
            referralId: input.referralId,
            referralReference: names.referenceNumber,
            outcome,
            notes: feedbackNotes(names, appointment, appointment.deliusId ?? contact.contactId)
          }
        }
  const kind = contact.outcome === null ? "OutcomeMissing" : "OutcomeDifferent"
  return [withRepair({ kind, subject, referAndMonitor: says, delius, workflow }, repair)]
}

const missingAppointment = (
  input: CompareInput,
  appointment: ReferAndMonitorAppointment,
  subject: string,
  says: string,
  outcome: AppointmentOutcome | undefined
): ReadonlyArray<Difference> => {
  const ended = (input.referAndMonitor.sent.concludedAt ?? input.referAndMonitor.sent.endRequestedAt) !== undefined
  // An ended referral's appointments without attendance were withdrawn (§6.5): nothing for Delius to hold.
  if (ended && outcome === undefined) return []
  const base = {
    kind: "AppointmentMissing" as const,
    subject,
    referAndMonitor: says,
    delius: "no contact",
    workflow: workflows.merge
  }
  if (appointment.time === undefined) return [{ ...base, fixable: false, reason: "R&M holds no time for it" }]
  const mapped = outcome === undefined ? undefined : outcomeCodeFor(outcome)
  if (mapped !== undefined && Either.isLeft(mapped)) return [{ ...base, fixable: false, reason: mapped.left }]
  const names = namesOf(input)
  const repair: Repair | undefined =
    names === undefined
      ? undefined
      : {
          _tag: "MergeAppointment",
          crn: input.crn,
          request: mergeRequest(input, names, appointment, appointment.time, outcome)
        }
  return [withRepair(base, repair)]
}

/** The merge PUT R&M would have sent (client-contract.md §2.3); a past appointment carries its outcome. */
const mergeRequest = (
  input: CompareInput,
  names: ReferralNames,
  appointment: ReferAndMonitorAppointment,
  start: Instant,
  outcome: AppointmentOutcome | undefined
) =>
  MergeAppointment.make({
    id: appointment.id,
    referralId: input.referralId,
    referralReference: names.referenceNumber,
    start,
    durationInMinutes: appointment.durationInMinutes,
    notes: appointmentNotes(names, appointment),
    officeLocationCode: appointment.officeLocationCode,
    countsTowardsRar: appointment.kind === "Session",
    outcome:
      outcome === undefined
        ? null
        : {
            attended: outcome.attended,
            didSessionHappen: outcome.didSessionHappen,
            noSessionReasonType: outcome.noSessionReasonType,
            notify: outcome.notify
          },
    sentenceId: input.referAndMonitor.sent.relevantSentenceId,
    previousId: null,
    deliusId: null,
    rescheduleRequestedBy: null
  })

/** §5.5: one CRSNOTE per NSI, day and type; the events' `occurredAt` is the plan's submittedAt / approvedAt. */
const actionPlanDifferences = (input: CompareInput): ReadonlyArray<Difference> => {
  const plan = input.referAndMonitor.actionPlan
  if (plan === null) return []
  const names = namesOf(input)
  const checks: Array<readonly ["Submitted" | "Approved", Instant | undefined]> = [
    ["Submitted", plan.submittedAt],
    ["Approved", plan.approvedAt]
  ]
  return checks.flatMap(([type, at]): ReadonlyArray<Difference> => {
    if (at === undefined) return []
    const day = londonDate(at.epochMillis)
    const marker = `Action Plan ${type}`
    const present = input.delius.contacts.some(
      (c) => c.type === "CRSNOTE" && c.date === day && (c.notes ?? "").includes(marker)
    )
    if (present) return []
    const event: ActionPlanEvent | undefined =
      names === undefined
        ? undefined
        : {
            type,
            crn: input.crn,
            occurredAt: at,
            referralId: input.referralId,
            referralReference: names.referenceNumber,
            contractTypeName: names.contractTypeName,
            primeProviderName: names.providerName,
            actionPlanProbationUserUrl: actionPlanUrl(names)
          }
    return [
      withRepair(
        {
          kind: "ActionPlanNoteMissing",
          subject: `action plan ${type.toLowerCase()}`,
          referAndMonitor: `action plan ${plan.id} ${type.toLowerCase()} ${new Date(at.epochMillis).toISOString()}`,
          delius: `no CRSNOTE "${marker}" on ${day}`,
          workflow: workflows.actionPlan(type)
        },
        event === undefined ? undefined : { _tag: "RecordActionPlan", event }
      )
    ]
  })
}
