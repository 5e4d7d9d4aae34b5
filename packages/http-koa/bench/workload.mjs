// The two requests the bench drives (spec §4.1 referral start, §4.2 appointment merge) on the dev dataset
// (docs/spec/dev-dataset.md): N049975's NO_APPOINTMENTS referral and S123456's EVENT_WITHOUT_NSI sentence.
import { randomUUID } from "node:crypto"

export const HOST_ROLE = "ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"
export const N049975_REFERRAL = "09c62549-bcd3-49a9-8120-7811b76925e5" // DevReferrals.noAppointments
export const EVENT_WITHOUT_NSI = 2 // DevIds.event.withoutNsi (person S123456)
export const MERGE_PATH = `/probation-case/N049975/referrals/${N049975_REFERRAL}/appointments`
export const REFERRAL_PATH = "/probation-case/S123456/referrals"

// Distinct, non-overlapping future slots: 20 a day, 40 minutes apart from 06:00 UTC, from tomorrow on — clear of the
// hour the clocks go back, when two UTC times share one London wall-clock time and would clash.
const today = new Date()
today.setUTCHours(6, 0, 0, 0)
export const slotStart = (slot) =>
  new Date(today.getTime() + (1 + Math.floor(slot / 20)) * 86_400_000 + (slot % 20) * 40 * 60_000)

export const mergeBody = (slot, crn = "N049975", referralId = N049975_REFERRAL) => ({
  id: randomUUID(),
  referralId,
  referralReference: "FE4536AC",
  serviceUserCrn: crn,
  sentenceId: null,
  start: slotStart(slot).toISOString(),
  durationInMinutes: 30,
  notes: "Service Delivery Appointment for Accommodation Referral FE4536AC with Prime Provider Harmony Living",
  officeLocationCode: "CRSEXTL",
  countsTowardsRar: true,
  outcome: null,
  previousId: null,
  deliusId: null,
  rescheduleRequestedBy: null
})

export const referralBody = (sentenceId = EVENT_WITHOUT_NSI) => ({
  contractType: "ACC",
  startedAt: new Date().toISOString(),
  sentenceId,
  referralId: randomUUID(),
  notes: "Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living"
})
