import { describe, expect, it } from "vitest"
import {
  appointmentNotFoundReason,
  appointmentNotFoundReasonDetail,
  referralNotFoundReason
} from "../../src/rules/index.js"

describe("appointmentNotFoundReason (§7.5 step 1)", () => {
  const ACTIVE: ReadonlyArray<number | null> = [0, 1, null]
  const CONTACT: ReadonlyArray<number | null> = [null, 0, 1]

  it.each(ACTIVE.flatMap((a) => CONTACT.map((c) => [a, c] as const)))(
    "no NSI row → Unknown (nsiActive %s, contact %s)",
    (nsiActiveFlag, contactSoftDeleted) => {
      expect(appointmentNotFoundReason({ nsiFound: false, nsiActiveFlag, contactSoftDeleted })).toBe("Unknown")
    }
  )

  it.each([
    [0, null, "NSI terminated, likely a future appointment deleted"],
    [1, null, "Contact hard deleted or not yet present"],
    [null, null, "Contact hard deleted or not yet present"],
    [0, 0, "Created with outcome using merge appointment at the same time"],
    [1, 0, "Created with outcome using merge appointment at the same time"],
    [null, 0, "Created with outcome using merge appointment at the same time"],
    [0, 1, "Contact soft deleted"],
    [1, 1, "Contact soft deleted"],
    [null, 1, "Contact soft deleted"],
    // Only reachable with an unexpected SOFT_DELETED value; kept for fidelity with the reference's `when`.
    [0, 2, "NSI terminated"],
    [null, 2, "NSI cannot be determined"],
    [1, 2, "Unknown"]
  ] as const)("NSI found, nsiActive %s, contact soft-deleted %s → %s", (nsiActiveFlag, contactSoftDeleted, reason) => {
    expect(appointmentNotFoundReason({ nsiFound: true, nsiActiveFlag, contactSoftDeleted })).toBe(reason)
  })

  it.each([
    ["uid=jsmith,ou=Users,dc=moj,dc=com", "NSI last updated by uid=jsmith,ou=Users,dc=moj,dc=com"],
    [null, "NSI last updated by null"]
  ])("reasonDetail for %s", (dn, expected) => {
    expect(appointmentNotFoundReasonDetail(dn)).toBe(expected)
  })
})

describe("referralNotFoundReason (§5.4)", () => {
  it.each([
    [false, false, "NSI cannot be determined"],
    [false, true, "NSI cannot be determined"],
    [true, true, "NSI soft deleted"],
    [true, false, "Unknown"]
  ])("row exists %s, soft deleted %s → %s", (nsiRowExists, nsiSoftDeleted, reason) => {
    expect(referralNotFoundReason({ nsiRowExists, nsiSoftDeleted })).toBe(reason)
  })
})
