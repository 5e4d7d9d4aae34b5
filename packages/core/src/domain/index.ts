/** Shared domain types every feature imports: identifiers, URNs and London date-times. */
export * from "./ids.js"
// time.ts also exports the pieces its tests hold together (the two readings of a date-time, the calendar's month
// lengths, the canonical stored form's check); those are core's own, not part of its API.
export {
  instantOfLondonDateTime,
  instantOfMillis,
  IsoDateTime,
  LONDON,
  londonDate,
  londonDateTime,
  londonIsoLocal,
  londonOffsetIso,
  londonZonedString,
  MAX_YEAR,
  MIN_YEAR,
  normaliseStoredDateTime,
  parseInstant,
  plusDays
} from "./time.js"
export type { Instant } from "./time.js"
export * from "./urns.js"
