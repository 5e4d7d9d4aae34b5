/**
 * The wire types of the API, as plain TypeScript: what the server accepts (requests) and what it answers (responses),
 * field for field. They are the encoded side of the core Schemas the server decodes and encodes with; the client's
 * type tests (test/types.check.ts) compare the two in both directions, so a field renamed, added or made optional in
 * core fails this package's typecheck. Fields the server leaves out when they have no value (nulls are omitted, spec
 * §2.1) are optional here; none of them is ever `null` in a response.
 */

// --- requests -------------------------------------------------------------------------------------------------------

/** Body of `PUT /probation-case/{crn}/referrals` (spec §4.1, client-contract.md §2.2). */
export interface ReferralStarted {
  /** R&M's referral id (a UUID): the NSI is found or created by the URN made from it, so the PUT is idempotent. */
  readonly referralId: string
  /** ISO-8601 date-time with `Z` or an offset, 0–9 fraction digits. */
  readonly startedAt: string
  /** The contract type code, e.g. `ACC`, `ETE`, `FBD-L`; an unknown code is a 400. */
  readonly contractType: string
  /** The Delius event id of the sentence. */
  readonly sentenceId: number
  readonly notes: string
}

/** `outcome` of an appointment recorded with its attendance (client-contract.md §2.3). */
export interface AppointmentOutcome {
  /** `YES`, `LATE` or `NO` (read case-insensitively). */
  readonly attended: string
  readonly didSessionHappen?: boolean | null
  readonly noSessionReasonType?: "LOGISTICS" | "POP_ACCEPTABLE" | "POP_UNACCEPTABLE" | null
  /** An older name of `notifyProbationPractitionerOfBehaviour`; when both are sent, `notify` wins. */
  readonly notify?: boolean | null
  /** Whether the probation practitioner must be told about the person's behaviour. */
  readonly notifyProbationPractitionerOfBehaviour?: boolean | null
}

/** Body of `PUT /probation-case/{crn}/referrals/{referralId}/appointments` (spec §4.2, client-contract.md §2.3). */
export interface MergeAppointment {
  /** The id (a UUID) the appointment has after this call. */
  readonly id: string
  /** The referral (a UUID); this one is used, not the path's. */
  readonly referralId: string
  readonly referralReference: string
  /** ISO-8601 date-time; a start in the past needs an `outcome` (else 400). */
  readonly start: string
  /** 0 to 1440; 0 when absent. */
  readonly durationInMinutes?: number
  readonly notes?: string | null
  /** An office location code, or `CRSEXTL` (or null) when the appointment is not at an office. */
  readonly officeLocationCode?: string | null
  /** `true` for a delivery session (a RAR activity), `false` for a supplier assessment; `false` when absent. */
  readonly countsTowardsRar?: boolean
  readonly outcome?: AppointmentOutcome | null
  readonly sentenceId?: number | null
  /** The appointment being replaced (a reschedule). */
  readonly previousId?: string | null
  /** The Delius contact id of the appointment being replaced. */
  readonly deliusId?: number | null
  /** `Service Provider` (or absent) when the provider asked for the reschedule; anything else: the person did. */
  readonly rescheduleRequestedBy?: string | null
}

// --- responses ------------------------------------------------------------------------------------------------------

/** Answer of the appointment PUT: the Delius contact id of the appointment that now represents the session. */
export interface AppointmentMerged {
  readonly appointmentId: number
}

export interface Name {
  readonly forename: string
  readonly surname: string
}

export interface CodeDescription {
  readonly code: string
  readonly description: string
}

export interface Address {
  readonly buildingName?: string
  readonly buildingNumber?: string
  readonly streetName?: string
  readonly district?: string
  readonly town?: string
  readonly county?: string
  readonly postcode?: string
}

export interface OfficeLocation {
  readonly code: string
  readonly description: string
  readonly address?: Address
  readonly telephoneNumber?: string
  /** Present on the items of `GET /office-locations`. */
  readonly provider?: CodeDescription
}

