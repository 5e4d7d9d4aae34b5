/**
 * WireMock stub mappings (WireMock's JSON mapping format: `request` + `response`) for each operation, the way HMPPS
 * UIs stub the APIs they call in their integration tests: POST each one to WireMock's `/__admin/mappings`. Paths come
 * from the client's own operation table, and the default bodies from the factories, so a stub answers what the real
 * service would.
 */
import { type OperationId, operations } from "../operations.js"
import type {
  AppointmentMerged,
  CaseDetails,
  Convictions,
  DeliveryUnit,
  ErrorBody,
  Identifiers,
  ManagedCases,
  OfficeLocation,
  ResponsibleOfficer,
  SingleConviction,
  UserAccess,
  UserDetails
} from "../types.js"
import * as factories from "./factories.js"

export interface WireMockMapping {
  readonly priority?: number
  readonly request: {
    readonly method: string
    readonly urlPath?: string
    readonly urlPathPattern?: string
    readonly bodyPatterns?: ReadonlyArray<Readonly<Record<string, unknown>>>
  }
  readonly response: {
    readonly status: number
    readonly headers?: Readonly<Record<string, string>>
    readonly jsonBody?: unknown
  }
}

/** The success body of each operation (`undefined`: no body). */
export interface ResponseBodies {
  readonly putReferral: undefined
  readonly putAppointment: AppointmentMerged
  readonly getResponsibleOfficer: ResponsibleOfficer
  readonly getIdentifiers: Identifiers
  readonly getCaseDetails: CaseDetails
  readonly getConvictions: Convictions
  readonly getConviction: SingleConviction
  readonly getOfficeLocations: ReadonlyArray<OfficeLocation>
  readonly getProbationDeliveryUnits: ReadonlyArray<DeliveryUnit>
  readonly getManagedCases: ManagedCases
  readonly getUserDetails: UserDetails
  readonly getUserAccess: UserAccess
}

/** The path variables of each operation; one left out matches any value. */
export interface StubVariables {
  readonly putReferral: { readonly crn?: string }
  readonly putAppointment: { readonly crn?: string; readonly referralId?: string }
  readonly getResponsibleOfficer: { readonly crn?: string }
  readonly getIdentifiers: { readonly crn?: string }
  readonly getCaseDetails: { readonly crn?: string }
  readonly getConvictions: { readonly crn?: string }
  readonly getConviction: { readonly crn?: string; readonly convictionId?: number | string }
  readonly getOfficeLocations: object
  readonly getProbationDeliveryUnits: object
  readonly getManagedCases: { readonly username?: string }
  readonly getUserDetails: { readonly username?: string }
  /** `crns`: match only a request for exactly these CRNs. */
  readonly getUserAccess: { readonly username?: string; readonly crns?: ReadonlyArray<string> }
}

export type StubOptions<Op extends OperationId> = StubVariables[Op] & {
  /** The answer's status (default 204 for putReferral, else 200). A non-2xx status answers `error`. */
  readonly status?: number
  /** The success body (default: the factory's, with the path variables filled in). */
  readonly body?: ResponseBodies[Op]
  /** The error body of a non-2xx status (default `{status, message}`; none for the 404s that have none). */
  readonly error?: ErrorBody | null
  /** Where the API is mounted in WireMock, e.g. `/refer-and-monitor-and-delius`. */
  readonly urlPrefix?: string
  readonly priority?: number
}

type Variables = Readonly<Record<string, unknown>>

const text = (vars: Variables, name: string) => (typeof vars[name] === "string" ? (vars[name] as string) : undefined)

const defaultBody = (operation: OperationId, vars: Variables): unknown => {
  const crn = text(vars, "crn")
  const username = text(vars, "username")
  const withCrn = crn === undefined ? {} : { crn }
  switch (operation) {
    case "putReferral":
      return undefined
    case "putAppointment":
      return factories.appointmentMerged()
    case "getResponsibleOfficer":
      return factories.responsibleOfficer()
    case "getIdentifiers":
      return factories.identifiers(withCrn)
    case "getCaseDetails":
      return factories.caseDetails(withCrn)
    case "getConvictions":
      return factories.convictions({ caseDetail: factories.caseDetails(withCrn) })
    case "getConviction": {
      const id = Number(vars.convictionId)
      const conviction = factories.conviction(Number.isSafeInteger(id) ? { id } : {})
      return factories.singleConviction({ caseDetail: factories.caseDetails(withCrn), conviction })
    }
    case "getOfficeLocations":
      return [factories.officeLocation()]
    case "getProbationDeliveryUnits":
      return [factories.deliveryUnit()]
    case "getManagedCases":
      return factories.managedCases()
    case "getUserDetails":
      return factories.userDetails(username === undefined ? {} : { username })
    case "getUserAccess": {
      const crns = vars.crns as ReadonlyArray<string> | undefined
      return crns === undefined ? factories.userAccess() : { access: crns.map((c) => factories.caseAccess({ crn: c })) }
    }
  }
}

/** The 404s the server answers with no body at all (spec §4.5, §4.10). */
const EMPTY_404: ReadonlyArray<OperationId> = ["getCaseDetails", "getUserDetails"]

const escapeRegex = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** The operation's path with the given variables filled in; when one is missing, a pattern matching any value. */
const urlOf = (operation: OperationId, vars: Variables, prefix: string) => {
  const parts = `${prefix}${operations[operation].path}`.split(/(\{\w+\})/)
  const value = (part: string) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1]
    return name === undefined
      ? { literal: part }
      : vars[name] === undefined
        ? undefined
        : { literal: encodeURIComponent(String(vars[name])) }
  }
  const values = parts.map(value)
  return values.every((v) => v !== undefined)
    ? { urlPath: values.map((v) => v.literal).join("") }
    : { urlPathPattern: values.map((v) => (v === undefined ? "[^/]+" : escapeRegex(v.literal))).join("") }
}

const responseBody = (operation: OperationId, vars: Variables & StubOptions<OperationId>, status: number): unknown => {
  if (status >= 200 && status <= 299) return "body" in vars ? vars.body : defaultBody(operation, vars)
  if (vars.error !== undefined) return vars.error
  if (status === 404 && EMPTY_404.includes(operation)) return undefined
  return factories.errorBody({ status, message: `Stubbed ${status} for ${operation}` })
}

/** The mapping of one operation: the request it matches and the answer it gives. */
export const stubFor = <Op extends OperationId>(operation: Op, options?: StubOptions<Op>): WireMockMapping => {
  const vars = (options ?? {}) as Variables & StubOptions<OperationId>
  const crns = operation === "getUserAccess" ? (vars.crns as ReadonlyArray<string> | undefined) : undefined
  const status = vars.status ?? (operation === "putReferral" ? 204 : 200)
  const body = responseBody(operation, vars, status)
  return {
    ...(vars.priority === undefined ? {} : { priority: vars.priority }),
    request: {
      method: operations[operation].method,
      ...urlOf(operation, vars, (vars.urlPrefix ?? "").replace(/\/+$/, "")),
      ...(crns === undefined ? {} : { bodyPatterns: [{ equalToJson: crns }] })
    },
    response:
      body === undefined || body === null
        ? { status }
        : { status, headers: { "Content-Type": "application/json" }, jsonBody: body }
  }
}

/** A success mapping for every operation, matching any path variables: a WireMock that answers like the service. */
export const stubAll = (options: { readonly urlPrefix?: string } = {}): ReadonlyArray<WireMockMapping> =>
  (Object.keys(operations) as ReadonlyArray<OperationId>).map((operation) => stubFor(operation, options))
