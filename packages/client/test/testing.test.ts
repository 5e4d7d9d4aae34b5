import { CaseSchemas } from "@ram-delius/core"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { createRamDeliusClient, type Fetch, type OperationId, operations, RamDeliusApiError } from "../src/index.js"
import * as testing from "../src/testing/index.js"

/**
 * `@ram-delius/client/testing`: every factory's output, and every WireMock mapping's body, is what the server could
 * answer — it decodes with the server's Schema, with no property the Schema does not know. And a mapping matches the
 * request the client sends for its operation (WireMock's matching of `method`, `urlPath` / `urlPathPattern` and
 * `bodyPatterns.equalToJson`, done here by hand).
 */

const strict = (schema: Schema.Schema.Any, value: unknown) =>
  Schema.decodeUnknownSync(schema as Schema.Schema<unknown, unknown>, { onExcessProperty: "error" })(value)

/** The server answers `{"appointmentId": n}` (its type is checked against core's merge in types.test.ts). */
const AppointmentMerged = Schema.Struct({ appointmentId: Schema.Int })
const ErrorBody = Schema.Struct({
  status: Schema.Int,
  message: Schema.String,
  fields: Schema.optional(Schema.Array(Schema.Struct({ field: Schema.String, message: Schema.String })))
})

const successSchemas: Record<OperationId, Schema.Schema.Any | undefined> = {
  putReferral: undefined,
  putAppointment: AppointmentMerged,
  getResponsibleOfficer: CaseSchemas.ResponsibleOfficer,
  getIdentifiers: CaseSchemas.Identifiers,
  getCaseDetails: CaseSchemas.CaseDetail,
  getConvictions: CaseSchemas.Convictions,
  getConviction: CaseSchemas.SingleConviction,
  getOfficeLocations: Schema.Array(CaseSchemas.OfficeLocation),
  getProbationDeliveryUnits: Schema.Array(CaseSchemas.DeliveryUnit),
  getManagedCases: CaseSchemas.ManagedCases,
  getUserDetails: CaseSchemas.UserDetails,
  getUserAccess: CaseSchemas.UserAccess
}

describe("factories", () => {
  const cases: ReadonlyArray<[string, () => unknown, Schema.Schema.Any]> = [
    ["officeLocation", testing.officeLocation, CaseSchemas.OfficeLocation],
    ["manager", testing.manager, CaseSchemas.Manager],
    ["responsibleOfficer", testing.responsibleOfficer, CaseSchemas.ResponsibleOfficer],
    ["identifiers", testing.identifiers, CaseSchemas.Identifiers],
    ["caseDetails", testing.caseDetails, CaseSchemas.CaseDetail],
    ["conviction", testing.conviction, CaseSchemas.Conviction],
    ["convictions", testing.convictions, CaseSchemas.Convictions],
    ["singleConviction", testing.singleConviction, CaseSchemas.SingleConviction],
    ["deliveryUnit", testing.deliveryUnit, CaseSchemas.DeliveryUnit],
    ["managedCases", testing.managedCases, CaseSchemas.ManagedCases],
    ["userDetails", testing.userDetails, CaseSchemas.UserDetails],
    ["caseAccess", testing.caseAccess, CaseSchemas.CaseAccess],
    ["userAccess", testing.userAccess, CaseSchemas.UserAccess],
    ["appointmentMerged", testing.appointmentMerged, AppointmentMerged],
    ["errorBody", testing.errorBody, ErrorBody]
  ]

  it.each(cases)("%s() decodes with the server's Schema", (_, factory, schema) => {
    expect(() => strict(schema, factory())).not.toThrow()
  })

  it("there is a factory for every response type, and nothing else is exported as one", () => {
    const exported = Object.entries(testing)
      .filter(([name, value]) => typeof value === "function" && !name.startsWith("stub"))
      .map(([name]) => name)
    expect(exported.sort()).toEqual(cases.map(([name]) => name).sort())
  })

  it("overrides replace a field, undefined leaves an optional one out, and each call is a fresh object", () => {
    const details = testing.caseDetails({ crn: "A000001", profile: undefined })
    expect(details.crn).toBe("A000001")
    expect("profile" in details).toBe(false)
    expect(() => strict(CaseSchemas.CaseDetail, details)).not.toThrow()
    const officer = testing.responsibleOfficer({
      prisonManager: testing.manager({ code: "P01", responsibleOfficer: true })
    })
    expect(officer.prisonManager?.code).toBe("P01")
    expect(() => strict(CaseSchemas.ResponsibleOfficer, officer)).not.toThrow()
    expect(testing.caseDetails()).not.toBe(testing.caseDetails())
    expect(testing.caseDetails().name).not.toBe(testing.caseDetails().name)
  })
})

