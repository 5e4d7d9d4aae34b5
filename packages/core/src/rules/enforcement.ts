/**
 * Non-compliance / enforcement decisions (spec §7.6), applied when an outcome's compliant flag is 'N' (AFTC, AFTA).
 * Dates are `YYYY-MM-DD`; a value carrying a time part is compared on its date part only.
 */

import { plusDays } from "../domain/index.js"

const dateOnly = (value: string): string => value.slice(0, 10)

/**
 * §7.6 step 4: the failure-to-comply reset date = the later of `EVENT.BREACH_END` and `DISPOSAL.DISPOSAL_DATE`
 * (`listOfNotNull(breachEnd, disposalDate).maxOrNull()`); null when both are null.
 */
export const ftcResetDate = (breachEnd: string | null, disposalDate: string | null): string | null => {
  const dates = [breachEnd, disposalDate].filter((d): d is string => d !== null).map(dateOnly)
  if (dates.length === 0) return null
  return dates.reduce((a, b) => (b > a ? b : a))
}

/** A contact of the event (any type), as needed for the failure-to-comply count. */
export interface FtcContact {
  readonly contactDate: string
  /** `CONTACT.COMPLIED`: 'Y' | 'N' | null */
  readonly complied: string | null
  /** `R_CONTACT_TYPE.NATIONAL_STANDARDS_CONTACT` of the contact's type: 'Y' | 'N' */
  readonly nationalStandardsContact: string
  readonly softDeleted: number
}

/**
 * §7.6 step 4: `EVENT.FTC_COUNT` = number of **distinct contact dates** among the event's non-soft-deleted contacts
 * with `COMPLIED`='N' and a national-standards contact type, on or after the reset date when there is one. Several
 * failures on the same day count once. The caller includes the current appointment with its new compliance.
 */
export const failureToComplyCount = (contacts: ReadonlyArray<FtcContact>, resetDate: string | null): number => {
  const reset = resetDate === null ? null : dateOnly(resetDate)
  const dates = new Set<string>()
  for (const c of contacts) {
    const date = dateOnly(c.contactDate)
    if (c.softDeleted !== 0 || c.complied !== "N" || c.nationalStandardsContact !== "Y") continue
    if (reset !== null && date < reset) continue
    dates.add(date)
  }
  return dates.size
}

/** An `ARWS` (Review Enforcement Status) contact of the event. */
export interface ReviewContact {
  readonly contactDate: string
  readonly outcomeId: number | null
  /**
   * Optional: the reference reads contacts through an entity restricted to `soft_deleted = 0`, so a soft-deleted
   * review never counts. Callers that already filter may leave it out.
   */
  readonly softDeleted?: number
}

/**
 * §7.6 step 5: an enforcement review is outstanding when some ARWS contact of the event has no outcome and — when
 * `BREACH_END` is not null — a contact date on or after it.
 */
export const hasOutstandingReview = (reviews: ReadonlyArray<ReviewContact>, breachEnd: string | null): boolean => {
  const breach = breachEnd === null ? null : dateOnly(breachEnd)
  return reviews.some(
    (r) => (r.softDeleted ?? 0) === 0 && r.outcomeId === null && (breach === null || dateOnly(r.contactDate) >= breach)
  )
}

/**
 * §7.6 step 5: insert an ARWS review contact when the disposal type is over its limit
 * (`SENTENCE_TYPE` not null, `FTC_LIMIT` not null and count > limit) and no review is outstanding.
 */
export const reviewRequired = (input: {
  readonly sentenceType: string | null
  readonly ftcLimit: number | null
  readonly ftcCount: number
  readonly outstandingReview: boolean
}): boolean =>
  input.sentenceType !== null && input.ftcLimit !== null && input.ftcCount > input.ftcLimit && !input.outstandingReview

/**
 * §7.6 step 2: the text of the enforcement action contact's notes, before it is appended with `appendNotes` (§2.5):
 * `{appointment notes}\n{now as LocalDateTime.toString()}\nEnforcement Action: {action description}`. Null appointment
 * notes print as the literal `null`, as Kotlin string interpolation does.
 */
export const enforcementNotes = (
  appointmentNotes: string | null,
  nowLocalIso: string,
  actionDescription: string
): string => `${appointmentNotes ?? "null"}\n${nowLocalIso}\nEnforcement Action: ${actionDescription}`

/**
 * §7.6 step 2: `ENFORCEMENT.RESPONSE_DATE` = now + `RESPONSE_BY_PERIOD` days, null when the period is null.
 * `nowDate` is a London date `YYYY-MM-DD` or wall-clock date-time; calendar days are added to the date part and any
 * time part is kept (as `ZonedDateTime.plusDays` does).
 */
export const responseDate = (nowDate: string, responseByPeriod: number | null): string | null => {
  if (responseByPeriod === null) return null
  return `${plusDays(dateOnly(nowDate), responseByPeriod)}${nowDate.slice(10)}`
}