export interface Team {
  readonly code: string
  readonly description: string
  readonly email?: string
  readonly telephoneNumber?: string
}

export interface Manager {
  readonly code: string
  readonly name: Name
  readonly username?: string
  readonly email?: string
  readonly telephoneNumber?: string
  readonly responsibleOfficer: boolean
  readonly pdu?: CodeDescription
  readonly team?: Team
  readonly officeLocations?: ReadonlyArray<OfficeLocation>
  readonly unallocated: boolean
}

/** `GET /probation-case/{crn}/responsible-officer` (spec §4.3). */
export interface ResponsibleOfficer {
  readonly communityManager: Manager
  readonly prisonManager?: Manager
}

/** `GET /probation-case/{crn}/identifiers` (spec §4.4). */
export interface Identifiers {
  readonly crn: string
  readonly nomsId?: string
}

export interface Disability {
  readonly type: string
  /** `yyyy-MM-dd`. */
  readonly startDate?: string
  readonly notes?: string
}

export interface Profile {
  readonly primaryLanguage?: string
  readonly ethnicity?: string
  readonly religion?: string
  readonly disabilities?: ReadonlyArray<Disability>
}

export interface ContactDetails {
  readonly noFixedAbode: boolean
  readonly mainAddress?: Address
  readonly emailAddress?: string
  readonly telephoneNumber?: string
  readonly mobileNumber?: string
}

/** `GET /probation-case/{crn}/details` (spec §4.5). */
export interface CaseDetails {
  readonly crn: string
  readonly name: Name
  /** `yyyy-MM-dd`. */
  readonly dateOfBirth?: string
  readonly gender?: string
  readonly profile?: Profile
  readonly contactDetails: ContactDetails
}

export interface Conviction {
  /** The Delius event id. */
  readonly id: number
  /** `yyyy-MM-dd`. */
  readonly date?: string
  readonly sentence: { readonly description: string; readonly expectedEndDate?: string }
  readonly mainOffence: { readonly category: string; readonly subCategory: string }
  readonly active: boolean
}

/** `GET /probation-case/{crn}/convictions` (spec §4.6): the active convictions. */
export interface Convictions {
  readonly caseDetail: CaseDetails
  readonly convictions: ReadonlyArray<Conviction>
}

/** `GET /probation-case/{crn}/convictions/{id}` (spec §4.6). */
export interface SingleConviction {
  readonly caseDetail: CaseDetails
  readonly conviction: Conviction
}

/** An item of `GET /probation-delivery-units` (spec §4.8). */
export interface DeliveryUnit {
  readonly code: string
  readonly description: string
  readonly region: CodeDescription
}

/** `GET /users/{username}/managed-cases` (spec §4.9). */
export interface ManagedCases {
  readonly managedCases: ReadonlyArray<{ readonly crn: string; readonly nomsId?: string }>
}

/** `GET /users/{username}/details` (spec §4.10). */
export interface UserDetails {
  readonly username: string
  readonly name: Name
  readonly email?: string
}

export interface CaseAccess {
  readonly crn: string
  readonly userExcluded: boolean
  readonly userRestricted: boolean
  readonly exclusionMessage?: string
  readonly restrictionMessage?: string
}

/** `POST /users/{username}/access` (spec §4.11): one entry per CRN asked about. */
export interface UserAccess {
  readonly access: ReadonlyArray<CaseAccess>
}

// --- errors ---------------------------------------------------------------------------------------------------------

export interface FieldError {
  /** The field's path in the request body (`outcome.attended`), or `body` for the body as a whole. */
  readonly field: string
  readonly message: string
}

/** The body of every error answer (spec §2.4), except the two 404s that have none (§4.5, §4.10). */
export interface ErrorBody {
  readonly status: number
  readonly message: string
  /** For an invalid request body: one entry per bad field. */
  readonly fields?: ReadonlyArray<FieldError>
}
