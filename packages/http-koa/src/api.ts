import type Router from "@koa/router"
import { Appointment, CaseReads, Referral } from "@ram-delius/core"
import { Effect, Exit, FiberId, type ManagedRuntime, Runtime } from "effect"
import { type AuthOptions, authenticated } from "./auth.js"
import { fromCause, type HostError, RequestTimedOut } from "./errors.js"
import type { Logger } from "./logging.js"
import { type Reply, reply, replyWithError } from "./respond.js"
import { apiOperations } from "./routes.js"
import { type Handlers, registerOperations } from "./routing.js"
import { requestRuntime } from "./tracing.js"

/**
 * The HTTP API of spec §4.1–§4.11 (its paths, statuses and Schemas are the table's, routes.ts): each handler runs one
 * core Effect on its decoded input, bounded by the request timeout. No domain logic lives here.
 */
export type ApiServices = Referral | Appointment | CaseReads

export interface ApiOptions {
  readonly runtime: ManagedRuntime.ManagedRuntime<ApiServices, unknown>
  readonly auth: AuthOptions
  readonly requestTimeoutMs: number
  readonly bodyLimitBytes: number
  readonly log: Logger
}

const handlers: Handlers<typeof apiOperations, ApiServices> = {
  putReferral: ({ params, body }) => Effect.flatMap(Referral, (referral) => referral.start(params.crn, body)),
  // §4.2: the body's referralId is the one used (the path's was checked to be a UUID).
  putAppointment: ({ params, body }) =>
    Effect.map(
      Effect.flatMap(Appointment, (appointment) => appointment.merge(params.crn, body)),
      (merged) => ({ appointmentId: merged.appointmentId })
    ),
  getResponsibleOfficer: ({ params }) => Effect.flatMap(CaseReads, (r) => r.responsibleOfficer(params.crn)),
  // §4.4: always 200, even for an unknown CRN.
  getIdentifiers: ({ params }) => Effect.flatMap(CaseReads, (r) => r.identifiers(params.crn)),
  // §4.5: no such person → 404 with an EMPTY body.
  getCaseDetails: ({ params }) => Effect.flatMap(CaseReads, (r) => r.caseDetails(params.crn)),
  getConvictions: ({ params }) => Effect.flatMap(CaseReads, (r) => r.convictions(params.crn)),
  getConviction: ({ params }) => Effect.flatMap(CaseReads, (r) => r.conviction(params.crn, params.id)),
  getOfficeLocations: () => Effect.flatMap(CaseReads, (r) => r.officeLocations),
  getProbationDeliveryUnits: () => Effect.flatMap(CaseReads, (r) => r.deliveryUnits),
  getManagedCases: ({ params }) => Effect.flatMap(CaseReads, (r) => r.managedCases(params.username)),
  // §4.10: no LDAP entry → 404 with an EMPTY body.
  getUserDetails: ({ params }) => Effect.flatMap(CaseReads, (r) => r.userDetails(params.username)),
  // §4.11: core answers the 1–500 rule (§14).
  getUserAccess: ({ params, body }) => Effect.flatMap(CaseReads, (r) => r.userAccess(params.username, body))
}

export const registerApiRoutes = (router: Router, options: ApiOptions): void => {
  const guard = authenticated(options.auth, options.log)

  /**
   * Run the route's Effect on the core runtime, bounded by the request timeout: the answer is a 503 at the deadline
   * however long the database takes, and the abandoned work is interrupted in the background as soon as it can be (an
   * open transaction rolls back). One Node timer races the fiber — @effect/sql waits for a transaction's connection
   * uninterruptibly, so the answer must not wait for the interruption; `disconnect` + `timeoutFail` would do the same
   * with two extra fibers and a timer fiber per request (~0.3 ms a request).
   */
  const run = async (ctx: Router.RouterContext, answer: Effect.Effect<Reply, HostError, ApiServices>) => {
    // The runtime was built at start-up (server.ts), so its own build failure cannot reach a request: run on the
    // built Runtime, whose Exit carries the route's error type alone.
    const fiber = Runtime.runFork(requestRuntime(ctx, await options.runtime.runtime()))(answer)
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

  registerOperations(router, apiOperations, handlers, {
    guard: () => guard,
    bodyLimitBytes: options.bodyLimitBytes,
    run
  })
}
