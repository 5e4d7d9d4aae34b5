import { createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"
import { CaseReads } from "@ram-delius/core"
import { Effect, Layer } from "effect"
import Koa from "koa"
import { describe, expect, it } from "vitest"
import { createRoutes, DEFAULT_API_ROLES } from "../src/index.js"
import {
  type AuthServer,
  coreLayer,
  coreRuntime,
  jwksAuth,
  request,
  startTestServer,
  type TestDatabase,
  type TestServer,
  useSeededServer
} from "./support/harness.js"

/** The host around the endpoints: health and info, OpenAPI, routing errors, bodies, logs, embedding and shutdown. */

let db: TestDatabase
let auth: AuthServer
let server: TestServer
let token: string
useSeededServer((fixture) => ({ db, auth, server, token } = fixture))

describe("health and info (client-contract §6)", () => {
  it("/health: UP with the database component and build details", async () => {
    const response = await request(server, "GET", "/health")
    expect(response.status).toBe(200)
    expect(response.json).toEqual({
      status: "UP",
      components: { db: { status: "UP" } },
      build: { buildNumber: "dev", gitRef: "unknown" },
      version: "dev",
      uptime: expect.any(Number)
    })
  })

  it("/health includes extra components (the queue consumer when both hosts run); one DOWN makes it 503", async () => {
    let queue: { status: "UP" | "DOWN"; consumer?: unknown } = { status: "UP", consumer: { received: 3, succeeded: 3 } }
    const withQueue = await startTestServer({
      layer: coreLayer(db.url),
      auth: jwksAuth(auth),
      healthComponents: { queue: async () => queue }
    })
    try {
      const up = await request(withQueue, "GET", "/health/readiness")
      expect(up.status).toBe(200)
      expect(up.json).toEqual({
        status: "UP",
        components: { db: { status: "UP" }, queue: { status: "UP", consumer: { received: 3, succeeded: 3 } } }
      })
      queue = { status: "DOWN" }
      const down = await request(withQueue, "GET", "/health/readiness")
      expect(down.status).toBe(503)
      expect(down.json).toEqual({ status: "DOWN", components: { db: { status: "UP" }, queue: { status: "DOWN" } } })
    } finally {
      await withQueue.close()
    }
  })

  it("/health/readiness, /health/liveness, /health/ping, /ping", async () => {
    expect((await request(server, "GET", "/health/readiness")).json).toEqual({
      status: "UP",
      components: { db: { status: "UP" } }
    })
    for (const path of ["/health/liveness", "/health/ping", "/ping"]) {
      const response = await request(server, "GET", path)
      expect(response.status).toBe(200)
      expect(response.json).toEqual({ status: "UP" })
    }
  })

  it("/info, with the Node version serving (24: npm scripts run the pinned node devDependency)", async () => {
    const response = await request(server, "GET", "/info")
    expect(response.json).toEqual({
      git: { branch: "unknown", ref: "unknown" },
      build: { artifact: "refer-and-monitor-and-delius", version: "dev", name: "refer-and-monitor-and-delius" },
      productId: "HMPPS518",
      runtime: { node: process.version },
      uptime: expect.any(Number),
      // The operational block: this test process's configuration (the embedded defaults).
      operational: {
        environment: "local",
        readOnly: false,
        consumer: { enabled: true, queue: "refer-and-monitor-and-delius-queue" },
        database: { dialect: "sqlite", host: "./data/delius.sqlite" },
        hmppsAuthUrl: null,
        detailUrls: ["http://localhost:8091", "http://127.0.0.1:8091"],
        contractTypesMapped: expect.any(Number)
      }
    })
    expect(process.version).toMatch(/^v24\./)
  })
})

describe("/v3/api-docs", () => {
  it("an OpenAPI 3.1 document of every endpoint, generated from core's Schemas, with every $ref resolvable", async () => {
    const response = await request(server, "GET", "/v3/api-docs")
    expect(response.status).toBe(200)
    const doc = response.json
    expect(doc.openapi).toBe("3.1.0")
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/office-locations",
      "/probation-case/{crn}/convictions",
      "/probation-case/{crn}/convictions/{id}",
      "/probation-case/{crn}/details",
      "/probation-case/{crn}/identifiers",
      "/probation-case/{crn}/referrals",
      "/probation-case/{crn}/referrals/{referralId}/appointments",
      "/probation-case/{crn}/responsible-officer",
      "/probation-delivery-units",
      "/queue-admin/get-dlq-messages/{dlqName}",
      "/queue-admin/purge-queue/{queueName}",
      "/queue-admin/retry-all-dlqs",
      "/queue-admin/retry-dlq/{dlqName}",
      "/users/{username}/access",
      "/users/{username}/details",
      "/users/{username}/managed-cases"
    ])
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT"
    })
    const schemas = doc.components.schemas
    expect(schemas.ReferralStarted.required).toEqual(["referralId", "startedAt", "contractType", "sentenceId", "notes"])
    // Unknown request properties are ignored (§2.1), so request schemas allow them.
    expect(schemas.ReferralStarted.additionalProperties).toBeUndefined()
    expect(schemas.MergeAppointment.properties.outcome).toBeDefined()
    expect(schemas.ErrorBody.required).toEqual(["status", "message"])
    expect(
      doc.paths["/probation-case/{crn}/referrals/{referralId}/appointments"].put.responses["409"].content[
        "application/json"
      ].schema
    ).toEqual({
      $ref: "#/components/schemas/ErrorBody"
    })
    // 409 is the §7.2 clash only; inconsistent Delius data is a documented 500 (client-contract §2.3).
    const merge = doc.paths["/probation-case/{crn}/referrals/{referralId}/appointments"].put.responses
    expect(merge["409"].description).toBe(
      "The appointment clashes with an existing future appointment (§7.2); used for nothing else"
    )
    expect(merge["500"].description).toContain("more than one NSI has the referral's URN (§6.3 step 1)")
    expect(merge["500"].description).toContain("more than one active office location has the code (§7.1 step 4)")
    expect(merge["500"].description).toContain("the contact to outcome has no NSI (§4.2)")
    const started = doc.paths["/probation-case/{crn}/referrals"].put.responses
    expect(started["409"]).toBeUndefined()
    expect(started["500"].description).toContain("more than one NSI has the referral's URN")
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!)
    expect(refs.length).toBeGreaterThan(10)
    for (const ref of refs) expect(schemas[ref.replace("#/components/schemas/", "")], ref).toBeDefined()
  })
})

