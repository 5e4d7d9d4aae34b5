/**
 * Date and time conventions (spec §2.2). Incoming date-times carry 0–9 fraction digits and `Z`, `±hh:mm` or no offset
 * (no offset = Europe/London local time), optionally followed by `[Zone]`. Delius stores Europe/London wall-clock
 * values, so every value written to the database is a London wall-clock `LocalDateTime` string
 * (`YYYY-MM-DD HH:MM:SS.ffffff`) or a London `LocalDate` (`YYYY-MM-DD`).
 *
 * Instants are held as epoch milliseconds plus the sub-millisecond digits, so that nothing is lost for the second
 * precision comparisons of §7.1 and the millisecond precision of telemetry.
 */

import { Option, ParseResult, Schema } from "effect"

export const LONDON = "Europe/London"

/** Accepted years for incoming date-times. */
export const MIN_YEAR = 1900
export const MAX_YEAR = 2199

/** An instant parsed from an ISO-8601 date-time, with its original text. */
export interface Instant {
  readonly epochMillis: number
  /** fraction digits beyond milliseconds (0–6 digits), kept for display only */
  readonly subMillis: string
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?(?:\[[^\]]+\])?$/

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

const londonFormatter = new Intl.DateTimeFormat("en-GB", {
  timeZone: LONDON,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23"
})

interface WallClock {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
}

const formatParts = (epochMillis: number): WallClock => {
  const parts = londonFormatter.formatToParts(new Date(epochMillis))
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value)
  return {
    year: part("year"),
    month: part("month"),
    day: part("day"),
    hour: part("hour"),
    minute: part("minute"),
    second: part("second")
  }
}

/**
 * London's offset from UTC changes only on a whole UTC hour (the UK switches at 01:00 UTC), and on two days a year.
 * It is worked out with Intl (slow: about 20 µs a call) once per UTC day — the offsets at the day's first and last
 * hour agree on every other day — and once per hour on a day with a change; wall-clock parts are then plain
 * arithmetic. Appointments spread over many hours of the same days hit the day cache.
 */
const HOUR = 3_600_000
const DAY = 24 * HOUR
const intlOffset = (at: number): number => {
  const w = formatParts(at)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - at
}
/** A day's offset, or NaN for a day on which it changes. */
const offsetByDay = new Map<number, number>()
const offsetByHour = new Map<number, number>()
const londonOffsetMillis = (epochMillis: number): number => {
  const day = Math.floor(epochMillis / DAY)
  let daily = offsetByDay.get(day)
  if (daily === undefined) {
    const first = intlOffset(day * DAY)
    daily = first === intlOffset(day * DAY + 23 * HOUR) ? first : Number.NaN
    if (offsetByDay.size > 10_000) offsetByDay.clear()
    offsetByDay.set(day, daily)
  }
  if (!Number.isNaN(daily)) return daily
  const hour = Math.floor(epochMillis / HOUR)
  let offset = offsetByHour.get(hour)
  if (offset === undefined) {
    offset = intlOffset(hour * HOUR)
    if (offsetByHour.size > 10_000) offsetByHour.clear()
    offsetByHour.set(hour, offset)
  }
  return offset
}

const londonParts = (epochMillis: number): WallClock => {
  const d = new Date(epochMillis + londonOffsetMillis(epochMillis))
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds()
  }
}

/** The instant of a London wall-clock time (for a time in the autumn overlap, the first occurrence). */
const fromLondonWallClock = (w: WallClock, millis: number): number => {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, millis)
  // Two passes settle the offset either side of a DST change.
  let guess = naive - londonOffsetMillis(naive)
  guess = naive - londonOffsetMillis(guess)
  return guess
}

// `YYYY-MM-DD HH:MM:SS.ffffff`, the form stored timestamps are decoded to: which character each position holds ("d"
// a digit).
const CANONICAL_STORED = "dddd-dd-dd dd:dd:dd.dddddd"

/** `text` has the canonical stored form (the row decoder's `StoredTimestamp`), so its fields are at fixed positions. */
export const isCanonicalStoredTimestamp = (text: string): boolean => {
  if (text.length !== CANONICAL_STORED.length) return false
  for (let i = 0; i < CANONICAL_STORED.length; i++) {
    const code = text.charCodeAt(i)
    const expected = CANONICAL_STORED.charCodeAt(i)
    if (expected === 100 /* d */ ? !isDigit(code) : code !== expected) return false
  }
  return true
}

/** Parse an ISO-8601 date-time as R&M sends it; none when it is not one. */
export const parseInstant = (text: string): Option.Option<Instant> => Option.fromNullable(instantOf(text))

