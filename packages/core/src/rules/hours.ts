/**
 * Hours credited on an appointment (spec §7.4 "Applying an outcome" step 1; dev-dataset §1.3).
 *
 * The reference computes `BigDecimal(duration.toMinutes()).divide(60, 2, HALF_UP)`: the positive-duration check is on
 * the exact duration, then the duration is truncated to whole minutes. So a 30-second ATTC appointment gets 0 hours
 * (not null). Everything is integer arithmetic here so that no binary-float rounding can creep in.
 */

const MILLIS_PER_MINUTE = 60_000

/**
 * Hours credited for an outcome: only for `ATTC` (case-sensitive) with `end − start > 0`; otherwise null.
 * Value = whole minutes / 60, rounded HALF_UP to 2 decimal places (45 min → 0.75, 20 → 0.33, 50 → 0.83, 1 → 0.02).
 */
export const hoursCredited = (outcomeCode: string, startMillis: number, endMillis: number | null): number | null => {
  if (outcomeCode !== "ATTC" || endMillis === null) return null
  if (!Number.isFinite(startMillis) || !Number.isFinite(endMillis)) return null
  const durationMillis = endMillis - startMillis
  if (durationMillis <= 0) return null
  // Duration.toMinutes() truncates; the duration is positive here so floor = truncate.
  const minutes = Math.floor(durationMillis / MILLIS_PER_MINUTE)
  // hundredths of an hour = minutes * 100 / 60 = minutes * 5 / 3, rounded half up.
  const numerator = minutes * 5
  const quotient = Math.floor(numerator / 3)
  const remainder = numerator - quotient * 3
  const hundredths = remainder * 2 >= 3 ? quotient + 1 : quotient
  // An exact integer divided by 100 is the double nearest to the decimal value, as BigDecimal.toDouble() gives.
  return hundredths / 100
}
