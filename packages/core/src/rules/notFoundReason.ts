/**
 * Diagnostic "reason" texts attached to rejections (spec §5.4 ReferralNotFoundException, §7.5 step 1
 * AppointmentNotFoundException). They only feed telemetry, but R&M support reads them, so the wording is exact.
 */

/**
 * §7.5 step 1, evaluated in this order (first match wins):
 * - no NSI row for CRN + referral URN (soft-deleted NSIs included) → `Unknown`;
 * - contact flag null and NSI active flag 0 → `NSI terminated, likely a future appointment deleted`;
 * - contact flag null → `Contact hard deleted or not yet present`;
 * - contact flag 0 → `Created with outcome using merge appointment at the same time`;
 * - contact flag 1 → `Contact soft deleted`;
 * - NSI active 0 → `NSI terminated`; NSI active null → `NSI cannot be determined`; else `Unknown`.
 * The last three are only reachable with an unexpected `SOFT_DELETED` value (neither 0, 1 nor null); kept for
 * fidelity. `contactSoftDeleted` is the flag of the contact matched by CRN + appointment URN or by `CONTACT_ID` =
 * deliusId, null when there is none.
 */
export const appointmentNotFoundReason = (input: {
  readonly nsiFound: boolean
  readonly nsiActiveFlag: number | null
  readonly contactSoftDeleted: number | null
}): string => {
  const { contactSoftDeleted: contact, nsiActiveFlag: active } = input
  if (!input.nsiFound) return "Unknown"
  if (contact === null && active === 0) return "NSI terminated, likely a future appointment deleted"
  if (contact === null) return "Contact hard deleted or not yet present"
  if (contact === 0) return "Created with outcome using merge appointment at the same time"
  if (contact === 1) return "Contact soft deleted"
  if (active === 0) return "NSI terminated"
  if (active === null) return "NSI cannot be determined"
  return "Unknown"
}

/**
 * §7.5 step 1 `reasonDetail`: `NSI last updated by {USER_.DISTINGUISHED_NAME}`; Kotlin prints an unknown value (no NSI
 * row, or no user) as `null`.
 */
export const appointmentNotFoundReasonDetail = (nsiLastUpdatedBy: string | null): string =>
  `NSI last updated by ${nsiLastUpdatedBy ?? "null"}`

/**
 * §5.4 rejected case: `NSI cannot be determined` when there is no NSI row at all for CRN + URN (soft-deleted rows
 * included), `NSI soft deleted` when the row exists with `SOFT_DELETED`=1, otherwise `Unknown`.
 */
export const referralNotFoundReason = (input: {
  readonly nsiRowExists: boolean
  readonly nsiSoftDeleted: boolean
}): string => (!input.nsiRowExists ? "NSI cannot be determined" : input.nsiSoftDeleted ? "NSI soft deleted" : "Unknown")
