import { describe, expect, it } from "vitest"
import { CONTRACT_TYPES, nsiTypeForContractType } from "../../src/rules/index.js"

// Spec §6.2, written out independently of the implementation.
const TABLE: ReadonlyArray<readonly [string, string]> = [
  ["ACC", "CRS01"],
  ["ETE", "CRS02"],
  ["MTR", "CRS03"],
  ["DNR", "CRS04"],
  ["PWB", "CRS05"],
  ["WOS", "CRS06"],
  ["WSM", "CRS07"],
  ...["FBD-B", "FBD-BU", "FBD-EM", "FBD-M", "FBD-R", "FBD-WM", "FBD-L", "FBD-SA", "FBD-SC", "FBD-SP", "FBD-NE",
    "FBD-SW", "FBD-TA", "FBD-TR", "FBD-W", "FBD-WI", "FBD-Y", "FBD-NW"].map((c) => [c, "CRS08"] as const),
  ...["DNR-K", "DNR-L", "DNR-NE", "DNR-Y", "DNR-NEN", "DNR-SC", "DNR-SY", "DNR-WM", "DNR-SW"].map(
    (c) => [c, "CRS04"] as const
  )
]

describe("nsiTypeForContractType (§6.2)", () => {
  it("the test table has 7 + 18 + 9 rows", () => {
    expect(TABLE).toHaveLength(34)
  })

  it.each(TABLE)("%s → %s", (contractType, nsiType) => {
    expect(nsiTypeForContractType(contractType)).toBe(nsiType)
  })

  it.each([
    "acc",
    "Acc",
    "fbd-b",
    "Fbd-B",
    "dnr-k",
    "FBD",
    "FBD-",
    "FBD-XX",
    "DNR-",
    "DNR-XX",
    "CRS01",
    "",
    " ACC",
    "ACC ",
    "ACC\n",
    "toString",
    "__proto__",
    "constructor",
    "hasOwnProperty"
  ])("unknown or wrong-case %j → undefined", (contractType) => {
    expect(nsiTypeForContractType(contractType)).toBeUndefined()
  })

  it("CONTRACT_TYPES lists exactly the §6.2 codes", () => {
    expect([...CONTRACT_TYPES].sort()).toEqual(TABLE.map(([c]) => c).sort())
    expect(new Set(CONTRACT_TYPES).size).toBe(34)
  })
})
