/**
 * The HTTP face of core's one error model (DESIGN.md, Errors; spec §2.4): every failure answers
 * `{"status": n, "message": "…"}` (plus `fields` for invalid bodies, decision Q6). Bad input is always 4xx, an
 * unavailable dependency 503, inconsistent Delius data a 500 naming it, and any other defect a 500 with a generic
 * message; the detail goes to the log. The status is the error's own (`ErrorMeaning.httpStatus`); this module decides
 * only what the client is told. `RESPONSES` is keyed by every tag of `HostError`, so an error added to a route's
 * channel without an answer here does not compile.
 */
import type { SqlError } from "@effect/sql"
import type { CoreError, ErrorMeaning, QueueAdminError } from "@ram-delius/core"
import { fastThenSchema, Log, memoizedBy, withMeaning } from "@ram-delius/core"
import { Cause, Data, Effect, Either, Option, ParseResult, Predicate, Schema } from "effect"

export interface FieldError {
  readonly field: string
  readonly message: string
}

export interface ErrorBody {
  readonly status: number
  readonly message: string
  readonly fields?: ReadonlyArray<FieldError>
}

/** A failure decided by the host itself (auth, body reading, path variables, routing), with its own status. */
export class HttpProblem extends withMeaning(
  Data.TaggedError("HttpProblem")<{
    readonly status: number
    readonly message: string
    readonly headers: Readonly<Record<string, string>>
  }>,
  { httpStatus: 400, telemetryName: "ResponseStatusException", retryable: false }
) {
  constructor(status: number, message: string, headers: Readonly<Record<string, string>> = {}) {
    super({ status, message, headers })
  }
  override get httpStatus() {
    return this.status
  }
}

/** A request body that does not match its Schema (decision Q6). */
export class InvalidBody extends withMeaning(
  Data.TaggedError("InvalidBody")<{ readonly fields: ReadonlyArray<FieldError> }>,
  { httpStatus: 400, telemetryName: "MethodArgumentNotValidException", retryable: false }
) {}

/** The request's work did not finish within `REQUEST_TIMEOUT_MS` (a hung database must answer 503, not hang). */
export class RequestTimedOut extends withMeaning(Data.TaggedError("RequestTimedOut")<{ readonly timeoutMs: number }>, {
  httpStatus: 503,
  telemetryName: "TimeoutException",
  retryable: true
}) {}

/**
 * Every failure a route's Effect can end with: core's errors, the queue-admin ones, the host's own. `SqlError` is
 * @effect/sql's, which core wraps in DatabaseError; it is answered as one should it ever reach a route unwrapped.
 */
export type HostError = CoreError | QueueAdminError | InvalidBody | RequestTimedOut | HttpProblem | SqlError.SqlError

/** What to answer, and what (if anything) to log beside the request line. */
export interface ErrorResponse {
  readonly body: ErrorBody
  readonly headers?: Readonly<Record<string, string>>
  /** Present for 5xx: the detail that must not reach the client. */
  readonly detail?: string
}

const MAX_FIELD_MESSAGE = 300

