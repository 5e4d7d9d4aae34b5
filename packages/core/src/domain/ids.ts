/** Identifiers shared by every feature (spec §2.3, §8): R&M's UUIDs and the Delius row ids R&M holds. */
import { Schema } from "effect"

/** A UUID as R&M sends it, held lower-case canonical (URNs match exactly, §2.3). */
export const Uuid = Schema.UUID.pipe(
  Schema.transform(Schema.String, { strict: true, decode: (s) => s.toLowerCase(), encode: (s) => s })
)

/** `CONTACT.CONTACT_ID` — what R&M holds as an appointment's `deliusId`. */
export const ContactId = Schema.Int.pipe(Schema.brand("ContactId"))
export type ContactId = typeof ContactId.Type

/** `NSI.NSI_ID` — the Delius record of a referral. */
export const NsiId = Schema.Int.pipe(Schema.brand("NsiId"))
export type NsiId = typeof NsiId.Type
