/**
 * Reschedule detection (spec §7.1 step 8, §14 "Date-time changed?").
 *
 * The reference truncates both instants to the second and compares them; a null on exactly one side counts as a
 * change. Values are epoch milliseconds here; flooring to the second is the same truncation (the sub-second part of a
 * date-time is never negative, even before 1970).
 */

/** §14: (null, t) → true; (t, null) → true; (null, null) → false; same second → false; otherwise true. */
export const dateTimeChanged = (a: number | null, b: number | null): boolean => {
  if (a === null || b === null) return a !== b
  return Math.floor(a / 1000) !== Math.floor(b / 1000)
}

/** §7.1 step 8: the appointment is rescheduled (a replacement contact is needed) when its start or end changed. */
export const isRescheduled = (times: {
  readonly storedStart: number | null
  readonly storedEnd: number | null
  readonly newStart: number | null
  readonly newEnd: number | null
}): boolean => dateTimeChanged(times.newStart, times.storedStart) || dateTimeChanged(times.newEnd, times.storedEnd)
