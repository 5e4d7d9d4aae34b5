import type Router from "@koa/router"
import { Appointment, CaseReads, CaseSchemas, MergeAppointment, Referral, ReferralStarted } from "@ram-delius/core"
import { Effect, Exit, FiberId, type ManagedRuntime, Option, Runtime, Schema } from "effect"
import type Koa from "koa"
import { type AuthOptions, authenticated } from "./auth.js"
import { NO_BODY, readJsonBody } from "./body.js"
import { decodeBody, fromCause, type HostError, HttpProblem, RequestTimedOut } from "./errors.js"
import type { Logger } from "./logging.js"
import { type Reply, reply, replyWithError } from "./respond.js"
import { withRequestSpan } from "./tracing.js"

/**
 * The HTTP API of spec §4.1–§4.11: each route authenticates, reads its inputs, runs one core Effect bounded by the
 * request timeout, and maps the result. No domain logic lives here.
 */
export type ApiServices = Referral | Appointment | CaseReads

export interface ApiOptions {
  readonly runtime: ManagedRuntime.ManagedRuntime<ApiServices, unknown>
  readonly auth: AuthOptions
  readonly requestTimeoutMs: number
  readonly bodyLimitBytes: number
  readonly log: Logger
}

const ok = (body: unknown): Reply => ({ status: 200, body })
const empty = (status: number): Reply => ({ status })

const show = (value: string) => (value.length > 60 ? `${value.slice(0, 59)}…` : value)

const isUuid = Schema.is(Schema.UUID)

