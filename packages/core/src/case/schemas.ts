/**
 * Response bodies of the read endpoints (spec §4.3–§4.11). Null values are omitted on the wire (§2.1), so optional
 * fields here are absent rather than null. The HTTP host generates its OpenAPI document from these Schemas.
 */

import { Schema } from "effect"

const opt = Schema.optional

export const Name = Schema.Struct({ forename: Schema.String, surname: Schema.String })
export const CodeDescription = Schema.Struct({ code: Schema.String, description: Schema.String })

export const Address = Schema.Struct({
  buildingName: opt(Schema.String),
  buildingNumber: opt(Schema.String),
  streetName: opt(Schema.String),
  district: opt(Schema.String),
  town: opt(Schema.String),
  county: opt(Schema.String),
  postcode: opt(Schema.String)
}).annotations({ identifier: "Address" })

export const OfficeLocation = Schema.Struct({
  code: Schema.String,
  description: Schema.String,
  address: opt(Address),
  telephoneNumber: opt(Schema.String),
  provider: opt(CodeDescription)
}).annotations({ identifier: "OfficeLocation" })
export type OfficeLocation = typeof OfficeLocation.Type

export const Team = Schema.Struct({
  code: Schema.String,
  description: Schema.String,
  email: opt(Schema.String),
  telephoneNumber: opt(Schema.String)
})

export const Manager = Schema.Struct({
  code: Schema.String,
  name: Name,
  username: opt(Schema.String),
  email: opt(Schema.String),
  telephoneNumber: opt(Schema.String),
  responsibleOfficer: Schema.Boolean,
  pdu: opt(CodeDescription),
  team: opt(Team),
  officeLocations: opt(Schema.Array(OfficeLocation)),
  unallocated: Schema.Boolean
}).annotations({ identifier: "Manager" })
export type Manager = typeof Manager.Type

export const ResponsibleOfficer = Schema.Struct({
  communityManager: Manager,
  prisonManager: opt(Manager)
}).annotations({ identifier: "ResponsibleOfficer" })
export type ResponsibleOfficer = typeof ResponsibleOfficer.Type

export const Identifiers = Schema.Struct({ crn: Schema.String, nomsId: opt(Schema.String) }).annotations({
  identifier: "Identifiers"
})
export type Identifiers = typeof Identifiers.Type

export const Disability = Schema.Struct({
  type: Schema.String,
  startDate: opt(Schema.String),
  notes: opt(Schema.String)
})

export const CaseDetail = Schema.Struct({
  crn: Schema.String,
  name: Name,
  dateOfBirth: opt(Schema.String),
  gender: opt(Schema.String),
  profile: opt(
    Schema.Struct({
      primaryLanguage: opt(Schema.String),
      ethnicity: opt(Schema.String),
      religion: opt(Schema.String),
      disabilities: opt(Schema.Array(Disability))
    })
  ),
  contactDetails: Schema.Struct({
    noFixedAbode: Schema.Boolean,
    mainAddress: opt(Address),
    emailAddress: opt(Schema.String),
    telephoneNumber: opt(Schema.String),
    mobileNumber: opt(Schema.String)
  })
}).annotations({ identifier: "CaseDetail" })
export type CaseDetail = typeof CaseDetail.Type

export const Conviction = Schema.Struct({
  id: Schema.Number,
  date: opt(Schema.String),
  sentence: Schema.Struct({ description: Schema.String, expectedEndDate: opt(Schema.String) }),
  mainOffence: Schema.Struct({ category: Schema.String, subCategory: Schema.String }),
  active: Schema.Boolean
}).annotations({ identifier: "Conviction" })
export type Conviction = typeof Conviction.Type

export const Convictions = Schema.Struct({ caseDetail: CaseDetail, convictions: Schema.Array(Conviction) })
export const SingleConviction = Schema.Struct({ caseDetail: CaseDetail, conviction: Conviction })

export const DeliveryUnit = Schema.Struct({ code: Schema.String, description: Schema.String, region: CodeDescription })
export type DeliveryUnit = typeof DeliveryUnit.Type

export const ManagedCases = Schema.Struct({
  managedCases: Schema.Array(Schema.Struct({ crn: Schema.String, nomsId: opt(Schema.String) }))
})
export type ManagedCases = typeof ManagedCases.Type

export const UserDetails = Schema.Struct({ username: Schema.String, name: Name, email: opt(Schema.String) })
export type UserDetails = typeof UserDetails.Type

export const CaseAccess = Schema.Struct({
  crn: Schema.String,
  userExcluded: Schema.Boolean,
  userRestricted: Schema.Boolean,
  exclusionMessage: opt(Schema.String),
  restrictionMessage: opt(Schema.String)
})
export const UserAccess = Schema.Struct({ access: Schema.Array(CaseAccess) }).annotations({ identifier: "UserAccess" })
export type UserAccess = typeof UserAccess.Type

/** Request body of `/users/{username}/access`: 1 to 500 CRNs (§4.11, §14). */
export const CrnList = Schema.Array(Schema.String)