const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`)

/**
 * One entry per bad field, named by its path (`outcome.attended`; `body` for the body as a whole), with the Schema
 * issues for that field joined. Messages are truncated: they quote the value received, which can be large.
 */
const fieldErrors = (error: ParseResult.ParseError): ReadonlyArray<FieldError> => {
  const byField = new Map<string, Array<string>>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const field = issue.path.length === 0 ? "body" : issue.path.map(String).join(".")
    const messages = byField.get(field) ?? []
    if (!messages.includes(issue.message)) messages.push(issue.message)
    byField.set(field, messages)
  }
  // A field whose nested fields are reported is not reported itself: for a nullable object, Schema adds "Expected
  // null" for `outcome` beside the real problem in `outcome.attended`.
  const fields = [...byField.keys()]
  // Likewise the "Expected null / undefined" alternatives of optional fields say nothing beside the real problem.
  const informative = (messages: ReadonlyArray<string>) => {
    const kept = messages.filter((m) => !/^Expected (null|undefined), actual /.test(m))
    return kept.length > 0 ? kept : messages
  }
  return [...byField]
    .filter(([field]) => !fields.some((other) => other.startsWith(`${field}.`)))
    .map(([field, messages]) => ({ field, message: truncate(informative(messages).join("; "), MAX_FIELD_MESSAGE) }))
}

/** Decode a request body as core's request Schemas expect: every issue reported, unknown properties ignored (§2.1). */
export const decodeBody = <A, I>(schema: Schema.Schema<A, I>) => {
  const parse = bodyDecoder(schema)
  return (body: unknown): Effect.Effect<A, InvalidBody> =>
    Either.mapLeft(parse(body), (error) => new InvalidBody({ fields: fieldErrors(error) }))
}

// Built once per Schema: constructing the parser on every request is measurable on the hot path. Request schemas are
// synchronous, so the decode is a plain function returning an Either (itself an Effect). A schema with a fast path
// (core's `fastThenSchema`: the Schema's value, or a decline) takes it first; a decline goes to the Schema, so every
// failure and its field messages are the Schema's.
const bodyDecoder: <A, I>(schema: Schema.Schema<A, I>) => (body: unknown) => Either.Either<A, ParseResult.ParseError> =
  memoizedBy((schema: Schema.Schema<any, any>) =>
    fastThenSchema(schema, { errors: "all", onExcessProperty: "ignore" })
  ) as never

const problem = (status: number, message: string, extra: Partial<ErrorResponse> = {}): ErrorResponse => ({
  body: { status, message },
  ...extra
})

const INTERNAL = "Internal server error"

/**
 * For the log: what failed and core's one-line description of it with its causes, e.g.
 * `DatabaseError [Person.lock]: Person.lock: Failed to execute statement (database is locked)`.
 */
const describe = (error: unknown): string => {
  const operation = Predicate.hasProperty(error, "operation") ? ` [${String(error.operation)}]` : ""
  return `${Log.failureName(error)}${operation}: ${Log.describeFailure(error)}`
}

type Responses = {
  readonly [Tag in HostError["_tag"]]: (error: Extract<HostError, { readonly _tag: Tag }>) => ErrorResponse
}

// Infrastructure: the caller (R&M) can retry; the detail (SQL text, hosts) stays in the log.
const unavailable = (message: string) => (error: HostError & ErrorMeaning) =>
  problem(error.httpStatus, message, { detail: describe(error) })

// Not expected over HTTP (queue-side errors); the reference answers these documented cases with a 500 (§4.1).
const withDetail = (error: HostError & ErrorMeaning) =>
  problem(error.httpStatus, error.message, { detail: describe(error) })

const RESPONSES: Responses = {
  NotFound: (error) => problem(error.httpStatus, error.message),
  Conflict: (error) => problem(error.httpStatus, error.message),
  BadRequest: ({ fields, httpStatus, message }) => ({
    body: { status: httpStatus, message, ...(fields !== undefined && fields.length > 0 ? { fields } : {}) }
  }),
  InvalidBody: ({ fields, httpStatus }) => ({ body: { status: httpStatus, message: "Validation failure", fields } }),
  RequestTimedOut: (error) =>
    problem(error.httpStatus, "Request to Delius timed out", { detail: `request exceeded ${error.timeoutMs} ms` }),
  HttpProblem: (error) => problem(error.httpStatus, error.message, { headers: error.headers }),
  DatabaseError: unavailable("Delius database unavailable"),
  SqlError: (error) => problem(503, "Delius database unavailable", { detail: describe(error) }),
  DirectoryError: unavailable("Delius directory unavailable"),
  ReferAndMonitorError: unavailable("Refer and Monitor unavailable"),
  // Delius data this service cannot act on (two NSIs for one URN, …): 500 naming it, never 409, which R&M reads as
  // a clash (client-contract §2.3); core has raised `DeliusDataInconsistent` telemetry.
  InconsistentData: withDetail,
  // The queue-admin endpoints: hmpps-sqs's 404 for a name it does not know, and SQS unreachable.
  QueueNotFound: (error) => problem(error.httpStatus, error.message),
  QueueAdminUnavailable: unavailable("Queue service unavailable"),
  Unprocessable: withDetail,
  InvalidState: withDetail
}

const isHostError = (error: unknown): error is HostError =>
  Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" && Object.hasOwn(RESPONSES, error._tag)

/** The answer for one typed failure; anything else that reaches here (a bug) is a 500 with a generic message. */
export const fromFailure = (error: HostError | unknown): ErrorResponse =>
  // The one cast: the entry chosen is the one for the error's own tag, which TypeScript cannot correlate.
  isHostError(error)
    ? (RESPONSES[error._tag] as (error: HostError) => ErrorResponse)(error)
    : problem(500, INTERNAL, { detail: describe(error) })

/** The answer for a failed request Effect. */
export const fromCause = (cause: Cause.Cause<HostError>): ErrorResponse => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return fromFailure(failure.value)
  if (Cause.isInterruptedOnly(cause)) return problem(503, "Request interrupted: the service is shutting down")
  return problem(500, INTERNAL, { detail: Cause.pretty(cause) })
}

/**
 * An error thrown in Koa middleware: the host's own problems, `http-errors` from Koa and the router (their message is
 * meant for the client when `expose` is set, i.e. below 500), anything else a defect.
 */
export const fromThrown = (error: unknown): ErrorResponse => {
  if (error instanceof HttpProblem) return fromFailure(error)
  if (
    Predicate.hasProperty(error, "status") &&
    typeof error.status === "number" &&
    error.status >= 400 &&
    error.status < 500
  ) {
    const expose = Predicate.hasProperty(error, "expose") && error.expose === true
    return problem(error.status, expose && error instanceof Error ? error.message : "Bad request")
  }
  return problem(500, INTERNAL, { detail: describe(error) })
}
