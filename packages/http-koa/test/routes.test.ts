import { describe, expect, it } from "vitest"
import { apiOperations, openApiDocument, operations } from "../src/index.js"
import { request, type TestServer, useSeededServer } from "./support/harness.js"

/**
 * The operation table is the one place a route is declared: the OpenAPI document lists exactly its operations, and
 * the server routes and guards each of them (spec §3.2: no token → 401), with its parameters decoded as declared.
 */

let server: TestServer
let token: string
useSeededServer((fixture) => {
  server = fixture.server
  token = fixture.token
})

const concrete = (path: string) =>
  path
    .replace("{crn}", "X320741")
    .replace("{referralId}", "f56c5f7c-632f-4cad-a1b3-693541cb5f22")
    .replace("{id}", "2500295343")
    .replace("{username}", "JoeBloggs")

describe("the operation table", () => {
  it("is what the OpenAPI document lists: every path and method, nothing else", () => {
    const documented = Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`)
    )
    const declared = Object.values(operations).flatMap((operation) =>
      operation.methods.map((method) => `${method} ${operation.path}`)
    )
    expect(documented.sort()).toEqual(declared.sort())
  })

  it.each(
    Object.entries(apiOperations).flatMap(([id, operation]) =>
      operation.methods.map((method) => [id, method, concrete(operation.path)] as const)
    )
  )("%s: %s %s is routed and needs a token", async (_, method, path) => {
    const response = await request(server, method.toUpperCase(), path)
    expect(response.status).toBe(401)
    expect(response.json).toEqual({ status: 401, message: "Authentication required: no bearer token" })
  })

  it("declares which operations write to Delius: the two PUTs", () => {
    const writes = Object.entries(operations)
      .filter(([, operation]) => operation.writesDelius)
      .map(([id]) => id)
    expect(writes.sort()).toEqual(["putAppointment", "putReferral"])
  })

  it("decodes path parameters as declared: a non-numeric event id and a non-UUID referral id are 400s", async () => {
    const conviction = await request(server, "GET", "/probation-case/X320741/convictions/12ab", { token })
    expect(conviction.json).toEqual({ status: 400, message: "Path variable id must be a number, was '12ab'" })
    const appointment = await request(server, "PUT", "/probation-case/X320741/referrals/not-a-uuid/appointments", {
      token,
      body: {}
    })
    expect(appointment.json).toEqual({
      status: 400,
      message: "Path variable referralId must be a UUID, was 'not-a-uuid'"
    })
  })
})
