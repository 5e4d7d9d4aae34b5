import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Layer, Logger, LogLevel, Redacted, Schedule, Schema, TestClock } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { ReferAndMonitorError } from "../src/errors.js"
import {
  ReferAndMonitorClient,
  type ReferAndMonitorClientOptions
} from "../src/refer-and-monitor/ReferAndMonitorClient.js"
import { ReferralSession, SentReferral, SupplierAssessment } from "../src/refer-and-monitor/schemas.js"
import {
  ActionPlanView,
  DeliverySessionView,
  SentReferralView,
  SupplierAssessmentView
} from "../src/refer-and-monitor/ReferralView.js"

/**
 * The client against a real HTTP server on loopback playing HMPPS Auth (`/auth/oauth/token`) and Refer and Monitor
 * (the fixture routes of /work/shared/fixtures/refer-and-monitor-api/routes.json, plus scripted paths).
 */

const fixturesDir = process.env.RAM_FIXTURES_DIR ?? fileURLToPath(new URL("../../../fixtures/", import.meta.url))
const apiDir = `${fixturesDir}/refer-and-monitor-api`

interface Route {
  readonly request: { readonly method: string; readonly url: string }
  readonly response: {
    readonly status: number
    readonly headers?: Record<string, string>
    readonly bodyFileName: string
  }
}
const routes: ReadonlyArray<Route> = JSON.parse(readFileSync(`${apiDir}/routes.json`, "utf8")).mappings
// routes.json also names `fuzzy-search-referral-ended.json`, which the fixtures do not contain: that route is served
// as 404 (and not decoded) here.
const servedRoutes = routes.filter((route) => existsSync(`${apiDir}/${route.response.bodyFileName}`))
const fixture = (name: string): string => readFileSync(`${apiDir}/${name}`, "utf8")
const fixtureJson = (name: string): Record<string, unknown> => JSON.parse(fixture(name))

const CLIENT_ID = "ram-client"
const CLIENT_SECRET = "s3cr3t-value-never-logged"

interface Reply {
  readonly status: number
  readonly body?: string
  /** wait this long before sending the status line and headers */
  readonly delayMs?: number
  /** send the headers and half the body at once, the rest after this long */
  readonly stallBodyMs?: number
}

interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** HMPPS Auth + R&M on one loopback server. */
class FakeServices {
  server!: Server
  baseUrl = ""
  requests: Array<RecordedRequest> = []
  tokensIssued = 0
  expiresIn = 3600
  revoked = new Set<string>()
  /** scripted replies per path, consumed in order; the last one repeats */
  scripted = new Map<string, Array<Reply>>()

  reset() {
    this.requests = []
    this.tokensIssued = 0
    this.expiresIn = 3600
    this.revoked = new Set()
    this.scripted = new Map()
  }

  on(path: string, ...replies: Array<Reply>) {
    this.scripted.set(path, replies)
  }

  requestsTo(path: string) {
    return this.requests.filter((request) => request.path === path)
  }

  get tokenRequests() {
    return this.requestsTo("/auth/oauth/token")
  }

  /** The same token endpoint under another path, as an in-cluster `HMPPS_AUTH_TOKEN_URL` would be. */
  static readonly IN_CLUSTER_TOKEN_PATH = "/in-cluster/auth/oauth/token"

  private nextScripted(path: string): Reply | undefined {
    const replies = this.scripted.get(path)
    if (replies === undefined || replies.length === 0) return undefined
    return replies.length > 1 ? replies.shift() : replies[0]
  }

