import { Either, Option } from "effect"
import { describe, expect, it } from "vitest"
import {
  formatOutcome,
  outcomeCodeFor,
  parseAttended,
  rescheduleOutcome,
  type AppointmentOutcome,
  type Attended,
  type NoSessionReasonType
} from "../../src/rules/index.js"

const ATTENDED: ReadonlyArray<Attended> = ["YES", "LATE", "NO"]
const DID_SESSION_HAPPEN: ReadonlyArray<boolean | null> = [true, false, null]
const REASONS: ReadonlyArray<NoSessionReasonType | null> = ["LOGISTICS", "POP_ACCEPTABLE", "POP_UNACCEPTABLE", null]
const NOTIFY: ReadonlyArray<boolean> = [true, false]

type Expected = { readonly code: string } | { readonly error: string }

// §7.4 rows, first match wins; "any" is undefined. Written as data, independently of the implementation.
const SPEC_74: ReadonlyArray<{
  happened: boolean
  attended?: ReadonlyArray<Attended>
  reason?: NoSessionReasonType | null
  notify?: boolean
  outcome: string | "error"
}> = [
  { happened: true, notify: true, outcome: "AFTC" },
  { happened: true, notify: false, outcome: "ATTC" },
  { happened: false, attended: ["NO"], outcome: "AFTA" },
  { happened: false, attended: ["YES", "LATE"], reason: "POP_UNACCEPTABLE", outcome: "AFTC" },
  { happened: false, attended: ["YES", "LATE"], reason: "POP_ACCEPTABLE", outcome: "APPK" },
  { happened: false, attended: ["YES", "LATE"], reason: "LOGISTICS", outcome: "ATSS" },
  { happened: false, attended: ["YES", "LATE"], reason: null, outcome: "error" }
]

const expectedFor = (o: AppointmentOutcome): Expected => {
  const happened = o.didSessionHappen ?? false
  const row = SPEC_74.find(
    (r) =>
      r.happened === happened &&
      (r.attended === undefined || r.attended.includes(o.attended)) &&
      (r.reason === undefined || r.reason === o.noSessionReasonType) &&
      (r.notify === undefined || r.notify === o.notify)
  )
  if (!row) throw new Error("spec table incomplete")
  return row.outcome === "error"
    ? {
        error:
          `Outcome scenario not mapped: Outcome(attended=${o.attended}, didSessionHappen=${o.didSessionHappen}, ` +
          `noSessionReasonType=${o.noSessionReasonType}, notify=${o.notify})`
      }
    : { code: row.outcome }
}

const ALL: ReadonlyArray<AppointmentOutcome> = ATTENDED.flatMap((attended) =>
  DID_SESSION_HAPPEN.flatMap((didSessionHappen) =>
    REASONS.flatMap((noSessionReasonType) =>
      NOTIFY.map((notify) => ({ attended, didSessionHappen, noSessionReasonType, notify }))
    )
  )
)

const actual = (o: AppointmentOutcome): Expected =>
  Either.match(outcomeCodeFor(o), { onLeft: (error) => ({ error }), onRight: (code) => ({ code }) })

describe("outcomeCodeFor (§7.4)", () => {
  it("enumerates 3 × 3 × 4 × 2 = 72 combinations", () => {
    expect(ALL).toHaveLength(72)
  })

  it.each(ALL.map((o) => [formatOutcome(o), o, expectedFor(o)] as const))("%s", (_, outcome, expected) => {
    expect(actual(outcome)).toEqual(expected)
  })

  it("has the expected distribution of outcomes", () => {
    const counts: Record<string, number> = {}
    for (const o of ALL) {
      const r = actual(o)
      const key = "code" in r ? r.code : "error"
      counts[key] = (counts[key] ?? 0) + 1
    }
    expect(counts).toEqual({ ATTC: 12, AFTC: 20, AFTA: 16, APPK: 8, ATSS: 8, error: 8 })
  })

  // The eight unmapped combinations, with the exact message (decision Q5 wording, Kotlin data-class toString).
  it.each([
    ["YES", false, false],
    ["YES", false, true],
    ["YES", null, false],
    ["YES", null, true],
    ["LATE", false, false],
    ["LATE", false, true],
    ["LATE", null, false],
    ["LATE", null, true]
  ] as const)("unmapped: attended=%s didSessionHappen=%s notify=%s", (attended, didSessionHappen, notify) => {
    expect(outcomeCodeFor({ attended, didSessionHappen, noSessionReasonType: null, notify })).toEqual(
      Either.left(
        `Outcome scenario not mapped: Outcome(attended=${attended}, didSessionHappen=${didSessionHappen === null ? "null" : didSessionHappen}, noSessionReasonType=null, notify=${notify})`
      )
    )
  })

  it("exact message for the canonical example", () => {
    expect(
      outcomeCodeFor({ attended: "YES", didSessionHappen: null, noSessionReasonType: null, notify: false })
    ).toEqual(
      Either.left(
        "Outcome scenario not mapped: Outcome(attended=YES, didSessionHappen=null, noSessionReasonType=null, notify=false)"
      )
    )
  })

  it.each([
    // §12 worked examples
    [{ attended: "YES", didSessionHappen: false, noSessionReasonType: "POP_UNACCEPTABLE", notify: true }, "AFTC"],
    [{ attended: "NO", didSessionHappen: null, noSessionReasonType: null, notify: true }, "AFTA"],
    [{ attended: "YES", didSessionHappen: true, noSessionReasonType: null, notify: false }, "ATTC"],
    [{ attended: "YES", didSessionHappen: false, noSessionReasonType: "LOGISTICS", notify: false }, "ATSS"],
    [{ attended: "LATE", didSessionHappen: true, noSessionReasonType: "POP_UNACCEPTABLE", notify: true }, "AFTC"],
    [{ attended: "NO", didSessionHappen: true, noSessionReasonType: null, notify: false }, "ATTC"],
    [{ attended: "LATE", didSessionHappen: null, noSessionReasonType: "POP_ACCEPTABLE", notify: true }, "APPK"]
  ] as const)("spot check %o → %s", (outcome, code) => {
    expect(outcomeCodeFor(outcome)).toEqual(Either.right(code))
  })
})

describe("parseAttended (§2.1, §16)", () => {
  it.each([
    ["yes", "YES"],
    ["YES", "YES"],
    ["Yes", "YES"],
    ["yEs", "YES"],
    ["late", "LATE"],
    ["LATE", "LATE"],
    ["Late", "LATE"],
    ["no", "NO"],
    ["NO", "NO"],
    ["nO", "NO"]
  ] as const)("%j → %s", (text, attended) => {
    expect(parseAttended(text)).toEqual(Option.some(attended))
  })

  it.each(["", "y", "n", "true", "false", " yes", "yes ", "NONE", "attended", "null", "noo"])("%j → undefined", (t) => {
    expect(parseAttended(t)).toEqual(Option.none())
  })
})

describe("rescheduleOutcome (§4.2, §7.1 step 8)", () => {
  it.each([
    [null, "RSSR"],
    [undefined, "RSSR"],
    ["Service Provider", "RSSR"],
    ["Joe Bloggs", "RSOF"],
    ["service provider", "RSOF"],
    ["SERVICE PROVIDER", "RSOF"],
    ["Service Provider ", "RSOF"],
    ["Person on probation", "RSOF"],
    ["", "RSOF"]
  ] as const)("%j → %s", (by, expected) => {
    expect(rescheduleOutcome(by)).toBe(expected)
  })
})
