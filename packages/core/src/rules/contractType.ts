/**
 * Contract type → NSI type (spec §6.2).
 *
 * R&M sends the contract type code on `PUT /probation-case/{crn}/referrals` (§4.1); the NSI created for the referral
 * gets the `R_NSI_TYPE.CODE` below. Matching is exact and case-sensitive (the reference uses a plain map lookup), and a
 * value outside the table is an error for the caller to report (decision Q5: 400 `Unexpected contract type: X`).
 * Operations can add regional contracts without a release (`CONTRACT_TYPE_NSI_TYPES`, see `parseContractTypeMappings`).
 */

import { Either, Option } from "effect"

/** The §6.2 table, in the spec's order. A `Map` (not an object) so that `toString`, `__proto__` … never match. */
const CONTRACT_TYPE_NSI_TYPE: ReadonlyMap<string, string> = new Map<string, string>([
  ["ACC", "CRS01"],
  ["ETE", "CRS02"],
  ["MTR", "CRS03"],
  ["DNR", "CRS04"],
  ["PWB", "CRS05"],
  ["WOS", "CRS06"],
  ["WSM", "CRS07"],
  // The 19 Finance, Benefit and Debt regional contracts (§6.2).
  ["FBD-B", "CRS08"],
  ["FBD-BU", "CRS08"],
  ["FBD-EM", "CRS08"],
  ["FBD-M", "CRS08"],
  ["FBD-R", "CRS08"],
  ["FBD-WM", "CRS08"],
  ["FBD-L", "CRS08"],
  ["FBD-SA", "CRS08"],
  ["FBD-SC", "CRS08"],
  ["FBD-SP", "CRS08"],
  ["FBD-NE", "CRS08"],
  ["FBD-SW", "CRS08"],
  ["FBD-TA", "CRS08"],
  ["FBD-TR", "CRS08"],
  ["FBD-W", "CRS08"],
  ["FBD-WI", "CRS08"],
  ["FBD-Y", "CRS08"],
  ["FBD-NW", "CRS08"],
  // Finance, Benefit and Debt (Oldham): a live R&M contract missing from the reference's table (§6.2).
  ["FBD-O", "CRS08"],
  // The 9 regional Dependency and Recovery contracts share the DNR NSI type (§6.2).
  ["DNR-K", "CRS04"],
  ["DNR-L", "CRS04"],
  ["DNR-NE", "CRS04"],
  ["DNR-Y", "CRS04"],
  ["DNR-NEN", "CRS04"],
  ["DNR-SC", "CRS04"],
  ["DNR-SY", "CRS04"],
  ["DNR-WM", "CRS04"],
  ["DNR-SW", "CRS04"]
])

/** Every contract type code of §6.2 (35 codes), in table order. */
export const CONTRACT_TYPES: ReadonlyArray<string> = Array.from(CONTRACT_TYPE_NSI_TYPE.keys())

/**
 * §6.2: the NSI type code for a contract type, or none when the contract type is not in the table (case-sensitive, no
 * trimming — `acc` and ` ACC` are unknown, as in the reference).
 */
export const nsiTypeForContractType = (contractType: string): Option.Option<string> =>
  Option.fromNullable(CONTRACT_TYPE_NSI_TYPE.get(contractType))

/**
 * `CONTRACT_TYPE_NSI_TYPES`: extra §6.2 rows as `CONTRACT=NSI_TYPE` pairs separated by commas, e.g.
 * `FBD-XX=CRS08,DNR-ZZ=CRS04` (blanks around entries ignored; an empty value adds nothing). Codes are kept as written
 * (matching stays exact and case-sensitive). Left: what is malformed, naming the entry.
 */
export const parseContractTypeMappings = (text: string): Either.Either<ReadonlyMap<string, string>, string> => {
  const mappings = new Map<string, string>()
  for (const raw of text.split(",")) {
    const entry = raw.trim()
    if (entry === "") continue
    const [contractType, nsiType, ...rest] = entry.split("=")
    if (
      contractType === undefined ||
      nsiType === undefined ||
      rest.length > 0 ||
      !CODE.test(contractType) ||
      !CODE.test(nsiType)
    )
      return Either.left(`malformed entry ${JSON.stringify(entry)} (expected CONTRACT_TYPE=NSI_TYPE)`)
    const existing = mappings.get(contractType) ?? CONTRACT_TYPE_NSI_TYPE.get(contractType)
    if (existing !== undefined && existing !== nsiType) {
      return Either.left(`entry ${JSON.stringify(entry)} maps ${contractType}, already mapped to ${existing}`)
    }
    mappings.set(contractType, nsiType)
  }
  return Either.right(mappings)
}

/** One side of a `CONTRACT=NSI_TYPE` entry: no blanks. */
const CODE = /^\S+$/

/** The §6.2 lookup over the built-in table plus `extra` (from `parseContractTypeMappings`). */
export const contractTypeLookup =
  (extra: ReadonlyMap<string, string>) =>
  (contractType: string): Option.Option<string> =>
    Option.fromNullable(CONTRACT_TYPE_NSI_TYPE.get(contractType) ?? extra.get(contractType))
