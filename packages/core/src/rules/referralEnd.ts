/**
 * Referral end → NSI outcome (spec §5.4 step 3–4, §6.5 step 3, §6.6, decision Q9).
 *
 * Enum values are case-sensitive (§2.1): an unknown `deliveryState`, `withdrawalCode` or `withdrawalState` fails
 * deserialisation in the reference, so the `is…` guards below match exact upper-case names only.
 */

/** §5.4 `additionalInformation.deliveryState`. */
export type ReferralEndType = "CANCELLED" | "PREMATURELY_ENDED" | "COMPLETED"
export const REFERRAL_END_TYPES: ReadonlyArray<ReferralEndType> = ["CANCELLED", "PREMATURELY_ENDED", "COMPLETED"]

/** §5.4 sent referral `withdrawalState`; decides the pre-/post-ICA column of §6.6. */
export type WithdrawalState = "PRE_ICA_WITHDRAWAL" | "POST_ICA_WITHDRAWAL" | "POST_ICA_CLOSE_REFERRAL_EARLY"
export const WITHDRAWAL_STATES: ReadonlyArray<WithdrawalState> = [
  "PRE_ICA_WITHDRAWAL",
  "POST_ICA_WITHDRAWAL",
  "POST_ICA_CLOSE_REFERRAL_EARLY"
]

/** §6.6 sent referral `withdrawalCode` (13 codes). */
export type WithdrawalCode =
  "INE" | "MIS" | "NOT" | "NEE" | "MOV" | "WOR" | "USE" | "ACQ" | "RET" | "SER" | "SEE" | "EAR" | "ANO"

/** End-type NSI outcome codes (§5.4 step 3, §6.4). */
export type EndTypeOutcome = "CRS01" | "CRS02" | "CRS03"

/** Withdrawal NSI outcome codes (§6.6). `NSi4` really has a lower-case `i` — it matches the Delius reference data. */
export type WithdrawalOutcome =
  | "NSI1"
  | "NSI2"
  | "NSI3"
  | "NSi4"
  | "NSI5"
  | "NSI6"
  | "NSI7"
  | "NSI8"
  | "NSI9"
  | "NSI10"
  | "NSI11"
  | "NSI12"
  | "NSI13"
  | "CRS01"

/** §6.6 table: code → [pre-ICA outcome, post-ICA outcome]. */
const WITHDRAWAL_TABLE: { readonly [K in WithdrawalCode]: readonly [WithdrawalOutcome, WithdrawalOutcome] } = {
  INE: ["NSI1", "NSI1"], // Ineligible Referral
  MIS: ["NSI2", "NSI2"], // Mistaken or duplicate referral
  NOT: ["NSI11", "NSI12"], // Not engaged
  NEE: ["NSI7", "NSI8"], // Needs met through another route
  MOV: ["NSI5", "NSI6"], // Moved out of service area
  WOR: ["NSI3", "NSi4"], // Work or caring responsibilities — lower-case i on purpose
  USE: ["NSI5", "NSI6"], // User died
  ACQ: ["NSI5", "NSI6"], // Acquitted on appeal
  RET: ["NSI5", "NSI6"], // Returned to custody
  SER: ["NSI5", "NSI6"], // Sentence revoked
  SEE: ["NSI9", "NSI10"], // Sentence expired
  EAR: ["NSI13", "NSI13"], // Intervention has been completed
  ANO: ["CRS01", "CRS01"] // Another reason
}

/** All 13 withdrawal codes of §6.6, in table order. */
export const WITHDRAWAL_CODES: ReadonlyArray<WithdrawalCode> = Object.keys(WITHDRAWAL_TABLE) as Array<WithdrawalCode>

const END_TYPE_OUTCOME: { readonly [K in ReferralEndType]: EndTypeOutcome } = {
  CANCELLED: "CRS01",
  PREMATURELY_ENDED: "CRS02",
  COMPLETED: "CRS03"
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

/** Exact (case-sensitive) enum-name check, §2.1. */
export const isReferralEndType = (value: string): value is ReferralEndType => has(END_TYPE_OUTCOME, value)
/** Exact (case-sensitive) enum-name check, §2.1. */
export const isWithdrawalState = (value: string): value is WithdrawalState =>
  (WITHDRAWAL_STATES as ReadonlyArray<string>).includes(value)
/** Exact (case-sensitive) enum-name check, §2.1. */
export const isWithdrawalCode = (value: string): value is WithdrawalCode => has(WITHDRAWAL_TABLE, value)

/** §5.4 step 3: CANCELLED → CRS01, PREMATURELY_ENDED → CRS02, COMPLETED → CRS03. */
export const endTypeOutcome = (endType: ReferralEndType): EndTypeOutcome => END_TYPE_OUTCOME[endType]

/**
 * §6.6: the NSI outcome for a withdrawal reason. The pre-ICA column applies to `PRE_ICA_WITHDRAWAL`; both post-ICA
 * states (`POST_ICA_WITHDRAWAL`, `POST_ICA_CLOSE_REFERRAL_EARLY`) use the post-ICA column.
 */
export const withdrawalOutcome = (code: WithdrawalCode, state: WithdrawalState): WithdrawalOutcome => {
  const [pre, post] = WITHDRAWAL_TABLE[code]
  return state === "PRE_ICA_WITHDRAWAL" ? pre : post
}

/**
 * §6.5 step 3: the outcome code written to the NSI. The withdrawal outcome wins only when one was computed **and** the
 * withdrawal-reason feature is enabled (decision Q9: configuration `FEATURE_REFERRAL_WITHDRAWAL_REASON`, default true);
 * otherwise the end-type outcome. "Absent" means `undefined` — the caller has already turned an empty `withdrawalCode`
 * into "no withdrawal outcome" (§16).
 */
export const terminationOutcomeCode = (input: {
  readonly endType: ReferralEndType
  readonly withdrawalOutcome: string | undefined
  readonly withdrawalReasonEnabled: boolean
}): string =>
  input.withdrawalOutcome !== undefined && input.withdrawalReasonEnabled
    ? input.withdrawalOutcome
    : endTypeOutcome(input.endType)
