/**
 * An ended referral against its NSI (spec §5.4, §6.5). R&M's API returns no delivery state: it is derived as the
 * event's producer derives it (hmpps-interventions-service `ReferralConcluder`, client-contract.md §3.4 E1) — no
 * approved action plan, or no session attended → CANCELLED; every planned session with attendance recorded →
 * COMPLETED; otherwise PREMATURELY_ENDED.
 */

import { londonDate, referralUrn } from "../domain/index.js"
import type { AppointmentFeedback } from "../refer-and-monitor/schemas.js"
import type { ReferAndMonitorReferral } from "../refer-and-monitor/ReferralView.js"
import type { ReferralEnd } from "../referral/Referral.js"
import { type ReferralEndType, terminationOutcomeCode, withdrawalOutcome } from "../rules/index.js"
import { forReferral, referralDetailsUrl } from "./appointments.js"
import type { DeliusNsi } from "./DeliusView.js"
import { type CompareInput, type Difference, namesOf, withRepair, workflows } from "./model.js"

const attended = (feedback: AppointmentFeedback) => feedback.attendanceFeedback.attended?.toLowerCase()

export const deliveryStateOf = (referral: ReferAndMonitorReferral): ReferralEndType => {
  const plan = referral.actionPlan
  if (plan === null || plan.approvedAt === undefined) return "CANCELLED"
  const feedbacks = referral.sessions.map((s) => [
    s.appointmentFeedback,
    ...s.oldAppointments.map((a) => a.appointmentFeedback)
  ])
  const delivered = feedbacks.some((fs) => fs.some((f) => attended(f) === "yes" || attended(f) === "late"))
  if (!delivered) return "CANCELLED"
  const withAttendance = feedbacks.filter((fs) => fs.some((f) => attended(f) !== undefined)).length
  return withAttendance === plan.numberOfSessions ? "COMPLETED" : "PREMATURELY_ENDED"
}

const describeNsi = (nsi: DeliusNsi) =>
  `NSI ${nsi.nsiId} status ${nsi.status}, outcome ${nsi.outcome ?? "none"}, end date ${nsi.actualEndDate ?? "none"}`

export const endDifferences = (input: CompareInput, nsi: DeliusNsi): ReadonlyArray<Difference> => {
  const sent = input.referAndMonitor.sent
  const endDate = sent.concludedAt ?? sent.endRequestedAt
  if (endDate === undefined) {
    if (nsi.status !== "COMP") return []
    return [
      {
        kind: "ReferralEndedInDeliusOnly",
        subject: "NSI",
        referAndMonitor: "referral not ended",
        delius: describeNsi(nsi),
        workflow: workflows.ended,
        fixable: false,
        reason: "no workflow reopens an NSI: check with R&M whether the referral should have ended"
      }
    ]
  }
  const endType = deliveryStateOf(input.referAndMonitor)
  const ended = `referral ended ${new Date(endDate.epochMillis).toISOString()} (${endType}`
  const base = {
    kind: "ReferralEndBehind" as const,
    subject: "NSI",
    delius: describeNsi(nsi),
    workflow: workflows.ended
  }
  if (sent.withdrawalCode !== undefined && sent.withdrawalState === undefined) {
    return [
      {
        ...base,
        referAndMonitor: `${ended})`,
        fixable: false,
        reason: "R&M gives a withdrawal code without a withdrawal state"
      }
    ]
  }
  const withdrawal =
    sent.withdrawalCode === undefined || sent.withdrawalState === undefined
      ? undefined
      : withdrawalOutcome(sent.withdrawalCode, sent.withdrawalState)
  const outcomeCode = terminationOutcomeCode({
    endType,
    withdrawalOutcome: withdrawal,
    withdrawalReasonEnabled: input.withdrawalReasonEnabled
  })
  const report = sent.endOfServiceReport?.submittedAt
  const reportDay = report === undefined ? undefined : londonDate(report.epochMillis)
  const reportNoted =
    reportDay === undefined ||
    input.delius.contacts.some(
      (c) => c.type === "CRSNOTE" && c.date === reportDay && (c.notes ?? "").includes("End of Service Report Submitted")
    )
  const inSync =
    nsi.status === "COMP" &&
    nsi.outcome === outcomeCode &&
    nsi.actualEndDate === londonDate(endDate.epochMillis) &&
    reportNoted
  if (inSync) return []
  const says = `${ended}, outcome ${outcomeCode}${reportDay === undefined ? "" : `, end of service report ${reportDay}`})`
  const names = namesOf(input)
  const end: ReferralEnd | undefined =
    names === undefined
      ? undefined
      : {
          crn: input.crn,
          referralUrn: referralUrn(input.referralId),
          endDate,
          endType,
          outcomeCode,
          withdrawalOutcome: withdrawal,
          notes: `Referral Ended ${forReferral(names)}\n${referralDetailsUrl(names)}`,
          notificationDateTime: report,
          notificationNotes: `End of Service Report Submitted ${forReferral(names)}\n${referralDetailsUrl(names)}`,
          relevantSentenceId: sent.relevantSentenceId,
          sentAt: sent.sentAt
        }
  const delius = `${describeNsi(nsi)}${reportNoted ? "" : ", no end-of-service-report note"}`
  return [
    withRepair({ ...base, delius, referAndMonitor: says }, end === undefined ? undefined : { _tag: "EndReferral", end })
  ]
}