/**
 * The common form (`YYYY-MM-DDTHH:MM:SS`, an optional fraction, then `Z`, `±hh:mm` or nothing) is read by position:
 * the pattern costs about 2 µs a date-time, and a callback body or an appointment carries several. Anything else (a
 * trim, no seconds, `+hh`, `[Zone]`…) goes to the pattern. Both hand the same fields to `instantOfFields`.
 */
const instantOf = (text: string): Instant | undefined => {
  const fields = fieldsByPosition(text)
  return fields === DECLINED ? instantByPattern(text) : fields
}

/** The pattern's reading, for every accepted form (exported for the test that holds the two readings together). */
export const instantByPattern = (text: string): Instant | undefined => {
  const m = ISO.exec(text.trim())
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, frac, zone] = m
  let offsetMinutes: number | undefined
  if (zone === undefined) offsetMinutes = undefined
  else if (zone === "Z" || zone === "z") offsetMinutes = 0
  else {
    const digits = zone.slice(1).replace(":", "")
    const magnitude = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0")
    if (magnitude > MAX_OFFSET_MINUTES) return undefined
    offsetMinutes = zone.startsWith("-") ? -magnitude : magnitude
  }
  return instantOfFields(
    Number(y),
    Number(mo),
    Number(d),
    Number(h),
    Number(mi),
    Number(s ?? "0"),
    frac ?? "",
    offsetMinutes
  )
}

const DECLINED = null
const MAX_OFFSET_MINUTES = 18 * 60

/** `text` read by position when it has the common form; `DECLINED` when it does not (the pattern decides). */
const fieldsByPosition = (text: string): Instant | undefined | typeof DECLINED => {
  const length = text.length
  if (length < 19) return DECLINED
  const separator = text.charCodeAt(10)
  if (
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    (separator !== LATIN_T && separator !== SPACE) ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  ) {
    return DECLINED
  }
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 2)
  const day = digitsAt(text, 8, 2)
  const hour = digitsAt(text, 11, 2)
  const minute = digitsAt(text, 14, 2)
  const second = digitsAt(text, 17, 2)
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return DECLINED
  let at = 19
  let fraction = ""
  const mark = at < length ? text.charCodeAt(at) : 0
  if (mark === DOT || mark === COMMA) {
    const from = at + 1
    at = from
    while (at < length && isDigit(text.charCodeAt(at))) at++
    if (at === from || at - from > 9) return DECLINED
    fraction = text.slice(from, at)
  }
  let offsetMinutes: number | undefined
  if (at === length) offsetMinutes = undefined
  else {
    const zone = text.charCodeAt(at)
    if ((zone === LATIN_Z || zone === SMALL_Z) && at + 1 === length) offsetMinutes = 0
    else if ((zone === PLUS || zone === DASH) && at + 6 === length && text.charCodeAt(at + 3) === COLON) {
      const hours = digitsAt(text, at + 1, 2)
      const minutes = digitsAt(text, at + 4, 2)
      if (hours < 0 || minutes < 0) return DECLINED
      const magnitude = hours * 60 + minutes
      if (magnitude > MAX_OFFSET_MINUTES) return undefined
      offsetMinutes = zone === DASH ? -magnitude : magnitude
    } else return DECLINED
  }
  return instantOfFields(year, month, day, hour, minute, second, fraction, offsetMinutes)
}

const DASH = 45
const PLUS = 43
const COLON = 58
const DOT = 46
const COMMA = 44
const SPACE = 32
const LATIN_T = 84
const LATIN_Z = 90
const SMALL_Z = 122
const isDigit = (code: number) => code >= 48 && code <= 57

/** The number the `count` ASCII digits at `from` spell, or -1 when one is not a digit. */
const digitsAt = (text: string, from: number, count: number): number => {
  let value = 0
  for (let i = from; i < from + count; i++) {
    const code = text.charCodeAt(i)
    if (!isDigit(code)) return -1
    value = value * 10 + (code - 48)
  }
  return value
}

const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
/** Days in a month of the (proleptic) Gregorian calendar, as Date.UTC counts them. */
export const daysInMonth = (year: number, month: number): number =>
  month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!

/**
 * The checks and arithmetic both readings share. `fraction`: 0–9 digits; `offsetMinutes`: from UTC, `undefined` for
 * no offset (London wall-clock time).
 */