describe("routing errors", () => {
  it("an unknown route → 404 with the error body", async () => {
    const response = await request(server, "GET", "/no/such/thing", { token })
    expect(response.status).toBe(404)
    expect(response.json).toEqual({ status: 404, message: "No resource for GET /no/such/thing" })
  })

  it("a known route with the wrong method → 405 with Allow and the error body", async () => {
    const response = await request(server, "DELETE", "/probation-case/T140223/referrals", { token })
    expect(response.status).toBe(405)
    expect(response.headers.allow).toBe("PUT")
    expect(response.json).toEqual({
      status: 405,
      message: "Method DELETE not allowed for /probation-case/T140223/referrals"
    })
  })

  it("a defect in core → 500 with a generic message; the detail is logged with the request id", async () => {
    const broken = await startTestServer({
      layer: Layer.merge(
        coreLayer(db.url),
        Layer.succeed(CaseReads, {
          officeLocations: Effect.die(new Error("boom: a bug in core"))
        } as unknown as CaseReads["Type"])
      ),
      auth: jwksAuth(auth)
    })
    try {
      const response = await request(broken, "GET", "/office-locations", {
        token,
        headers: { "x-request-id": "defect-1" }
      })
      expect(response.status).toBe(500)
      expect(response.json).toEqual({ status: 500, message: "Internal server error" })
      expect(response.text).not.toContain("boom")
      const logged = broken.logs.find((l) => l.type === "error" && l.requestId === "defect-1")
      expect(String(logged?.detail)).toContain("boom: a bug in core")
    } finally {
      await broken.close()
    }
  })
})