describe("WireMock mappings", () => {
  it("stubAll: one success mapping per operation, whose body decodes with the server's Schema", () => {
    const mappings = testing.stubAll()
    expect(mappings.map((m) => m.request.method)).toEqual(Object.values(operations).map((o) => o.method))
    const ids = Object.keys(operations) as Array<OperationId>
    for (const [i, mapping] of mappings.entries()) {
      const operation = ids[i]!
      const schema = successSchemas[operation]
      if (schema === undefined) {
        expect(mapping.response).toEqual({ status: 204 })
      } else {
        expect(mapping.response.status).toBe(200)
        expect(mapping.response.headers).toEqual({ "Content-Type": "application/json" })
        expect(() => strict(schema, mapping.response.jsonBody), operation).not.toThrow()
      }
    }
  })

  it("the path variables given are in the body and the exact urlPath; the missing ones match any segment", () => {
    expect(testing.stubFor("getCaseDetails", { crn: "X000001" })).toEqual({
      request: { method: "GET", urlPath: "/probation-case/X000001/details" },
      response: {
        status: 200,
        headers: { "Content-Type": "application/json" },
        jsonBody: testing.caseDetails({ crn: "X000001" })
      }
    })
    const conviction = testing.stubFor("getConviction", { convictionId: 7, urlPrefix: "/delius/" })
    expect(conviction.request).toEqual({ method: "GET", urlPathPattern: "/delius/probation-case/[^/]+/convictions/7" })
    expect((conviction.response.jsonBody as { conviction: { id: number } }).conviction.id).toBe(7)
    const access = testing.stubFor("getUserAccess", { username: "john-smith", crns: ["X1", "X2"] })
    expect(access.request).toEqual({
      method: "POST",
      urlPath: "/users/john-smith/access",
      bodyPatterns: [{ equalToJson: ["X1", "X2"] }]
    })
    expect(() => strict(CaseSchemas.UserAccess, access.response.jsonBody)).not.toThrow()
    expect((access.response.jsonBody as { access: Array<{ crn: string }> }).access.map((a) => a.crn)).toEqual([
      "X1",
      "X2"
    ])
  })

  it("error mappings answer the API's error body, except the 404s that have none", () => {
    const clash = testing.stubFor("putAppointment", { status: 409 })
    expect(clash.response).toEqual({
      status: 409,
      headers: { "Content-Type": "application/json" },
      jsonBody: { status: 409, message: "Stubbed 409 for putAppointment" }
    })
    expect(() => strict(ErrorBody, clash.response.jsonBody)).not.toThrow()
    expect(testing.stubFor("getCaseDetails", { status: 404 }).response).toEqual({ status: 404 })
    expect(testing.stubFor("getUserDetails", { status: 404 }).response).toEqual({ status: 404 })
    const custom = testing.stubFor("getResponsibleOfficer", {
      status: 404,
      error: { status: 404, message: "Person with crn of X1 not found" }
    })
    expect(custom.response.jsonBody).toEqual({ status: 404, message: "Person with crn of X1 not found" })
  })
})

/** WireMock's request matching, for the parts the mappings use. */
const matches = (mapping: testing.WireMockMapping, method: string, url: string, body: string | undefined) => {
  const { pathname } = new URL(url)
  const request = mapping.request
  const pathMatches =
    request.urlPath !== undefined
      ? pathname === request.urlPath
      : new RegExp(`^${request.urlPathPattern}$`).test(pathname)
  const bodyMatches = (request.bodyPatterns ?? []).every(
    (pattern) => JSON.stringify(JSON.parse(body ?? "null")) === JSON.stringify(pattern.equalToJson)
  )
  return request.method === method && pathMatches && bodyMatches
}

/** A transport answering from WireMock mappings (the most recent matching one wins, as in WireMock). */
const fromMappings =
  (mappings: ReadonlyArray<testing.WireMockMapping>): Fetch =>
  async (url, init) => {
    const mapping = [...mappings].reverse().find((m) => matches(m, init.method, url, init.body))
    const text = mapping?.response.jsonBody === undefined ? "" : JSON.stringify(mapping.response.jsonBody)
    return { status: mapping?.response.status ?? 404, headers: { get: () => null }, text: async () => text }
  }

describe("the client against its own stubs", () => {
  it("every method is answered by stubAll's mapping for its operation", async () => {
    const client = createRamDeliusClient({
      baseUrl: "http://wiremock:8080",
      getToken: () => "t",
      fetch: fromMappings(testing.stubAll())
    })
    await expect(client.putReferral("X1", {} as never)).resolves.toBeUndefined()
    await expect(client.putAppointment("X1", "r", {} as never)).resolves.toEqual(testing.appointmentMerged())
    await expect(client.getResponsibleOfficer("X1")).resolves.toEqual(testing.responsibleOfficer())
    await expect(client.getIdentifiers("X1")).resolves.toEqual(testing.identifiers())
    await expect(client.getCaseDetails("X1")).resolves.toEqual(testing.caseDetails())
    await expect(client.getConvictions("X1")).resolves.toEqual(testing.convictions())
    await expect(client.getConviction("X1", 1)).resolves.toEqual(testing.singleConviction())
    await expect(client.getOfficeLocations()).resolves.toEqual([testing.officeLocation()])
    await expect(client.getProbationDeliveryUnits()).resolves.toEqual([testing.deliveryUnit()])
    await expect(client.getManagedCases("u")).resolves.toEqual(testing.managedCases())
    await expect(client.getUserDetails("u")).resolves.toEqual(testing.userDetails())
    await expect(client.getUserAccess("u", ["X1"])).resolves.toEqual(testing.userAccess())
  })

  it("a more specific stub added later wins, and its error reaches the caller as RamDeliusApiError", async () => {
    const mappings = [
      ...testing.stubAll({ urlPrefix: "/rd" }),
      testing.stubFor("getCaseDetails", { crn: "X404", status: 404, urlPrefix: "/rd" })
    ]
    const client = createRamDeliusClient({
      baseUrl: "http://wiremock:8080/rd",
      getToken: () => "t",
      fetch: fromMappings(mappings)
    })
    await expect(client.getCaseDetails("X1")).resolves.toMatchObject({ crn: "X123456" })
    const error = await client.getCaseDetails("X404").catch((e: unknown) => e)
    expect(RamDeliusApiError.is(error) && { status: error.status, body: error.body }).toEqual({ status: 404, body: "" })
  })
})
