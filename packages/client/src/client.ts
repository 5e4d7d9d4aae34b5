import { expandPath, type OperationId, type PathVariables } from "./operations.js"
import { makeTransport, type RamDeliusClientOptions } from "./transport.js"
import type {
  AppointmentMerged,
  CaseDetails,
  Convictions,
  DeliveryUnit,
  Identifiers,
  ManagedCases,
  MergeAppointment,
  OfficeLocation,
  ReferralStarted,
  ResponsibleOfficer,
  SingleConviction,
  UserAccess,
  UserDetails
} from "./types.js"

/**
 * One method per operation of the API (spec §4.1–§4.11), named after it. Each resolves with the answer's body, or
 * rejects with `RamDeliusApiError` for any non-2xx answer (404 included) and for no answer at all.
 */
export interface RamDeliusClient {
  /** Find or create the referral's NSI; idempotent on `body.referralId` (client-contract.md §2.2). */
  putReferral(crn: string, body: ReferralStarted): Promise<void>
  /** Create, reschedule or record the outcome of an appointment; 409 means it clashes with another one. */
  putAppointment(crn: string, referralId: string, body: MergeAppointment): Promise<AppointmentMerged>
  /** 404 when the person has no community manager. */
  getResponsibleOfficer(crn: string): Promise<ResponsibleOfficer>
  /** Always answers: an unknown CRN has no `nomsId`. */
  getIdentifiers(crn: string): Promise<Identifiers>
  /** 404 (with no body) for an unknown CRN. */
  getCaseDetails(crn: string): Promise<CaseDetails>
  getConvictions(crn: string): Promise<Convictions>
  /** `convictionId` is the Delius event id; 404 when it is not this person's. */
  getConviction(crn: string, convictionId: number | string): Promise<SingleConviction>
  getOfficeLocations(): Promise<ReadonlyArray<OfficeLocation>>
  getProbationDeliveryUnits(): Promise<ReadonlyArray<DeliveryUnit>>
  getManagedCases(username: string): Promise<ManagedCases>
  /** 404 (with no body) for a user the directory does not know. */
  getUserDetails(username: string): Promise<UserDetails>
  /** Exclusions and restrictions for 1 to 500 CRNs, one entry per CRN. */
  getUserAccess(username: string, crns: ReadonlyArray<string>): Promise<UserAccess>
}

export const createRamDeliusClient = (options: RamDeliusClientOptions): RamDeliusClient => {
  const send = makeTransport(options)
  // async, so a refused path variable rejects the call's promise rather than throwing from the method.
  const call = async <T>(operation: OperationId, variables?: PathVariables, body?: unknown): Promise<T> =>
    (await send({ operation, path: expandPath(operation, variables), body })) as T
  return {
    putReferral: (crn, body) => call<undefined>("putReferral", { crn }, body),
    putAppointment: (crn, referralId, body) => call("putAppointment", { crn, referralId }, body),
    getResponsibleOfficer: (crn) => call("getResponsibleOfficer", { crn }),
    getIdentifiers: (crn) => call("getIdentifiers", { crn }),
    getCaseDetails: (crn) => call("getCaseDetails", { crn }),
    getConvictions: (crn) => call("getConvictions", { crn }),
    getConviction: (crn, convictionId) => call("getConviction", { crn, convictionId }),
    getOfficeLocations: () => call("getOfficeLocations"),
    getProbationDeliveryUnits: () => call("getProbationDeliveryUnits"),
    getManagedCases: (username) => call("getManagedCases", { username }),
    getUserDetails: (username) => call("getUserDetails", { username }),
    getUserAccess: (username, crns) => call("getUserAccess", { username }, crns)
  }
}
