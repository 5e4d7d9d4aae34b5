import { Either, Option } from "effect"
import { describe, expect, it } from "vitest"
import {
  CONTRACT_TYPES,
  contractTypeLookup,
  nsiTypeForContractType,
  parseContractTypeMappings
} from "../../src/rules/index.js"

// Spec §6.2, written out independently of the implementation.
const TABLE: ReadonlyArray<readonly [string, string]> = [
  ["ACC", "CRS01"],
  ["ETE", "CRS02"],
  ["MTR", "CRS03"],
  ["DNR", "CRS04"],
  ["PWB", "CRS05"],
  ["WOS", "CRS06"],
  ["WSM", "CRS07"],
  ...[
    "FBD-B",
    "FBD-BU",
    "FBD-EM",
    "FBD-M",
    "FBD-R",
    "FBD-WM",
    "FBD-L",
    "FBD-SA",
    "FBD-SC",
    "FBD-SP",
    "FBD-NE",
    "FBD-SW",
    "FBD-TA",
    "FBD-TR",
    "FBD-W",
    "FBD-WI",
    "FBD-Y",
    "FBD-NW",
    "FBD-O"
  ].map((c) => [c, "CRS08"] as const),
  ...["DNR-K", "DNR-L", "DNR-NE", "DNR-Y", "DNR-NEN", "DNR-SC", "DNR-SY", "DNR-WM", "DNR-SW"].map(
    (c) => [c, "CRS04"] as const
  )
]

describe("nsiTypeForContractType (§6.2)", () => {
  it("the test table has 7 + 19 + 9 rows", () => {
    expect(TABLE).toHaveLength(35)
  })

  it.each(TABLE)("%s → %s", (contractType, nsiType) => {
    expect(nsiTypeForContractType(contractType)).toEqual(Option.some(nsiType))
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
  ])("unknown or wrong-case %j → none", (contractType) => {
    expect(nsiTypeForContractType(contractType)).toEqual(Option.none())
  })

  it("CONTRACT_TYPES lists exactly the §6.2 codes", () => {
    expect([...CONTRACT_TYPES].sort()).toEqual(TABLE.map(([c]) => c).sort())
    expect(new Set(CONTRACT_TYPES).size).toBe(35)
  })

  it("FBD-O (Finance, Benefit and Debt (Oldham)) → CRS08", () => {
    expect(nsiTypeForContractType("FBD-O")).toEqual(Option.some("CRS08"))
  })
})

describe("CONTRACT_TYPE_NSI_TYPES (parseContractTypeMappings)", () => {
  it("adds rows to the built-in table; blanks and an empty value are fine", () => {
    const parsed = parseContractTypeMappings(" FBD-XX=CRS08 , DNR-ZZ=CRS04,,")
    expect(parsed).toEqual(
      Either.right(
        new Map([
          ["FBD-XX", "CRS08"],
          ["DNR-ZZ", "CRS04"]
        ])
      )
    )
    const lookup = contractTypeLookup(Either.getOrElse(parsed, () => new Map()))
    expect(lookup("FBD-XX")).toEqual(Option.some("CRS08"))
    expect(lookup("DNR-ZZ")).toEqual(Option.some("CRS04"))
    expect(lookup("ACC")).toEqual(Option.some("CRS01"))
    expect(lookup("fbd-xx")).toEqual(Option.none())
    expect(parseContractTypeMappings("")).toEqual(Either.right(new Map()))
  })

  it.each([
    ["FBD-XX", 'malformed entry "FBD-XX" (expected CONTRACT_TYPE=NSI_TYPE)'],
    ["FBD-XX=", 'malformed entry "FBD-XX=" (expected CONTRACT_TYPE=NSI_TYPE)'],
    ["=CRS08", 'malformed entry "=CRS08" (expected CONTRACT_TYPE=NSI_TYPE)'],
    ["FBD-XX=CRS08=CRS04", 'malformed entry "FBD-XX=CRS08=CRS04" (expected CONTRACT_TYPE=NSI_TYPE)'],
    ["FBD XX=CRS08", 'malformed entry "FBD XX=CRS08" (expected CONTRACT_TYPE=NSI_TYPE)'],
    ["ACC=CRS02", 'entry "ACC=CRS02" maps ACC, already mapped to CRS01'],
    ["FBD-XX=CRS08,FBD-XX=CRS04", 'entry "FBD-XX=CRS04" maps FBD-XX, already mapped to CRS08']
  ])("%j is refused: %s", (text, message) => {
    expect(parseContractTypeMappings(text)).toEqual(Either.left(message))
  })
})