export const registerApiRoutes = (router: Router, options: ApiOptions): void => {
  const guard = authenticated(options.auth, options.log)

  /**
   * Run the route's Effect on the core runtime, bounded by the request timeout: the answer is a 503 at the deadline
   * however long the database takes, and the abandoned work is interrupted in the background as soon as it can be (an
   * open transaction rolls back). One Node timer races the fiber — @effect/sql waits for a transaction's connection
   * uninterruptibly, so the answer must not wait for the interruption; `disconnect` + `timeoutFail` did the same with
   * two extra fibers and a timer fiber per request (issue 13, ~0.3 ms a request).
   */
  const handle =
    (handler: (ctx: Koa.Context, params: Record<string, string>) => Effect.Effect<Reply, HostError, ApiServices>) =>
    async (ctx: Router.RouterContext): Promise<void> => {
      // The runtime was built at start-up (server.ts), so its own build failure cannot reach a request: run on the
      // built Runtime, whose Exit carries the route's error type alone.
      const fiber = Runtime.runFork(await options.runtime.runtime())(withRequestSpan(ctx)(handler(ctx, ctx.params)))
      let timer: NodeJS.Timeout | undefined
      const exit = await new Promise<Exit.Exit<Reply, HostError>>((resolve) => {
        timer = setTimeout(() => {
          resolve(Exit.fail(new RequestTimedOut({ timeoutMs: options.requestTimeoutMs })))
          fiber.unsafeInterruptAsFork(FiberId.none)
        }, options.requestTimeoutMs)
        fiber.addObserver(resolve)
      })
      clearTimeout(timer)
      if (Exit.isSuccess(exit)) reply(ctx, exit.value)
      else replyWithError(ctx, fromCause(exit.cause), options.log)
    }

  // Reading the body is part of the request's Effect, so a client trickling its body is bounded by the timeout too.
  const body = (ctx: Koa.Context) =>
    Effect.tryPromise({
      try: () => readJsonBody(ctx.req, options.bodyLimitBytes),
      catch: (error) => (error instanceof HttpProblem ? error : new HttpProblem(400, "Request body could not be read"))
    }).pipe(
      Effect.filterOrFail(
        (value) => value !== NO_BODY,
        () => new HttpProblem(400, "Required request body is missing")
      )
    )

  const uuidPath = (name: string, value: string) =>
    isUuid(value)
      ? Effect.succeed(value)
      : Effect.fail(new HttpProblem(400, `Path variable ${name} must be a UUID, was '${show(value)}'`))

  // An event id is a Delius NUMBER(38) id; anything that is not a whole number is a 400 (§4.6).
  const numericPath = (name: string, value: string) =>
    /^\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value))
      ? Effect.succeed(Number(value))
      : Effect.fail(new HttpProblem(400, `Path variable ${name} must be a number, was '${show(value)}'`))

  // §4.1: 204, empty body.
  router.put(
    "/probation-case/:crn/referrals",
    ...guard,
    handle((ctx, { crn }) =>
      Effect.gen(function* () {
        const request = yield* Effect.flatMap(body(ctx), decodeBody(ReferralStarted))
        yield* Effect.flatMap(Referral, (referral) => referral.start(crn!, request))
        return empty(204)
      })
    )
  )

  // §4.2: the path referralId must be a UUID but the body's referralId is the one used.
  router.put(
    "/probation-case/:crn/referrals/:referralId/appointments",
    ...guard,
    handle((ctx, { crn, referralId }) =>
      Effect.gen(function* () {
        yield* uuidPath("referralId", referralId!)
        const request = yield* Effect.flatMap(body(ctx), decodeBody(MergeAppointment))
        const merged = yield* Effect.flatMap(Appointment, (appointment) => appointment.merge(crn!, request))
        return ok({ appointmentId: merged.appointmentId })
      })
    )
  )

  const read = (path: string, run: (params: Record<string, string>) => Effect.Effect<Reply, HostError, ApiServices>) =>
    router.get(
      path,
      ...guard,
      handle((_, params) => run(params))
    )

  read("/probation-case/:crn/responsible-officer", ({ crn }) =>
    Effect.map(
      Effect.flatMap(CaseReads, (reads) => reads.responsibleOfficer(crn!)),
      ok
    )
  )
  // §4.4: always 200, even for an unknown CRN.
  read("/probation-case/:crn/identifiers", ({ crn }) =>
    Effect.map(
      Effect.flatMap(CaseReads, (reads) => reads.identifiers(crn!)),
      ok
    )
  )
  // §4.5: no such person → 404 with an EMPTY body.
  read("/probation-case/:crn/details", ({ crn }) =>
    Effect.map(
      Effect.flatMap(CaseReads, (reads) => reads.caseDetails(crn!)),
      Option.match({ onNone: () => empty(404), onSome: ok })
    )
  )
  read("/probation-case/:crn/convictions", ({ crn }) =>
    Effect.map(
      Effect.flatMap(CaseReads, (reads) => reads.convictions(crn!)),
      ok
    )
  )
  read("/probation-case/:crn/convictions/:id", ({ crn, id }) =>
    Effect.gen(function* () {
      const eventId = yield* numericPath("id", id!)
      return ok(yield* Effect.flatMap(CaseReads, (reads) => reads.conviction(crn!, eventId)))
    })
  )
  read("/office-locations", () =>
    Effect.map(
      Effect.flatMap(CaseReads, (reads) => reads.officeLocations),
      ok
    )
  )
  read("/probation-delivery-units", () =>
    Effect.map(
      Effect.flatMap(CaseReads, (reads) => reads.deliveryUnits),
      ok
    )
  )
  read("/users/:username/managed-cases", ({ username }) =>
    Effect.map(
      Effect.flatMap(CaseReads, (reads) => reads.managedCases(username!)),
      ok
    )
  )
  // §4.10: no LDAP entry → 404 with an EMPTY body.
  read("/users/:username/details", ({ username }) =>
    Effect.map(
      Effect.flatMap(CaseReads, (reads) => reads.userDetails(username!)),
      Option.match({ onNone: () => empty(404), onSome: ok })
    )
  )

  // §4.11: GET or POST, the body a JSON array of CRNs (core answers the 1–500 rule, §14).
  const access = handle((ctx, { username }) =>
    Effect.gen(function* () {
      const crns = yield* Effect.flatMap(body(ctx), decodeBody(CaseSchemas.CrnList))
      return ok(yield* Effect.flatMap(CaseReads, (reads) => reads.userAccess(username!, crns)))
    })
  )
  router.get("/users/:username/access", ...guard, access)
  router.post("/users/:username/access", ...guard, access)
}
