import { openApiDocument } from "@ram-delius/http-koa"
import { describe, expect, it } from "vitest"
import { operations } from "../src/index.js"

/**
 * The client has one method per operation of the API: its operation table (method and path of each) is the API's,
 * as the server's own OpenAPI document lists it — nothing missing, nothing extra. Path variable names may differ
 * (`{convictionId}` is the server's `{id}`); the health and queue-admin endpoints are not the API's callers' business.
 */

const normalise = (path: string) => path.replace(/\{\w+\}/g, "{}")

const apiOperations = () => {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>
  return Object.entries(paths)
    .filter(
      ([path]) => !path.startsWith("/queue-admin") && !path.startsWith("/health") && !["/info", "/ping"].includes(path)
    )
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${normalise(path)}`))
}

describe("the operation table", () => {
  it("is the API of the server's OpenAPI document, the access check by POST (fetch sends no GET body)", () => {
    const client = Object.values(operations).map((o) => `${o.method} ${normalise(o.path)}`)
    const api = apiOperations().filter((operation) => operation !== "GET /users/{}/access")
    expect([...client].sort()).toEqual([...api].sort())
    expect(apiOperations()).toContain("GET /users/{}/access")
  })

  it("marks the reads, and only them, as safe to retry", () => {
    const reads = Object.entries(operations)
      .filter(([, o]) => o.idempotentRead)
      .map(([id]) => id)
    expect(reads.sort()).toEqual(
      Object.keys(operations)
        .filter((id) => id.startsWith("get"))
        .sort()
    )
  })
})