describe("request bodies", () => {
  const path = "/probation-case/S123456/referrals"

  it("larger than 1 MiB → 413, whether declared or streamed", async () => {
    const declared = await request(server, "PUT", path, {
      token,
      raw: JSON.stringify({ notes: "x".repeat(2 * 1024 * 1024) })
    })
    expect(declared.status).toBe(413)
    expect(declared.json).toEqual({ status: 413, message: "Request body larger than 1048576 bytes" })

    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}${path}`,
        {
          method: "PUT",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            "transfer-encoding": "chunked"
          }
        },
        (res) => {
          let body = ""
          res.on("data", (c: Buffer) => (body += c.toString()))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
        }
      )
      req.on("error", reject)
      for (let i = 0; i < 24; i++) req.write("x".repeat(64 * 1024))
      req.end()
    })
    expect(streamed.status).toBe(413)
    expect(JSON.parse(streamed.body)).toEqual({ status: 413, message: "Request body larger than 1048576 bytes" })
  })

  it("not JSON → 415; not UTF-8, or nested absurdly deep → 400", async () => {
    const xml = await request(server, "PUT", path, {
      token,
      raw: "<referral/>",
      headers: { "content-type": "application/xml" }
    })
    expect(xml.status).toBe(415)
    expect(xml.json).toEqual({
      status: 415,
      message: "Content type 'application/xml' not supported; send application/json"
    })
    const binary = await request(server, "PUT", path, { token, raw: new Uint8Array([0x22, 0xff, 0x22]) })
    expect(binary.json).toEqual({ status: 400, message: "Malformed JSON request body: not UTF-8" })
    const deep = await request(server, "PUT", path, { token, raw: "[".repeat(100_000) + "]".repeat(100_000) })
    expect(deep.json).toEqual({ status: 400, message: "Malformed JSON request body: nested deeper than 32 levels" })
  })
})

describe("request logs", () => {
  it("one JSON line per request with method, path, status, durationMs and the request id (kept or generated)", async () => {
    const kept = await request(server, "GET", "/probation-case/T140223/identifiers?x=1", {
      token,
      headers: { "x-request-id": "r-123" }
    })
    expect(kept.headers["x-request-id"]).toBe("r-123")
    expect(server.logs).toContainEqual({
      level: "info",
      type: "request",
      method: "GET",
      path: "/probation-case/T140223/identifiers",
      status: 200,
      durationMs: expect.any(Number),
      requestId: "r-123"
    })
    const replaced = await request(server, "GET", "/ping", { headers: { "x-request-id": "not an id, with spaces" } })
    expect(replaced.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe("embedding: createRoutes in another team's Koa app", () => {
  it("serves this service's paths and passes every other path on, untouched", async () => {
    const runtime = coreRuntime(db.url)
    await runtime.runtime()
    const logs: Array<unknown> = []
    const app = new Koa()
    app.use(async (ctx, next) => {
      if (ctx.path === "/their-own") ctx.body = { theirs: true }
      else await next()
    })
    app.use(
      createRoutes({ runtime, auth: { ...jwksAuth(auth), acceptedRoles: DEFAULT_API_ROLES }, log: (l) => logs.push(l) })
    )
    app.use((ctx) => {
      ctx.body = "their fallback"
    })
    const host = createServer(app.callback())
    await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve))
    const embedded = { url: `http://127.0.0.1:${(host.address() as AddressInfo).port}` }
    try {
      expect((await request(embedded, "GET", "/their-own")).json).toEqual({ theirs: true })
      expect((await request(embedded, "GET", "/ping")).json).toEqual({ status: "UP" })
      expect((await request(embedded, "GET", "/probation-case/T140223/identifiers", { token })).json).toEqual({
        crn: "T140223",
        nomsId: "A1234YZ"
      })
      expect((await request(embedded, "GET", "/probation-case/T140223/identifiers")).status).toBe(401)
      expect((await request(embedded, "DELETE", "/probation-case/T140223/referrals", { token })).status).toBe(405)
      expect((await request(embedded, "GET", "/somewhere/else")).text).toBe("their fallback")
      // Only this service's requests are logged by it.
      expect(logs).toHaveLength(4)
    } finally {
      await new Promise((resolve) => host.close(resolve))
      await runtime.dispose()
    }
  })
})

describe("graceful shutdown", () => {
  it("stops accepting, lets the in-flight request finish, then disposes the runtime it owns", async () => {
    let disposed = false
    const layer = Layer.merge(
      coreLayer(db.url),
      Layer.scopedDiscard(Effect.addFinalizer(() => Effect.sync(() => (disposed = true))))
    )
    const stopping = await startTestServer({ layer, auth: jwksAuth(auth) })
    // An in-flight request: headers sent, body still arriving.
    let answered: { status: number; body: string } | undefined
    const inFlight = new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        `${stopping.url}/users/john-smith/access`,
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            "transfer-encoding": "chunked"
          }
        },
        (res) => {
          let body = ""
          res.on("data", (c: Buffer) => (body += c.toString()))
          res.on("end", () => {
            answered = { status: res.statusCode ?? 0, body }
            resolve()
          })
        }
      )
      req.on("error", reject)
      req.write('["T140223"')
      setTimeout(() => req.end("]"), 300)
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    let closed = false
    const closing = stopping.close().then(() => (closed = true))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(closed).toBe(false)
    await expect(fetch(`${stopping.url}/ping`)).rejects.toThrow()
    await inFlight
    await closing
    expect(answered?.status).toBe(200)
    expect(JSON.parse(answered!.body)).toEqual({
      access: [{ crn: "T140223", userExcluded: false, userRestricted: false }]
    })
    expect(disposed).toBe(true)
    expect(stopping.logs.at(-1)).toMatchObject({ type: "stop" })
  })
})