const instantOfFields = (
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction: string,
  offsetMinutes: number | undefined
): Instant | undefined => {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined
  // Delius dates are real calendar dates of probation; anything outside this range is bad input, not a date to
  // store (JS Date.UTC also maps years 0–99 onto 1900–1999).
  if (year < MIN_YEAR || year > MAX_YEAR) return undefined
  if (day > daysInMonth(year, month)) return undefined
  let millis = 0
  for (let i = 0; i < 3; i++) millis = millis * 10 + (i < fraction.length ? fraction.charCodeAt(i) - 48 : 0)
  let end = fraction.length
  while (end > 3 && fraction.charCodeAt(end - 1) === 48) end--
  const subMillis = end > 3 ? fraction.slice(3, end) : ""
  const epochMillis =
    offsetMinutes === undefined
      ? fromLondonWallClock({ year, month, day, hour, minute, second }, millis)
      : Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000
  return { epochMillis, subMillis }
}

export const instantOfMillis = (epochMillis: number): Instant => ({ epochMillis, subMillis: "" })

/** London local date `YYYY-MM-DD` of an instant (§2.2: every date derived from a date-time). */
export const londonDate = (epochMillis: number): string => {
  const w = londonParts(epochMillis)
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`
}

/** London wall-clock `YYYY-MM-DD HH:MM:SS.ffffff`, the form stored in Delius timestamp columns. */
export const londonDateTime = (epochMillis: number): string => {
  const w = londonParts(epochMillis)
  const ms = ((epochMillis % 1000) + 1000) % 1000
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}.${pad(ms, 3)}000`
}

/** Java `LocalDateTime.toString()` of a London wall-clock time, e.g. `2024-03-01T10:15:30.123` (enforcement note, §7.6). */
export const londonIsoLocal = (epochMillis: number): string => {
  const w = londonParts(epochMillis)
  const ms = ((epochMillis % 1000) + 1000) % 1000
  const base = `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`
  return ms === 0 ? base : `${base}.${pad(ms, 3)}`
}

/** ISO offset date-time in London, e.g. `2023-02-23T15:29:54.197Z` in winter, `…+01:00` in summer. */
export const londonOffsetIso = (epochMillis: number): string => {
  const w = londonParts(epochMillis)
  const ms = ((epochMillis % 1000) + 1000) % 1000
  const offsetMinutes = Math.round(londonOffsetMillis(epochMillis) / 60_000)
  const offset =
    offsetMinutes === 0
      ? "Z"
      : `${offsetMinutes < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`
  const fraction = ms === 0 ? "" : `.${pad(ms, 3)}`
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${fraction}${offset}`
}

/** Java `ZonedDateTime.toString()` in London, e.g. `2023-02-23T15:29:54.197Z[Europe/London]` (telemetry, §2.2). */
export const londonZonedString = (epochMillis: number): string => `${londonOffsetIso(epochMillis)}[${LONDON}]`

/**
 * Parse a stored London wall-clock value (`YYYY-MM-DD HH:MM:SS[.f]`, `YYYY-MM-DDTHH:MM:SS[.f]` or a date) back to an
 * instant. Drivers hand these back as text (see the database layers).
 */
export const instantOfLondonDateTime = (stored: string): number => {
  const parsed = instantOf(stored.length === 10 ? `${stored}T00:00:00` : stored)
  if (parsed === undefined) throw new Error(`Not a stored date-time: ${stored}`)
  return parsed.epochMillis
}

/** Normalise a stored timestamp (any driver's text form) to `YYYY-MM-DD HH:MM:SS.ffffff`. */
export const normaliseStoredDateTime = (stored: string): string => londonDateTime(instantOfLondonDateTime(stored))

/** Add whole days to a `YYYY-MM-DD` date. */
export const plusDays = (date: string, days: number): string => {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

const InstantStruct = Schema.Struct({ epochMillis: Schema.Number, subMillis: Schema.String })

/** Schema for an incoming ISO date-time (HTTP bodies, events, callbacks): decodes to an Instant. */
export const IsoDateTime = Schema.transformOrFail(Schema.String, InstantStruct, {
  strict: true,
  decode: (text, _, ast) => {
    const parsed = instantOf(text)
    return parsed !== undefined
      ? ParseResult.succeed(parsed)
      : ParseResult.fail(
          new ParseResult.Type(ast, text, `Expected an ISO-8601 date-time between years ${MIN_YEAR} and ${MAX_YEAR}`)
        )
  },
  encode: (instant) => ParseResult.succeed(londonOffsetIso(instant.epochMillis))
}).annotations({ identifier: "DateTime", description: "ISO-8601 date-time, e.g. 2024-06-13T17:52:26.55647055+01:00" })
