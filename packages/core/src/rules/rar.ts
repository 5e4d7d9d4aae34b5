/**
 * RAR (Rehabilitation Activity Requirement) day count (spec §7.7).
 *
 * Only called when the NSI is linked to a requirement of main category `F`; the caller passes that NSI's contacts.
 */

export interface RarContact {
  readonly contactDate: string
  /** `CONTACT.RAR_ACTIVITY`: 'Y' | 'N' | null */
  readonly rarActivity: string | null
  readonly softDeleted: number
  /** `CONTACT.ATTENDED`: 'Y' | 'N' | null */
  readonly attended: string | null
  /** `CONTACT.COMPLIED`: 'Y' | 'N' | null */
  readonly complied: string | null
}

/**
 * §7.7: `NSI.RAR_COUNT` = number of **distinct contact dates** among contacts with `RAR_ACTIVITY`='Y', not soft
 * deleted, `ATTENDED` null or 'Y' and `COMPLIED` null or 'Y' (a not-yet-outcomed future RAR appointment counts).
 */
export const rarCount = (contacts: ReadonlyArray<RarContact>): number => {
  const dates = new Set<string>()
  for (const c of contacts) {
    if (c.rarActivity !== "Y" || c.softDeleted !== 0) continue
    if (c.attended !== null && c.attended !== "Y") continue
    if (c.complied !== null && c.complied !== "Y") continue
    dates.add(c.contactDate.slice(0, 10))
  }
  return dates.size
}
