import { describe, expect, it } from "vitest"
import {
  enforcementNotes,
  failureToComplyCount,
  ftcResetDate,
  hasOutstandingReview,
  responseDate,
  reviewRequired,
  type FtcContact
} from "../../src/rules/index.js"

describe("ftcResetDate (§7.6 step 4)", () => {
  it.each([
    [null, null, null],
    ["2024-01-10", null, "2024-01-10"],
    [null, "2024-01-10", "2024-01-10"],
    ["2024-02-01", "2024-01-10", "2024-02-01"],
    ["2024-01-10", "2024-02-01", "2024-02-01"],
    ["2024-01-10", "2024-01-10", "2024-01-10"],
    ["2023-12-31", "2024-01-01", "2024-01-01"],
    ["2024-01-10 00:00:00", null, "2024-01-10"]
  ])("breachEnd %s, disposalDate %s → %s", (breachEnd, disposalDate, expected) => {
    expect(ftcResetDate(breachEnd, disposalDate)).toBe(expected)
  })
})

const ftc = (contactDate: string, over: Partial<FtcContact> = {}): FtcContact => ({
  contactDate,
  complied: "N",
  nationalStandardsContact: "Y",
  softDeleted: 0,
  ...over
})

describe("failureToComplyCount (§7.6 step 4)", () => {
  const contacts: ReadonlyArray<FtcContact> = [
    ftc("2024-01-05"),
    ftc("2024-01-05"), // duplicate date → counted once
    ftc("2024-01-05", { nationalStandardsContact: "N" }),
    ftc("2024-02-01"),
    ftc("2024-02-01"),
    ftc("2024-02-01"),
    ftc("2024-02-15"),
    ftc("2024-03-01", { softDeleted: 1 }), // soft deleted → ignored
    ftc("2024-03-02", { nationalStandardsContact: "N" }), // not national standards → ignored
    ftc("2024-03-03", { complied: "Y" }), // complied → ignored
    ftc("2024-03-04", { complied: null }), // no outcome → ignored
    ftc("2024-03-05", { complied: "n" }) // only exact 'N'
  ]

  it.each([
    ["no reset date", null, 3],
    ["reset before all", "2023-12-31", 3],
    ["reset on a failure date includes that date", "2024-02-01", 2],
    ["reset the day after excludes it", "2024-02-02", 1],
    ["reset after all", "2024-02-16", 0]
  ])("%s → %i", (_, reset, expected) => {
    expect(failureToComplyCount(contacts, reset)).toBe(expected)
  })

  it("empty → 0", () => {
    expect(failureToComplyCount([], null)).toBe(0)
  })

  it("dates with a time part count as the same day", () => {
    expect(failureToComplyCount([ftc("2024-01-05"), ftc("2024-01-05 00:00:00")], "2024-01-05")).toBe(1)
  })

  it("only soft-deleted / non-NS / complied rows → 0", () => {
    expect(
      failureToComplyCount(
        [
          ftc("2024-01-01", { softDeleted: 1 }),
          ftc("2024-01-02", { nationalStandardsContact: "N" }),
          ftc("2024-01-03", { complied: "Y" })
        ],
        null
      )
    ).toBe(0)
  })
})

describe("hasOutstandingReview (§7.6 step 5)", () => {
  it.each([
    ["no reviews", [], null, false],
    ["review with outcome", [{ contactDate: "2024-03-01", outcomeId: 7 }], null, false],
    ["review without outcome, no breach end", [{ contactDate: "2020-01-01", outcomeId: null }], null, true],
    ["review without outcome before breach end", [{ contactDate: "2024-02-29", outcomeId: null }], "2024-03-01", false],
    ["review without outcome on breach end", [{ contactDate: "2024-03-01", outcomeId: null }], "2024-03-01", true],
    ["review without outcome after breach end", [{ contactDate: "2024-03-02", outcomeId: null }], "2024-03-01", true],
    ["soft-deleted review ignored", [{ contactDate: "2024-03-02", outcomeId: null, softDeleted: 1 }], null, false],
    [
      "one outstanding among others",
      [
        { contactDate: "2024-03-02", outcomeId: 1 },
        { contactDate: "2024-01-01", outcomeId: null },
        { contactDate: "2024-03-05", outcomeId: null }
      ],
      "2024-03-01",
      true
    ]
  ] as const)("%s → %s", (_, reviews, breachEnd, expected) => {
    expect(hasOutstandingReview(reviews, breachEnd)).toBe(expected)
  })
})

describe("reviewRequired (§7.6 step 5)", () => {
  it.each([
    ["over limit, no review outstanding", "SC", 2, 3, false, true],
    ["over a zero limit", "SC", 0, 1, false, true],
    ["at the limit", "SC", 2, 2, false, false],
    ["under the limit", "SC", 2, 1, false, false],
    ["zero count, zero limit", "SC", 0, 0, false, false],
    ["over limit but review outstanding", "SC", 2, 3, true, false],
    ["sentence type null", null, 2, 3, false, false],
    ["limit null", "SC", null, 3, false, false],
    ["both null", null, null, 99, false, false]
  ] as const)("%s → %s", (_, sentenceType, ftcLimit, ftcCount, outstandingReview, expected) => {
    expect(reviewRequired({ sentenceType, ftcLimit, ftcCount, outstandingReview })).toBe(expected)
  })
})

describe("enforcementNotes (§7.6 step 2)", () => {
  it.each([
    ["notes", "Session notes", "Session notes\n2024-03-01T10:15:30.123\nEnforcement Action: Description of ROM"],
    ["null notes print as null", null, "null\n2024-03-01T10:15:30.123\nEnforcement Action: Description of ROM"],
    ["empty notes", "", "\n2024-03-01T10:15:30.123\nEnforcement Action: Description of ROM"],
    ["notes starting with newline", "\nabc", "\nabc\n2024-03-01T10:15:30.123\nEnforcement Action: Description of ROM"]
  ])("%s", (_, notes, expected) => {
    expect(enforcementNotes(notes, "2024-03-01T10:15:30.123", "Description of ROM")).toBe(expected)
  })
})

describe("responseDate (§7.6 step 2, §14)", () => {
  it.each([
    ["2024-03-01", 7, "2024-03-08"],
    ["2024-03-01", 0, "2024-03-01"],
    ["2024-03-01", null, null],
    ["2024-12-28", 7, "2025-01-04"],
    ["2024-02-25", 7, "2024-03-03"],
    ["2023-02-25", 7, "2023-03-04"],
    ["2024-03-27", 7, "2024-04-03"], // across the spring clock change: calendar days
    ["2024-03-01 10:15:30.123000", 7, "2024-03-08 10:15:30.123000"],
    ["2024-03-01T10:15:30.123", 7, "2024-03-08T10:15:30.123"],
    ["2024-03-08", -7, "2024-03-01"]
  ])("%s + %s days → %s", (now, period, expected) => {
    expect(responseDate(now, period)).toBe(expected)
  })
})
