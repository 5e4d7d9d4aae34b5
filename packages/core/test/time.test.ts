import { Option } from "effect"
import { describe, expect, it } from "vitest"
import {
  daysInMonth,
  instantByPattern,
  instantOfLondonDateTime,
  londonDate,
  londonDateTime,
  londonOffsetIso,
  londonZonedString,
  parseInstant
} from "../src/domain/time.js"

/** London wall clock straight from Intl, to check the cached-offset arithmetic of time.ts against. */
const reference = (millis: number) => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/London",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23"
    })
      .formatToParts(new Date(millis))
      .map((p) => [p.type, p.value])
  )
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`
}

describe("London time (§2.2)", () => {
  it("matches Intl for every quarter hour around the 2024 and 2025 DST changes, and a spread of other instants", () => {
    const instants: Array<number> = []
    for (const change of [
      Date.UTC(2024, 2, 31, 1),
      Date.UTC(2024, 9, 27, 1),
      Date.UTC(2025, 2, 30, 1),
      Date.UTC(2025, 9, 26, 1)
    ]) {
      for (let m = -180; m <= 180; m += 15) instants.push(change + m * 60_000 + 123)
    }
    for (let i = 0; i < 2000; i++)
      instants.push(Date.UTC(1970 + (i % 200), 0, 1) + ((i * 7919 * 3_600_000 + i * 61_001) % (365 * 86_400_000)))
    for (const millis of instants) expect(londonDateTime(millis).slice(0, 19)).toBe(reference(millis))
  })

  it("parses R&M's forms: 0–9 fraction digits, Z, ±hh:mm, no offset (London), [Zone]", () => {
    expect(Option.getOrThrow(parseInstant("2024-06-13T17:52:26.55647055+01:00"))).toEqual({
      epochMillis: Date.UTC(2024, 5, 13, 16, 52, 26, 556),
      subMillis: "47055"
    })
    expect(Option.getOrThrow(parseInstant("2023-02-23T15:29:54Z")).epochMillis).toBe(Date.UTC(2023, 1, 23, 15, 29, 54))
    expect(Option.getOrThrow(parseInstant("2024-07-01T09:00:00")).epochMillis).toBe(Date.UTC(2024, 6, 1, 8, 0, 0)) // BST
    expect(Option.getOrThrow(parseInstant("2024-01-01T09:00:00[Europe/London]")).epochMillis).toBe(
      Date.UTC(2024, 0, 1, 9)
    )
    expect(parseInstant("2024-02-30T09:00:00Z")).toEqual(Option.none())
    expect(parseInstant("0001-01-01T00:00:00Z")).toEqual(Option.none())
    expect(parseInstant("yesterday")).toEqual(Option.none())
  })

  it("formats as Delius stores and as the reference prints", () => {
    const summer = Date.UTC(2024, 6, 1, 8, 30, 0, 5)
    expect(londonDateTime(summer)).toBe("2024-07-01 09:30:00.005000")
    expect(londonDate(Date.UTC(2024, 6, 1, 23, 30))).toBe("2024-07-02")
    expect(londonOffsetIso(summer)).toBe("2024-07-01T09:30:00.005+01:00")
    expect(londonZonedString(Date.UTC(2023, 1, 23, 15, 29, 54, 197))).toBe("2023-02-23T15:29:54.197Z[Europe/London]")
    expect(instantOfLondonDateTime("2024-07-01 09:30:00.005000")).toBe(summer)
  })
})

describe("reading a date-time by position and by the pattern", () => {
  const bases = [
    "2023-02-14T15:55:21.1065440Z",
    "2024-06-13T17:52:26.55647055+01:00",
    "2024-03-31 01:30:00",
    "2024-10-27T01:30:00.000000",
    "2024-02-29T23:59:59,123456789-05:30",
    "2100-02-29T00:00:00Z",
    "1900-01-01T00:00:00Z",
    "2199-12-31T23:59:59.999999999z",
    "2024-06-13T17:52:26+18:00",
    "2024-06-13T17:52:26-01:99",
    "2024-06-13T17:52+01",
    "2024-06-13T17:52:26.5+0100[Europe/London]"
  ]
  const characters = ["0", "1", "9", "-", ":", "T", "t", "Z", "z", "+", ".", ",", " ", "[", "]", "x", "\u0661"]
  /** Every base, and every change of one character of it: replaced, removed, or one inserted. */
  const corpus = bases.flatMap((base) => {
    const texts = [base, ` ${base}`, `${base} `]
    for (let i = 0; i <= base.length; i++) {
      if (i < base.length) texts.push(base.slice(0, i) + base.slice(i + 1))
      for (const c of characters) {
        texts.push(base.slice(0, i) + c + base.slice(i))
        if (i < base.length) texts.push(base.slice(0, i) + c + base.slice(i + 1))
      }
    }
    return texts
  })

  it("gives the pattern's answer for every text, valid or not", () => {
    const differences = corpus.filter(
      (text) => JSON.stringify(Option.getOrUndefined(parseInstant(text))) !== JSON.stringify(instantByPattern(text))
    )
    expect(differences).toEqual([])
    // The corpus holds both answers in numbers, so the comparison above is not only of undefined with undefined.
    expect(corpus.filter((text) => instantByPattern(text) !== undefined).length).toBeGreaterThan(500)
    expect(corpus.filter((text) => instantByPattern(text) === undefined).length).toBeGreaterThan(500)
  })

  it("counts the days of every month of the accepted years as the calendar does", () => {
    const wrong: Array<string> = []
    for (let year = 1900; year <= 2199; year++) {
      for (let month = 1; month <= 12; month++) {
        const calendar = new Date(Date.UTC(year, month, 0)).getUTCDate()
        if (daysInMonth(year, month) !== calendar) wrong.push(`${year}-${month}`)
      }
    }
    expect(wrong).toEqual([])
  })
})
