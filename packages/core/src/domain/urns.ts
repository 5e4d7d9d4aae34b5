/** The external references R&M's records are matched by in Delius (`EXTERNAL_REFERENCE`, spec §2.3). */

/** The URN of a referral, on its NSI. */
export const referralUrn = (referralId: string) => `urn:hmpps:interventions-referral:${referralId}`

/** The URN of an appointment, on its contact. */
export const appointmentUrn = (appointmentId: string) => `urn:hmpps:interventions-appointment:${appointmentId}`
