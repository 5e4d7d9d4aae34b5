/**
 * @ram-delius/client — a typed client for the refer-and-monitor-and-delius HTTP API, for the TypeScript services that
 * call it (R&M's UI first). No runtime dependency: the global `fetch` is the default transport.
 */
export { createRamDeliusClient, type RamDeliusClient } from "./client.js"
export { RamDeliusApiError, type RamDeliusApiErrorDetails } from "./errors.js"
export { type HttpMethod, type Operation, type OperationId, operations } from "./operations.js"
export {
  DEFAULT_TIMEOUT_MS,
  type Fetch,
  type FetchInit,
  type FetchResponse,
  type RamDeliusClientOptions,
  type RetryOptions
} from "./transport.js"
export type {
  Address,
  AppointmentMerged,
  AppointmentOutcome,
  CaseAccess,
  CaseDetails,
  CodeDescription,
  ContactDetails,
  Conviction,
  Convictions,
  DeliveryUnit,
  Disability,
  ErrorBody,
  FieldError,
  Identifiers,
  ManagedCases,
  Manager,
  MergeAppointment,
  Name,
  OfficeLocation,
  Profile,
  ReferralStarted,
  ResponsibleOfficer,
  SingleConviction,
  Team,
  UserAccess,
  UserDetails
} from "./types.js"
