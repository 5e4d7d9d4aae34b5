/**
 * Appointment clash / availability check (spec §7.2), applied to candidate contacts that the database has already
 * narrowed down: same offender, attendance-contact type (`ATTENDANCE_CONTACT`='Y'), `CONTACT_DATE` = the new start's
 * London date, `SOFT_DELETED` = 0 and no outcome.
 *
 * The reference compares times as strings: `to_char(CONTACT_START_TIME,'HH24:MI') < :endTime` and
 * `to_char(CONTACT_END_TIME,'HH24:MI') > :startTime`, where the bind values are the new times formatted with Java's
 * `ISO_LOCAL_TIME` (`HH:mm:ss`, then `.fraction` with trailing zeros stripped, only when the fraction is non-zero).
 * Because a 5-character `HH:MI` is a proper prefix of an `HH:mm:ss…` with the same hour and minute, and the shorter
 * string sorts first, an existing appointment that starts exactly when the new one ends **does** clash, while one
 * that ends exactly when the new one starts does **not**. Existing times are also cut to the minute. This is the
 * reference's behaviour and R&M relies on the 409 it produces, so it is reproduced, not fixed.
 */

import { isCanonicalStoredTimestamp } from "../domain/time.js"

/** A contact already filtered by the SQL conditions above. Times are stored London wall-clock text. */
export interface ClashCandidate {
  readonly externalReference: string | null
  readonly startTime: string | null
  readonly endTime: string | null
}

export interface ClashCheck {
  readonly candidates: ReadonlyArray<ClashCandidate>
  /** URN of the appointment being merged (`urn:hmpps:interventions-appointment:{id}`). */
  readonly urn: string
  /** URN of the appointment being rescheduled (`previousId`), or null. */
  readonly previousUrn: string | null
  /** New start, London wall-clock `YYYY-MM-DD[T ]HH:MM[:SS[.f…]]`. */
  readonly newStart: string
  /** New end, London wall-clock, same form. */
  readonly newEnd: string
}

// Stored timestamps come back from the drivers as `YYYY-MM-DD HH:MM:SS[.ffffff]` or with `T`; a bare date is midnight.
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?$/

const parseWallClock = (text: string) => {
  const m = WALL_CLOCK.exec(text.trim())
  if (!m) throw new Error(`Not a London wall-clock date-time: ${text}`)
  const [, , , , hh, mi, ss, fraction] = m
  return { hh: hh ?? "00", mi: mi ?? "00", ss: ss ?? "00", fraction: fraction ?? "" }
}

/**
 * Oracle `to_char(ts, 'HH24:MI')` of a stored London wall-clock value, e.g. `2024-01-01 09:05:59.9` → `09:05`. The row
 * decoder gives every stored timestamp in the canonical form, whose hour and minute are at fixed positions: read there,
 * as the pattern would read them, without its match (a clash check reads two for every contact of the day).
 */
export const hhmi = (stored: string): string => {
  if (isCanonicalStoredTimestamp(stored)) return stored.slice(11, 16)
  const t = parseWallClock(stored)
  return `${t.hh}:${t.mi}`
}

/**
 * Java `ISO_LOCAL_TIME` formatting of a London wall-clock value: always `HH:mm:ss`, plus `.` and the fraction with
 * trailing zeros removed when it is non-zero (`10:00:00.500000` → `10:00:00.5`, `10:00:00.000` → `10:00:00`).
 */
export const localTimeText = (stored: string): string => {
  const t = parseWallClock(stored)
  const fraction = t.fraction.replace(/0+$/, "")
  return `${t.hh}:${t.mi}:${t.ss}${fraction === "" ? "" : `.${fraction}`}`
}

/**
 * The external-reference condition with SQL three-valued logic:
 * `(ref IS NULL OR ref <> urn) AND (:previousUrn IS NULL OR ref <> :previousUrn)`.
 * `NULL <> x` is unknown, so once a previousUrn is supplied a contact with a null reference is excluded.
 */
const referenceQualifies = (ref: string | null, urn: string, previousUrn: string | null): boolean =>
  (ref === null || ref !== urn) && (previousUrn === null || (ref !== null && ref !== previousUrn))

/** §7.2: true when at least one candidate clashes with the new appointment. A null start or end never clashes. */
export const hasClash = (check: ClashCheck): boolean => {
  const newStartText = localTimeText(check.newStart)
  const newEndText = localTimeText(check.newEnd)
  return check.candidates.some(
    (c) =>
      referenceQualifies(c.externalReference, check.urn, check.previousUrn) &&
      c.startTime !== null &&
      c.endTime !== null &&
      // Plain code-unit comparison = Oracle binary comparison of these ASCII strings (shorter prefix sorts first).
      hhmi(c.startTime) < newEndText &&
      hhmi(c.endTime) > newStartText
  )
}
