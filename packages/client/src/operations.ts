/**
 * The API's operations: method and path template of each, named after the client method that calls it. The client
 * and the WireMock stubs (`@ram-delius/client/testing`) both build their requests from this one table, and the
 * package's tests check it against the server's OpenAPI document, so a path cannot differ between them.
 */

export type HttpMethod = "GET" | "POST" | "PUT"

export interface Operation {
  readonly method: HttpMethod
  /** Path template; `{name}` is a path variable. */
  readonly path: string
  /** Safe to send again after a failure: reads only (the access check is a POST that reads). */
  readonly idempotentRead: boolean
}

const read = (path: string, method: HttpMethod = "GET"): Operation => ({ method, path, idempotentRead: true })
const write = (path: string): Operation => ({ method: "PUT", path, idempotentRead: false })

export const operations = {
  putReferral: write("/probation-case/{crn}/referrals"),
  putAppointment: write("/probation-case/{crn}/referrals/{referralId}/appointments"),
  getResponsibleOfficer: read("/probation-case/{crn}/responsible-officer"),
  getIdentifiers: read("/probation-case/{crn}/identifiers"),
  getCaseDetails: read("/probation-case/{crn}/details"),
  getConvictions: read("/probation-case/{crn}/convictions"),
  getConviction: read("/probation-case/{crn}/convictions/{convictionId}"),
  getOfficeLocations: read("/office-locations"),
  getProbationDeliveryUnits: read("/probation-delivery-units"),
  getManagedCases: read("/users/{username}/managed-cases"),
  getUserDetails: read("/users/{username}/details"),
  // POST, as R&M sends it: the server takes the CRN list on GET too, but fetch cannot send a GET body.
  getUserAccess: read("/users/{username}/access", "POST")
} as const satisfies Readonly<Record<string, Operation>>

export type OperationId = keyof typeof operations

/**
 * The path of `operation` with its variables filled in, each percent-encoded as one path segment. An empty value, `.`
 * or `..` is refused: URL parsing would resolve it (even percent-encoded) into another path of the API.
 */
export type PathVariables = Readonly<Record<string, string | number>>

export const expandPath = (operation: OperationId, variables: PathVariables = {}): string =>
  operations[operation].path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = variables[name]
    const text = value === undefined ? "" : String(value)
    if (text === "" || text === "." || text === "..") {
      throw new TypeError(`${operation}: path variable ${name} must be a non-empty value, was ${JSON.stringify(text)}`)
    }
    return encodeURIComponent(text)
  })
