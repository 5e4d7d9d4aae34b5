/**
 * Factories for every response body of the API, for the consumers' own tests: each returns a fresh object that the
 * server could have sent (the package's tests decode every one with the server's Schemas), with any field replaced
 * by `overrides`. An override of `undefined` leaves the field out, as the server does with a field that has no value.
 */
import type {
  AppointmentMerged,
  CaseAccess,
  CaseDetails,
  Conviction,
  Convictions,
  DeliveryUnit,
  ErrorBody,
  Identifiers,
  ManagedCases,
  Manager,
  OfficeLocation,
  ResponsibleOfficer,
  SingleConviction,
  UserAccess,
  UserDetails
} from "../types.js"

/** `Partial<T>` whose fields may also be `undefined` (to leave them out), with or without exactOptionalPropertyTypes. */
export type Overrides<T> = { [K in keyof T]?: T[K] | undefined }

const build = <T extends object>(defaults: T, overrides: Overrides<T> = {}): T => {
  const result: Record<string, unknown> = { ...defaults, ...overrides }
  for (const key of Object.keys(result)) if (result[key] === undefined) delete result[key]
  return result as T
}

export const officeLocation = (overrides?: Overrides<OfficeLocation>): OfficeLocation =>
  build(
    {
      code: "TESTONE",
      description: "Test One office",
      address: { buildingName: "Test One", streetName: "Mantle Place", town: "Sheffield", postcode: "MP1 1PM" },
      telephoneNumber: "020 123 6789",
      provider: { code: "CRS", description: "Commissioned Rehabilitative Services" }
    },
    overrides
  )

export const manager = (overrides?: Overrides<Manager>): Manager =>
  build(
    {
      code: "N01RMT1",
      name: { forename: "John", surname: "Smith" },
      username: "john-smith",
      email: "john.smith@example.gov.uk",
      telephoneNumber: "07321 165373",
      responsibleOfficer: true,
      pdu: { code: "PDU01", description: "Sheffield" },
      team: { code: "N01PRO", description: "Sheffield Probation Team", email: "sheffield.team@example.gov.uk" },
      officeLocations: [{ code: "DEFAULT", description: "Sheffield office" }],
      unallocated: false
    },
    overrides
  )

export const responsibleOfficer = (overrides?: Overrides<ResponsibleOfficer>): ResponsibleOfficer =>
  build({ communityManager: manager() }, overrides)

export const identifiers = (overrides?: Overrides<Identifiers>): Identifiers =>
  build({ crn: "X123456", nomsId: "A1234BC" }, overrides)

export const caseDetails = (overrides?: Overrides<CaseDetails>): CaseDetails =>
  build(
    {
      crn: "X123456",
      name: { forename: "Alex", surname: "River" },
      dateOfBirth: "1985-04-12",
      gender: "Male",
      profile: { primaryLanguage: "English", ethnicity: "White: British", religion: "No Religion", disabilities: [] },
      contactDetails: {
        noFixedAbode: false,
        mainAddress: { buildingNumber: "7", streetName: "Park Road", town: "Sheffield", postcode: "S1 2AB" },
        telephoneNumber: "0114 496 0000",
        mobileNumber: "07700 900000",
        emailAddress: "alex.river@example.com"
      }
    },
    overrides
  )

export const conviction = (overrides?: Overrides<Conviction>): Conviction =>
  build(
    {
      id: 2500443138,
      date: "2024-01-15",
      sentence: { description: "ORA Community Order", expectedEndDate: "2025-01-14" },
      mainOffence: { category: "Theft", subCategory: "Theft from a shop" },
      active: true
    },
    overrides
  )

export const convictions = (overrides?: Overrides<Convictions>): Convictions =>
  build({ caseDetail: caseDetails(), convictions: [conviction()] }, overrides)

export const singleConviction = (overrides?: Overrides<SingleConviction>): SingleConviction =>
  build({ caseDetail: caseDetails(), conviction: conviction() }, overrides)

export const deliveryUnit = (overrides?: Overrides<DeliveryUnit>): DeliveryUnit =>
  build({ code: "PDU01", description: "Sheffield", region: { code: "N02", description: "Yorkshire" } }, overrides)

export const managedCases = (overrides?: Overrides<ManagedCases>): ManagedCases =>
  build({ managedCases: [{ crn: "X123456", nomsId: "A1234BC" }] }, overrides)

export const userDetails = (overrides?: Overrides<UserDetails>): UserDetails =>
  build(
    { username: "john-smith", name: { forename: "John", surname: "Smith" }, email: "john.smith@example.gov.uk" },
    overrides
  )

export const caseAccess = (overrides?: Overrides<CaseAccess>): CaseAccess =>
  build({ crn: "X123456", userExcluded: false, userRestricted: false }, overrides)

export const userAccess = (overrides?: Overrides<UserAccess>): UserAccess =>
  build({ access: [caseAccess()] }, overrides)

export const appointmentMerged = (overrides?: Overrides<AppointmentMerged>): AppointmentMerged =>
  build({ appointmentId: 1824573422 }, overrides)

export const errorBody = (overrides?: Overrides<ErrorBody>): ErrorBody =>
  build({ status: 404, message: "Person with crn of X123456 not found" }, overrides)
