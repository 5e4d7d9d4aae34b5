import { describe, expect, it } from "vitest"
import {
  endTypeOutcome,
  isReferralEndType,
  isWithdrawalCode,
  isWithdrawalState,
  REFERRAL_END_TYPES,
  terminationOutcomeCode,
  WITHDRAWAL_CODES,
  WITHDRAWAL_STATES,
  withdrawalOutcome,
  type ReferralEndType,
  type WithdrawalCode,
  type WithdrawalState
} from "../../src/rules/index.js"

describe("endTypeOutcome (§5.4 step 3)", () => {
  it.each([
    ["CANCELLED", "CRS01"],
    ["PREMATURELY_ENDED", "CRS02"],
    ["COMPLETED", "CRS03"]
  ] as const)("%s → %s", (endType, outcome) => {
    expect(endTypeOutcome(endType)).toBe(outcome)
  })
})

// Spec §6.6: code → [pre-ICA, post-ICA].
const SPEC_66: ReadonlyArray<readonly [WithdrawalCode, string, string]> = [
  ["INE", "NSI1", "NSI1"],
  ["MIS", "NSI2", "NSI2"],
  ["NOT", "NSI11", "NSI12"],
  ["NEE", "NSI7", "NSI8"],
  ["MOV", "NSI5", "NSI6"],
  ["WOR", "NSI3", "NSi4"],
  ["USE", "NSI5", "NSI6"],
  ["ACQ", "NSI5", "NSI6"],
  ["RET", "NSI5", "NSI6"],
  ["SER", "NSI5", "NSI6"],
  ["SEE", "NSI9", "NSI10"],
  ["EAR", "NSI13", "NSI13"],
  ["ANO", "CRS01", "CRS01"]
]

const ALL_COMBINATIONS: ReadonlyArray<readonly [WithdrawalCode, WithdrawalState, string]> = SPEC_66.flatMap(
  ([code, pre, post]) => [
    [code, "PRE_ICA_WITHDRAWAL", pre] as const,
    [code, "POST_ICA_WITHDRAWAL", post] as const,
    [code, "POST_ICA_CLOSE_REFERRAL_EARLY", post] as const
  ]
)

describe("withdrawalOutcome (§6.6)", () => {
  it("covers all 13 × 3 combinations", () => {
    expect(ALL_COMBINATIONS).toHaveLength(39)
    expect([...WITHDRAWAL_CODES].sort()).toEqual(SPEC_66.map(([c]) => c).sort())
    expect([...WITHDRAWAL_STATES].sort()).toEqual([
      "POST_ICA_CLOSE_REFERRAL_EARLY",
      "POST_ICA_WITHDRAWAL",
      "PRE_ICA_WITHDRAWAL"
    ])
  })

  it.each(ALL_COMBINATIONS)("%s + %s → %s", (code, state, outcome) => {
    expect(withdrawalOutcome(code, state)).toBe(outcome)
  })

  it("WOR post-ICA is NSi4 with a lower-case i (matches Delius)", () => {
    expect(withdrawalOutcome("WOR", "POST_ICA_WITHDRAWAL")).toBe("NSi4")
    expect(withdrawalOutcome("WOR", "POST_ICA_WITHDRAWAL")).not.toBe("NSI4")
  })
})

describe("terminationOutcomeCode (§6.5 step 3, Q9)", () => {
  const rows: Array<readonly [ReferralEndType, string | undefined, boolean, string]> = []
  for (const [endType, endOutcome] of [
    ["CANCELLED", "CRS01"],
    ["PREMATURELY_ENDED", "CRS02"],
    ["COMPLETED", "CRS03"]
  ] as const) {
    rows.push([endType, "NSI7", true, "NSI7"])
    rows.push([endType, "NSi4", true, "NSi4"])
    rows.push([endType, "NSI7", false, endOutcome])
    rows.push([endType, undefined, true, endOutcome])
    rows.push([endType, undefined, false, endOutcome])
  }
  it.each(rows)("endType %s, withdrawal %s, enabled %s → %s", (endType, withdrawal, enabled, expected) => {
    expect(terminationOutcomeCode({ endType, withdrawalOutcome: withdrawal, withdrawalReasonEnabled: enabled })).toBe(
      expected
    )
  })

  it("§12 worked example: PREMATURELY_ENDED, NEE pre-ICA → NSI7 (flag on), CRS02 (flag off)", () => {
    const w = withdrawalOutcome("NEE", "PRE_ICA_WITHDRAWAL")
    expect(
      terminationOutcomeCode({ endType: "PREMATURELY_ENDED", withdrawalOutcome: w, withdrawalReasonEnabled: true })
    ).toBe("NSI7")
    expect(
      terminationOutcomeCode({ endType: "PREMATURELY_ENDED", withdrawalOutcome: w, withdrawalReasonEnabled: false })
    ).toBe("CRS02")
  })
})

describe("enum guards (§2.1, case-sensitive)", () => {
  it.each(REFERRAL_END_TYPES)("end type %s accepted", (v) => expect(isReferralEndType(v)).toBe(true))
  it.each(["cancelled", "Completed", "", "ENDED", "toString"])("end type %j rejected", (v) =>
    expect(isReferralEndType(v)).toBe(false)
  )
  it.each(WITHDRAWAL_STATES)("state %s accepted", (v) => expect(isWithdrawalState(v)).toBe(true))
  it.each(["pre_ica_withdrawal", "", "PRE_ICA", "POST_ICA"])("state %j rejected", (v) =>
    expect(isWithdrawalState(v)).toBe(false)
  )
  it.each(WITHDRAWAL_CODES)("code %s accepted", (v) => expect(isWithdrawalCode(v)).toBe(true))
  it.each(["nee", "", "XYZ", "constructor", "__proto__"])("code %j rejected", (v) =>
    expect(isWithdrawalCode(v)).toBe(false)
  )
})