  private route(method: string, path: string, headers: IncomingHttpHeaders, body: string): Reply {
    const scripted = this.nextScripted(path)
    if (path === "/auth/oauth/token" || path === FakeServices.IN_CLUSTER_TOKEN_PATH) {
      if (scripted !== undefined) return scripted
      const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`
      if (
        method !== "POST" ||
        headers.authorization !== basic ||
        !String(headers["content-type"]).startsWith("application/x-www-form-urlencoded") ||
        body !== "grant_type=client_credentials"
      ) {
        return { status: 401, body: JSON.stringify({ error: "unauthorized", error_description: "Bad credentials" }) }
      }
      const token = `token-${++this.tokensIssued}`
      return {
        status: 200,
        body: JSON.stringify({
          ...fixtureJson("hmpps-auth-token-body.json"),
          access_token: token,
          expires_in: this.expiresIn
        })
      }
    }
    // R&M: a system token is required except on /open/… (client-contract.md §4.6: 401 without a bearer token)
    if (!path.startsWith("/open/")) {
      const token = headers.authorization?.replace(/^Bearer /, "")
      const issued = token !== undefined && /^token-\d+$/.test(token) && Number(token.slice(6)) <= this.tokensIssued
      if (!issued || this.revoked.has(token!)) {
        return { status: 401, body: JSON.stringify({ status: 401, error: "Unauthorized" }) }
      }
    }
    if (scripted !== undefined) return scripted
    const route = servedRoutes.find((r) => r.request.method === method && r.request.url === path)
    if (route !== undefined) return { status: route.response.status, body: fixture(route.response.bodyFileName) }
    return {
      status: 404,
      body: JSON.stringify({ status: 404, error: "Not Found", message: `sent referral not found [path=${path}]` })
    }
  }

  start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const path = req.url ?? "/"
        const body = Buffer.concat(chunks).toString("utf8")
        this.requests.push({ method: req.method ?? "", path, headers: req.headers, body })
        const reply = this.route(req.method ?? "", path, req.headers, body)
        const send = () => {
          if (res.destroyed) return
          const text = reply.body ?? ""
          res.writeHead(reply.status, { "Content-Type": "application/json" })
          if (reply.stallBodyMs === undefined) {
            res.end(text)
          } else {
            res.write(text.slice(0, text.length / 2))
            setTimeout(() => !res.destroyed && res.end(text.slice(text.length / 2)), reply.stallBodyMs)
          }
        }
        if (reply.delayMs === undefined) send()
        else setTimeout(send, reply.delayMs)
      })
    })
    return new Promise((resolve) =>
      this.server.listen(0, "127.0.0.1", () => {
        this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
        resolve()
      })
    )
  }

  stop(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

const services = new FakeServices()
beforeAll(() => services.start())
afterAll(() => services.stop())
beforeEach(() => services.reset())

/** Fast retries (no back-off) and short timeouts so failure cases finish quickly. */
const clientLayer = (options: ReferAndMonitorClientOptions = {}) =>
  ReferAndMonitorClient.layerWith({
    auth: { url: `${services.baseUrl}/auth`, clientId: CLIENT_ID, clientSecret: Redacted.make(CLIENT_SECRET) },
    retrySchedule: Schedule.recurs(2),
    timeouts: { connect: "1 second", read: "1 second" },
    detailUrlOrigins: { origins: [services.baseUrl], set: true },
    ...options
  })

const get = <A, I>(path: string, schema: Schema.Schema<A, I>) =>
  Effect.flatMap(ReferAndMonitorClient, (client) => client.get(`${services.baseUrl}${path}`, schema))

const getError = <A, I>(path: string, schema: Schema.Schema<A, I>) =>
  get(path, schema).pipe(
    Effect.flip,
    Effect.tap((error) => Effect.sync(() => expect(error).toBeInstanceOf(ReferAndMonitorError)))
  )

const sentReferral = (overrides: Record<string, unknown>) =>
  JSON.stringify({ ...fixtureJson("referral-prematurely-ended.json"), ...overrides })
const sessionBody = (overrides: Record<string, unknown>) =>
  JSON.stringify({ ...fixtureJson("session-appointment-feedback-submitted-compliant.json"), ...overrides })

describe("ReferAndMonitorClient against a loopback HMPPS Auth and R&M", () => {
  it.live("decodes every fixture body that routes.json serves", () =>
    Effect.gen(function* () {
      expect(servedRoutes.length).toBeGreaterThanOrEqual(6)
      for (const route of servedRoutes) {
        const url = route.request.url
        const segments = url.split("/")
        if (url === "/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22") {
          const referral = yield* get(url, SentReferral)
          expect(referral).toMatchObject({
            referenceNumber: "FE4536C",
            relevantSentenceId: 0, // missing → 0 (§5.4)
            referral: { serviceProvider: { name: "Special Provider" }, contractTypeName: "string" },
            withdrawalCode: "NEE",
            withdrawalState: "PRE_ICA_WITHDRAWAL"
          })
          expect(referral?.concludedAt?.epochMillis).toBe(Date.parse("2023-02-23T15:29:54.197Z"))
          expect(referral?.endRequestedAt?.epochMillis).toBe(Date.parse("2023-02-22T14:47:12.213Z"))
          expect(referral?.endOfServiceReport?.submittedAt?.epochMillis).toBe(Date.parse("2023-02-23T15:29:54.197Z"))
          expect(referral?.sentAt.epochMillis).toBe(Date.parse("2023-02-14T11:31:49.503Z"))
        } else if (url.startsWith("/sent-referral/") && url.endsWith("/supplier-assessment")) {
          // The reconciliation's reads of R&M's API (ReferralView.ts), served for the dev dataset's referrals.
          expect((yield* get(url, SupplierAssessmentView))?.referralId).toBe(segments[2])
        } else if (url.startsWith("/sent-referral/")) {
          expect((yield* get(url, SentReferralView))?.id).toBe(segments[2])
        } else if (url.startsWith("/action-plan/") && url.endsWith("/appointments")) {
          const sessions = yield* get(url, Schema.Array(DeliverySessionView))
          expect(sessions?.map((s) => s.sessionNumber)).toEqual([1, 2, 3])
        } else if (url.startsWith("/action-plan/")) {
          expect((yield* get(url, ActionPlanView))?.id).toBe(segments[2])
        } else {
          // R&M's session path: /referral/{referralId}/sessions/{sessionNumber}.
          const session = yield* get(url, ReferralSession)
          const raw = JSON.parse(fixture(route.response.bodyFileName))
          expect(segments[3]).toBe("sessions")
          expect(session?.sessionNumber).toBe(Number(segments.at(-1)))
          expect(session?.id).toBe(raw.id)
          expect(session?.appointmentId).toBe(raw.appointmentId)
          expect(session?.deliusAppointmentId).toBe(raw.deliusAppointmentId)
          expect(session?.oldAppointments.length).toBe(raw.oldAppointments.length)
        }
      }
      // one token served all of them
      expect(services.tokensIssued).toBe(1)
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("sends Basic client auth to HMPPS Auth and the bearer token to R&M", () =>
    Effect.gen(function* () {
      yield* get("/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22", SentReferral)
      const [tokenRequest] = services.tokenRequests
      expect(tokenRequest?.method).toBe("POST")
      expect(tokenRequest?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`
      )
      expect(tokenRequest?.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/)
      expect(tokenRequest?.body).toBe("grant_type=client_credentials")
      const [call] = services.requestsTo("/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22")
      expect(call?.method).toBe("GET")
      expect(call?.headers.authorization).toBe("Bearer token-1")
      expect(call?.headers.accept).toBe("application/json")
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("fetches the token once for several calls, sequential and concurrent", () =>
    Effect.gen(function* () {
      const path = "/referral/68df9f6c-3fcb-4ec6-8fcf-96551cd9b080/sessions/2"
      yield* Effect.all(
        Array.from({ length: 5 }, () => get(path, ReferralSession)),
        { concurrency: "unbounded" }
      )
      yield* get(path, ReferralSession)
      yield* get(path, ReferralSession)
      expect(services.tokenRequests).toHaveLength(1)
      expect(services.requestsTo(path)).toHaveLength(7)
      expect(new Set(services.requestsTo(path).map((r) => r.headers.authorization))).toEqual(
        new Set(["Bearer token-1"])
      )
    }).pipe(Effect.provide(clientLayer()))
  )

  // TestClock drives the cache's clock; no back-off or timeout fires while the clock stands still.
  it.effect("refetches the token 60 s before it expires", () =>
    Effect.gen(function* () {
      const path = "/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22"
      services.expiresIn = 3600
      yield* get(path, SentReferral)
      yield* TestClock.adjust("3539 seconds")
      yield* get(path, SentReferral)
      expect(services.tokenRequests).toHaveLength(1)
      yield* TestClock.adjust("1 second") // now 60 s before expiry
      yield* get(path, SentReferral)
      expect(services.tokenRequests).toHaveLength(2)
      expect(services.requestsTo(path).map((r) => r.headers.authorization)).toEqual([
        "Bearer token-1",
        "Bearer token-1",
        "Bearer token-2"
      ])
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("a 401 from R&M drops the cached token once and retries with a fresh one", () =>
    Effect.gen(function* () {
      const path = "/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22"
      yield* get(path, SentReferral)
      services.revoked.add("token-1")
      const referral = yield* get(path, SentReferral)
      expect(referral?.referenceNumber).toBe("FE4536C")
      expect(services.tokenRequests).toHaveLength(2)
      expect(services.requestsTo(path).map((r) => r.headers.authorization)).toEqual([
        "Bearer token-1",
        "Bearer token-1",
        "Bearer token-2"
      ])
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("a persistent 401 fails (not transient) after one token refetch", () =>
    Effect.gen(function* () {
      const path = "/open/always-401"
      services.on(path, { status: 401, body: JSON.stringify({ status: 401, error: "Unauthorized" }) })
      const error = yield* getError(path, SentReferral)
      expect(error.status).toBe(401)
      expect(error.transient).toBe(false)
      expect(services.tokenRequests).toHaveLength(2)
      expect(services.requestsTo(path)).toHaveLength(2)
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("500 twice then 200 → success after 3 requests", () =>
    Effect.gen(function* () {
      const path = "/sent-referral/flaky"
      services.on(path, { status: 500, body: "oops" }, { status: 500 }, { status: 200, body: sentReferral({}) })
      const referral = yield* get(path, SentReferral)
      expect(referral?.referenceNumber).toBe("FE4536C")
      expect(services.requestsTo(path)).toHaveLength(3)
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("500 on every attempt → transient error with the status after 3 requests", () =>
    Effect.gen(function* () {
      const path = "/sent-referral/down"
      services.on(path, { status: 503, body: JSON.stringify({ status: 503, error: "Service Unavailable" }) })
      const error = yield* getError(path, SentReferral)
      expect(error).toMatchObject({ status: 503, transient: true, url: `${services.baseUrl}${path}` })
      expect(error.message).toContain("Service Unavailable")
      expect(services.requestsTo(path)).toHaveLength(3)
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("the default makes one attempt: the event handler's retry is the only layer (§5.2 step 6, §5.3)", () =>
    Effect.gen(function* () {
      const path = "/sent-referral/down-default"
      services.on(path, { status: 429 })
      const error = yield* getError(path, SentReferral)
      expect(error).toMatchObject({ status: 429, transient: true })
      expect(services.requestsTo(path)).toHaveLength(1)
    }).pipe(
      Effect.provide(
        ReferAndMonitorClient.layerWith({
          auth: { url: `${services.baseUrl}/auth`, clientId: CLIENT_ID, clientSecret: Redacted.make(CLIENT_SECRET) },
          detailUrlOrigins: { origins: [services.baseUrl], set: true }
        })
      )
    )
  )

  it.live("404 → error with status 404, not transient, not retried in-process", () =>
    Effect.gen(function* () {
      const path = "/sent-referral/00000000-0000-4000-8000-000000000000"
      const error = yield* getError(path, SentReferral)
      expect(error).toMatchObject({ status: 404, transient: false })
      expect(error.message).toContain(`GET ${services.baseUrl}${path} failed with status 404`)
      expect(error.message).toContain("sent referral not found")
      expect(services.requestsTo(path)).toHaveLength(1)
      // routes.json names a body file the fixtures lack: the fake answers 404 for it
      const missing = routes.filter((route) => !servedRoutes.includes(route))
      for (const route of missing) {
        expect((yield* getError(route.request.url, SentReferral)).status).toBe(404)
      }
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("connection refused → transient error without a status", () =>
    Effect.gen(function* () {
      const closed = createServer()
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((resolve) =>
            closed.listen(0, "127.0.0.1", () => resolve((closed.address() as AddressInfo).port))
          )
      )
      yield* Effect.promise(() => new Promise<void>((resolve) => closed.close(() => resolve())))
      const url = `http://127.0.0.1:${port}/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22`
      const error = yield* Effect.flatMap(ReferAndMonitorClient, (client) => client.get(url, SentReferral)).pipe(
        Effect.flip,
        // The closed port is an allowed origin, so the request is really attempted (§5.3).
        Effect.provide(
          clientLayer({ auth: undefined, detailUrlOrigins: { origins: [`http://127.0.0.1:${port}`], set: true } })
        )
      )
      expect(error).toBeInstanceOf(ReferAndMonitorError)
      expect(error).toMatchObject({ url, transient: true })
      expect(error.status).toBeUndefined()
      expect(error.message).toMatch(/ECONNREFUSED/)
    })
  )

  it.live("a response slower than connect + read timeout → transient timeout error (each attempt)", () =>
    Effect.gen(function* () {
      const path = "/open/slow"
      services.on(path, { status: 200, body: sentReferral({}), delayMs: 1_000 })
      const error = yield* getError(path, SentReferral)
      expect(error).toMatchObject({ transient: true })
      expect(error.message).toContain("timed out")
      expect(services.requestsTo(path)).toHaveLength(3)
    }).pipe(Effect.provide(clientLayer({ auth: undefined, timeouts: { connect: "50 millis", read: "100 millis" } })))
  )

  it.live("a body that stalls beyond the read timeout → transient timeout error", () =>
    Effect.gen(function* () {
      const path = "/open/stalled-body"
      services.on(path, { status: 200, body: sentReferral({}), stallBodyMs: 1_000 })
      const error = yield* getError(path, SentReferral)
      expect(error).toMatchObject({ transient: true, status: 200 })
      expect(error.message).toContain("timed out reading the response body")
    }).pipe(
      Effect.provide(
        clientLayer({
          auth: undefined,
          retrySchedule: Schedule.stop,
          timeouts: { connect: "1 second", read: "150 millis" }
        })
      )
    )
  )

  it.live("an empty 2xx body → null", () =>
    Effect.gen(function* () {
      services.on("/sent-referral/empty", { status: 200, body: "" })
      services.on("/sent-referral/no-content", { status: 204 })
      expect(yield* get("/sent-referral/empty", SentReferral)).toBeNull()
      expect(yield* get("/sent-referral/no-content", SentReferral)).toBeNull()
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("an unknown withdrawalCode or withdrawalState → decode error naming url and field, not retried", () =>
    Effect.gen(function* () {
      services.on("/sent-referral/bad-code", { status: 200, body: sentReferral({ withdrawalCode: "XYZ" }) })
      services.on("/sent-referral/bad-state", { status: 200, body: sentReferral({ withdrawalState: "WITHDRAWN" }) })
      const badCode = yield* getError("/sent-referral/bad-code", SentReferral)
      expect(badCode).toMatchObject({ transient: false, status: 200 })
      expect(badCode.message).toContain(
        `Unable to decode the response of GET ${services.baseUrl}/sent-referral/bad-code`
      )
      expect(badCode.message).toContain("withdrawalCode")
      expect(badCode.message).toContain('"XYZ"')
      expect(services.requestsTo("/sent-referral/bad-code")).toHaveLength(1)
      const badState = yield* getError("/sent-referral/bad-state", SentReferral)
      expect(badState.message).toContain("withdrawalState")
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("a body that is not JSON → decode error", () =>
    Effect.gen(function* () {
      services.on("/sent-referral/html", { status: 200, body: "<html>gateway</html>" })
      const error = yield* getError("/sent-referral/html", SentReferral)
      expect(error).toMatchObject({ transient: false })
      expect(error.message).toContain("Unable to decode the response")
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live('withdrawalCode "" → absent; explicit nulls and alias keys accepted', () =>
    Effect.gen(function* () {
      const raw = fixtureJson("referral-prematurely-ended.json")
      const referral = raw.referral as Record<string, unknown>
      services.on("/sent-referral/empty-code", {
        status: 200,
        body: sentReferral({
          withdrawalCode: "",
          withdrawalState: null,
          relevantSentenceId: null,
          endRequestedAt: null,
          concludedAt: "2024-06-12T15:08:47.06300754+01:00",
          endOfServiceReport: null,
          referral: { id: referral.id, provider: { name: "Harmony Living" }, contractType: "Accommodation" }
        })
      })
      services.on("/sent-referral/null-code", {
        status: 200,
        body: sentReferral({
          withdrawalCode: null,
          relevantSentenceId: 2500443138,
          endOfServiceReport: { submittedAt: null }
        })
      })
      const decoded = yield* get("/sent-referral/empty-code", SentReferral)
      expect(decoded).not.toBeNull()
      expect("withdrawalCode" in decoded!).toBe(false)
      expect("withdrawalState" in decoded!).toBe(false)
      expect("endRequestedAt" in decoded!).toBe(false)
      expect("endOfServiceReport" in decoded!).toBe(false)
      expect(decoded).toMatchObject({
        relevantSentenceId: 0,
        referral: { serviceProvider: { name: "Harmony Living" }, contractTypeName: "Accommodation" }
      })
      expect(decoded?.concludedAt).toEqual({ epochMillis: Date.parse("2024-06-12T14:08:47.063Z"), subMillis: "00754" })
      const nullCode = yield* get("/sent-referral/null-code", SentReferral)
      expect(nullCode?.withdrawalCode).toBeUndefined()
      expect(nullCode?.relevantSentenceId).toBe(2500443138)
      expect(nullCode?.endOfServiceReport).toEqual({})
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("deliusAppointmentId decodes from a string and from a number, also under the alias deliusId", () =>
    Effect.gen(function* () {
      services.on("/open/session-string", { status: 200, body: sessionBody({ deliusAppointmentId: "1824573422" }) })
      services.on("/open/session-number", { status: 200, body: sessionBody({ deliusAppointmentId: 1824573422 }) })
      services.on("/open/session-alias", {
        status: 200,
        body: sessionBody({ deliusAppointmentId: undefined, deliusId: "42" })
      })
      services.on("/open/session-null", {
        status: 200,
        body: sessionBody({ deliusAppointmentId: null, oldAppointments: null })
      })
      services.on("/open/session-bad", { status: 200, body: sessionBody({ deliusAppointmentId: "12a" }) })
      expect((yield* get("/open/session-string", ReferralSession))?.deliusAppointmentId).toBe(1824573422)
      expect((yield* get("/open/session-number", ReferralSession))?.deliusAppointmentId).toBe(1824573422)
      expect((yield* get("/open/session-alias", ReferralSession))?.deliusAppointmentId).toBe(42)
      const nulls = yield* get("/open/session-null", ReferralSession)
      expect(nulls?.deliusAppointmentId).toBeUndefined()
      expect(nulls?.oldAppointments).toEqual([])
      const bad = yield* getError("/open/session-bad", ReferralSession)
      expect(bad.message).toContain("deliusAppointmentId")
    }).pipe(Effect.provide(clientLayer({ auth: undefined })))
  )

  it.live("decodes a supplier assessment", () =>
    Effect.gen(function* () {
      const oldAppointment = (
        fixtureJson("session-appointment-feedback-submitted-not-attended.json").oldAppointments as Array<unknown>
      )[0]
      services.on("/sent-referral/89a3f79c-f12b-43de-9616-77ae19813cfe/supplier-assessment", {
        status: 200,
        body: JSON.stringify({
          id: "f0b3e2a1-1111-4222-8333-944455556666",
          appointments: [oldAppointment],
          currentAppointmentId: null,
          referralId: "89a3f79c-f12b-43de-9616-77ae19813cfe"
        })
      })
      const assessment = yield* get(
        "/sent-referral/89a3f79c-f12b-43de-9616-77ae19813cfe/supplier-assessment",
        SupplierAssessment
      )
      expect(assessment?.appointments[0]).toMatchObject({
        id: "3b8282cd-baa5-45d3-8489-b5836a58a0e8",
        appointmentFeedback: {
          attendanceFeedback: { attended: "no", didSessionHappen: false },
          sessionFeedback: { notify: true }
        }
      })
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("HMPPS Auth failures are ReferAndMonitorErrors on the token URL", () =>
    Effect.gen(function* () {
      const tokenUrl = `${services.baseUrl}/auth/oauth/token`
      services.on("/auth/oauth/token", { status: 500, body: "down" })
      const down = yield* getError("/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22", SentReferral)
      expect(down).toMatchObject({ url: tokenUrl, status: 500, transient: true })
      expect(services.tokenRequests).toHaveLength(3)

      services.reset()
      services.on("/auth/oauth/token", { status: 200, body: JSON.stringify({ access_token: "", expires_in: "soon" }) })
      const malformed = yield* getError("/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22", SentReferral)
      expect(malformed).toMatchObject({ url: tokenUrl, transient: false })
      expect(malformed.message).toContain("not a token response")
    }).pipe(Effect.provide(clientLayer()))
  )

  it.live("wrong client credentials → 401 from HMPPS Auth, not transient; the secret is never logged", () => {
    const lines: Array<string> = []
    const capture = Logger.replace(
      Logger.defaultLogger,
      Logger.map(Logger.logfmtLogger, (line) => {
        lines.push(line)
      })
    )
    return Effect.gen(function* () {
      const error = yield* getError("/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22", SentReferral)
      expect(error).toMatchObject({ status: 401, transient: false, url: `${services.baseUrl}/auth/oauth/token` })
      expect(services.tokenRequests).toHaveLength(1)
      // and a successful run with the right secret logs nothing secret either
      yield* get("/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22", SentReferral).pipe(
        Effect.provide(clientLayer())
      )
      expect(lines.length).toBeGreaterThan(0)
      for (const line of [...lines, JSON.stringify(error), String(error), error.message]) {
        expect(line).not.toContain("WRONG-secret")
        expect(line).not.toContain(CLIENT_SECRET)
        expect(line).not.toContain("token-1")
      }
    }).pipe(
      Effect.provide(
        clientLayer({
          auth: { url: `${services.baseUrl}/auth`, clientId: CLIENT_ID, clientSecret: Redacted.make("WRONG-secret") }
        })
      ),
      Effect.provide(capture),
      Logger.withMinimumLogLevel(LogLevel.All)
    )
  })

  it.live("dev mode: no HMPPS_AUTH_URL → no Authorization header, warned once", () => {
    const lines: Array<string> = []
    const capture = Logger.replace(
      Logger.defaultLogger,
      Logger.map(Logger.logfmtLogger, (line) => {
        lines.push(line)
      })
    )
    return Effect.gen(function* () {
      services.on("/open/referral", { status: 200, body: sentReferral({}) })
      yield* get("/open/referral", SentReferral)
      yield* get("/open/referral", SentReferral)
      expect(services.requestsTo("/open/referral").map((r) => r.headers.authorization)).toEqual([undefined, undefined])
      expect(services.tokenRequests).toHaveLength(0)
      expect(lines.filter((line) => line.includes("HMPPS_AUTH_URL is not set"))).toHaveLength(1)
    }).pipe(
      Effect.provide(
        ReferAndMonitorClient.layer.pipe(
          Layer.provide(
            Layer.setConfigProvider(
              // Dev mode allows the local R&M stub's origin (§5.3): here, this loopback server's port.
              ConfigProvider.fromMap(new Map([["DEV_REFER_AND_MONITOR_PORT", new URL(services.baseUrl).port]]))
            )
          )
        )
      ),
      Effect.provide(capture)
    )
  })

  it.live("configured from the environment: HMPPS_AUTH_URL, OAUTH2_CLIENT_ID, OAUTH2_CLIENT_SECRET", () =>
    Effect.gen(function* () {
      const path = "/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22"
      yield* get(path, SentReferral)
      expect(services.requestsTo(path)[0]?.headers.authorization).toBe("Bearer token-1")
      expect(services.tokenRequests).toHaveLength(1)
    }).pipe(
      Effect.provide(
        ReferAndMonitorClient.layer.pipe(
          Layer.provide(
            Layer.setConfigProvider(
              ConfigProvider.fromMap(
                new Map([
                  ["HMPPS_AUTH_URL", `${services.baseUrl}/auth/`],
                  ["MESSAGING_CONSUMER_DETAIL_URLS", services.baseUrl],
                  ["OAUTH2_CLIENT_ID", CLIENT_ID],
                  ["OAUTH2_CLIENT_SECRET", CLIENT_SECRET]
                ])
              )
            )
          )
        )
      )
    )
  )

  it.live("HMPPS_AUTH_TOKEN_URL: the token is fetched there, not from HMPPS_AUTH_URL (§10)", () =>
    Effect.gen(function* () {
      const path = "/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22"
      yield* get(path, SentReferral)
      expect(services.requestsTo(path)[0]?.headers.authorization).toBe("Bearer token-1")
      expect(services.requestsTo(FakeServices.IN_CLUSTER_TOKEN_PATH)).toHaveLength(1)
      expect(services.tokenRequests).toHaveLength(0)
    }).pipe(
      Effect.provide(
        ReferAndMonitorClient.layer.pipe(
          Layer.provide(
            Layer.setConfigProvider(
              ConfigProvider.fromMap(
                new Map([
                  ["HMPPS_AUTH_URL", `${services.baseUrl}/auth`],
                  ["HMPPS_AUTH_TOKEN_URL", `${services.baseUrl}${FakeServices.IN_CLUSTER_TOKEN_PATH}`],
                  ["MESSAGING_CONSUMER_DETAIL_URLS", services.baseUrl],
                  ["OAUTH2_CLIENT_ID", CLIENT_ID],
                  ["OAUTH2_CLIENT_SECRET", CLIENT_SECRET]
                ])
              )
            )
          )
        )
      )
    )
  )

  it.effect("HMPPS_AUTH_URL without client credentials is a configuration error", () =>
    Effect.gen(function* () {
      const result = yield* Layer.build(ReferAndMonitorClient.layer).pipe(
        Effect.scoped,
        Effect.either,
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["HMPPS_AUTH_URL", "http://127.0.0.1:1/auth"]])))
      )
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(String(result.left)).toContain("OAUTH2_CLIENT_ID")
    })
  )
})

describe("the token only goes to R&M: MESSAGING_CONSUMER_DETAIL_URLS (§5.3)", () => {
  const envLayer = (entries: ReadonlyArray<readonly [string, string]>) =>
    ReferAndMonitorClient.layer.pipe(
      Layer.provide(
        Layer.setConfigProvider(
          ConfigProvider.fromMap(
            new Map([
              ["HMPPS_AUTH_URL", `${services.baseUrl}/auth`],
              ["OAUTH2_CLIENT_ID", CLIENT_ID],
              ["OAUTH2_CLIENT_SECRET", CLIENT_SECRET],
              ...entries
            ])
          )
        )
      )
    )
  const refused = (url: string) =>
    Effect.flatMap(ReferAndMonitorClient, (client) => client.get(url, SentReferral)).pipe(Effect.flip)

  it.live("a listed origin is called with the token", () =>
    Effect.gen(function* () {
      const path = "/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22"
      yield* get(path, SentReferral)
      expect(services.requestsTo(path)[0]?.headers.authorization).toBe("Bearer token-1")
    }).pipe(
      Effect.provide(envLayer([["MESSAGING_CONSUMER_DETAIL_URLS", `https://r-and-m.example, ${services.baseUrl}/`]]))
    )
  )

  it.live(
    "another origin, relative, non-http(s) or malformed URLs: no request at all (no token fetched), not transient",
    () =>
      Effect.gen(function* () {
        const port = new URL(services.baseUrl).port
        // The first two reach this very loopback server if sent: the counts below would see them.
        const urls = [
          `http://localhost:${port}/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22`,
          `https://127.0.0.1:${port}/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22`,
          "/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22",
          `ftp://127.0.0.1:${port}/sent-referral/x`,
          "http://[not a url",
          "https://r-and-m.example.evil.test/sent-referral/x"
        ]
        for (const url of urls) {
          const error = yield* refused(url)
          expect(error).toMatchObject({ _tag: "ReferAndMonitorError", url, transient: false })
          expect(error.message.startsWith(`Refused to call ${url}: `)).toBe(true)
          expect(error.message).toContain("no request was made")
        }
        expect(services.requests).toEqual([])
      }).pipe(
        Effect.provide(envLayer([["MESSAGING_CONSUMER_DETAIL_URLS", `${services.baseUrl},https://r-and-m.example`]]))
      )
  )

  it.live("HMPPS_AUTH_URL set and the variable unset: every URL is refused, naming the variable", () =>
    Effect.gen(function* () {
      const error = yield* refused(`${services.baseUrl}/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22`)
      expect(error.message).toContain("MESSAGING_CONSUMER_DETAIL_URLS is not set")
      expect(services.requests).toEqual([])
    }).pipe(Effect.provide(envLayer([])))
  )

  it.effect.each(["r-and-m.example", "https://r-and-m.example/api", "ftp://r-and-m.example", ","])(
    "a malformed entry %j is a configuration error naming the variable",
    (value) =>
      Effect.gen(function* () {
        const result = yield* Layer.build(envLayer([["MESSAGING_CONSUMER_DETAIL_URLS", value]])).pipe(
          Effect.scoped,
          Effect.either
        )
        expect(Either.isLeft(result)).toBe(true)
        if (Either.isLeft(result)) expect(String(result.left)).toContain("MESSAGING_CONSUMER_DETAIL_URLS")
      })
  )
})
