import { describe, expect, it } from "vitest"
import { hasClash, hhmi, localTimeText, type ClashCandidate } from "../../src/rules/index.js"

const URN = "urn:hmpps:interventions-appointment:11111111-1111-1111-1111-111111111111"
const PREVIOUS = "urn:hmpps:interventions-appointment:22222222-2222-2222-2222-222222222222"
const OTHER = "urn:hmpps:interventions-appointment:33333333-3333-3333-3333-333333333333"
const DAY = "2030-06-13"

const at = (time: string) => `${DAY} ${time}`
/** An existing appointment 10:00–11:00 with another reference. */
const existing = (over: Partial<ClashCandidate> = {}): ClashCandidate => ({
  externalReference: OTHER,
  startTime: at("10:00:00.000000"),
  endTime: at("11:00:00.000000"),
  ...over
})
const check = (newStart: string, newEnd: string, candidates: ReadonlyArray<ClashCandidate> = [existing()]) =>
  hasClash({ candidates, urn: URN, previousUrn: null, newStart: at(newStart), newEnd: at(newEnd) })

describe("hasClash time comparison (§7.2)", () => {
  it.each([
    ["new ends exactly when existing starts (touching at existing start) → clash", "09:00:00", "10:00:00", true],
    ["new starts exactly when existing ends (touching at existing end) → no clash", "11:00:00", "12:00:00", false],
    ["new contained in existing", "10:15:00", "10:45:00", true],
    ["new contains existing", "09:00:00", "12:00:00", true],
    ["identical times", "10:00:00", "11:00:00", true],
    ["overlaps the start", "09:30:00", "10:30:00", true],
    ["overlaps the end", "10:30:00", "11:30:00", true],
    ["entirely before", "08:00:00", "09:00:00", false],
    ["entirely after", "12:00:00", "13:00:00", false],
    ["ends one minute before existing starts", "09:00:00", "09:59:00", false],
    ["new start inside existing's last minute (10:59:30) → clash", "10:59:30", "11:30:00", true],
    [
      "new start seconds after existing end (11:00:30): existing end '11:00' sorts first → no clash",
      "11:00:30",
      "12:00:00",
      false
    ],
    ["fraction on new end touching at start still clashes", "09:00:00.5", "10:00:00.5", true],
    ["fraction on new start at existing end still does not clash", "11:00:00.000001", "12:00:00", false]
  ])("%s", (_, start, end, expected) => {
    expect(check(start, end)).toBe(expected)
  })

  it("existing times are cut to the minute: existing ending 11:00:45 does not clash with a start at 11:00:30", () => {
    expect(check("11:00:30", "12:00:00", [existing({ endTime: at("11:00:45") })])).toBe(false)
  })

  it("existing times are cut to the minute: existing starting 10:00:45 clashes with an end at 10:00:30", () => {
    expect(check("09:00:00", "10:00:30", [existing({ startTime: at("10:00:45") })])).toBe(true)
  })

  it("accepts stored values with T and without fraction", () => {
    expect(
      check("09:00:00", "10:00:00", [existing({ startTime: `${DAY}T10:00:00`, endTime: `${DAY}T11:00:00` })])
    ).toBe(true)
  })

  it.each([
    ["null end never clashes", existing({ endTime: null })],
    ["null start never clashes", existing({ startTime: null })],
    ["null start and end never clash", existing({ startTime: null, endTime: null })]
  ])("%s", (_, candidate) => {
    expect(check("09:00:00", "12:00:00", [candidate])).toBe(false)
  })

  it("no candidates → no clash", () => {
    expect(check("10:00:00", "11:00:00", [])).toBe(false)
  })

  it("any one clashing candidate is enough", () => {
    expect(
      check("10:00:00", "11:00:00", [
        existing({ startTime: at("07:00:00"), endTime: at("08:00:00") }),
        existing({ endTime: null }),
        existing()
      ])
    ).toBe(true)
  })
})

describe("hasClash external-reference filter (§7.2, SQL three-valued logic)", () => {
  const run = (ref: string | null, previousUrn: string | null) =>
    hasClash({
      candidates: [existing({ externalReference: ref })],
      urn: URN,
      previousUrn,
      newStart: at("10:00:00"),
      newEnd: at("11:00:00")
    })

  it.each([
    ["other reference, no previousUrn → considered", OTHER, null, true],
    ["null reference, no previousUrn → considered", null, null, true],
    ["same urn → excluded", URN, null, false],
    ["same urn with previousUrn → excluded", URN, PREVIOUS, false],
    ["reference = previousUrn → excluded", PREVIOUS, PREVIOUS, false],
    ["null reference with previousUrn → excluded (NULL <> x is unknown)", null, PREVIOUS, false],
    ["other reference with previousUrn → considered", OTHER, PREVIOUS, true]
  ])("%s", (_, ref, previousUrn, expected) => {
    expect(run(ref, previousUrn)).toBe(expected)
  })
})

describe("formatting helpers", () => {
  it.each([
    ["2024-01-01 09:05:07.123456", "09:05"],
    ["2024-01-01T09:05:07", "09:05"],
    ["2024-01-01 23:59:59.999999", "23:59"],
    ["2024-01-01 00:00", "00:00"],
    ["2024-01-01", "00:00"]
  ])("hhmi(%j) → %s", (stored, expected) => {
    expect(hhmi(stored)).toBe(expected)
  })

  it("reads a canonical stored value's hour and minute by position, as the pattern reads them, and near misses alike", () => {
    const base = "2024-01-01 09:05:07.123456"
    const texts = [base]
    for (let i = 0; i < base.length; i++) {
      for (const c of ["0", "9", "-", ":", " ", "T", ".", "x"]) texts.push(base.slice(0, i) + c + base.slice(i + 1))
    }
    // localTimeText has no positional reading: its first five characters are the pattern's hour and minute.
    const answer = (read: (text: string) => string) => (text: string) => {
      try {
        return read(text)
      } catch {
        return "rejected"
      }
    }
    const byPattern = answer((text) => localTimeText(text).slice(0, 5))
    expect(texts.filter((text) => answer(hhmi)(text) !== byPattern(text))).toEqual([])
    expect(texts.filter((text) => byPattern(text) === "rejected").length).toBeGreaterThan(20)
  })

  it.each([
    ["2024-01-01 10:00:00", "10:00:00"],
    ["2024-01-01 10:00:00.000000", "10:00:00"],
    ["2024-01-01T10:00:00.000", "10:00:00"],
    ["2024-01-01 10:00:00.500000", "10:00:00.5"],
    ["2024-01-01 10:00:00.120", "10:00:00.12"],
    ["2024-01-01T10:00:00.123456789", "10:00:00.123456789"],
    ["2024-01-01T10:00:00.000000001", "10:00:00.000000001"],
    ["2024-01-01T10:00", "10:00:00"],
    ["2024-01-01 10:00:05", "10:00:05"]
  ])("localTimeText(%j) → %s", (stored, expected) => {
    expect(localTimeText(stored)).toBe(expected)
  })

  it.each(["", "10:00", "2024-01-01X10:00:00", "2024-01-01 10:00:00+01:00", "2024-01-01 10:00:00.1234567890"])(
    "rejects %j",
    (bad) => {
      expect(() => hhmi(bad)).toThrow(/Not a London wall-clock date-time/)
      expect(() => localTimeText(bad)).toThrow(/Not a London wall-clock date-time/)
    }
  )
})
