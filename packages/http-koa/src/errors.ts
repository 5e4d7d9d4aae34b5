import { memoizedBy } from "@ram-delius/core"
import { Cause, Data, Effect, Option, ParseResult, Predicate, Schema } from "effect"

/**
 * The HTTP face of core's one error model (DESIGN.md, Errors; spec §2.4): every failure answers
 * `{"status": n, "message": "…"}` (plus `fields` for invalid bodies, decision Q6). Bad input is always 4xx, an
 * unavailable dependency 503, inconsistent Delius data a 500 naming it, and any other defect a 500 with a generic
 * message; the detail goes to the log.
 */
export interface FieldError {
  readonly field: string
  readonly message: string
}

export interface ErrorBody {
  readonly status: number
  readonly message: string
  readonly fields?: ReadonlyArray<FieldError>
}

/** A failure decided by the host itself (auth, body reading, path variables, routing). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {}
  ) {
    super(message)
    this.name = "HttpProblem"
  }
}

/** A request body that does not match its Schema (decision Q6). */
export class InvalidBody extends Data.TaggedError("InvalidBody")<{ readonly fields: ReadonlyArray<FieldError> }> {}

/** The request's work did not finish within `REQUEST_TIMEOUT_MS` (a hung database must answer 503, not hang). */
export class RequestTimedOut extends Data.TaggedError("RequestTimedOut")<{ readonly timeoutMs: number }> {}

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
export const fieldErrors = (error: ParseResult.ParseError): ReadonlyArray<FieldError> => {
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
    parse(body).pipe(Effect.mapError((error) => new InvalidBody({ fields: fieldErrors(error) })))
}

// Built once per Schema: constructing the parser on every request is measurable on the hot path.
const bodyDecoder: <A, I>(schema: Schema.Schema<A, I>) => (body: unknown) => Effect.Effect<A, ParseResult.ParseError> =
  memoizedBy((schema: Schema.Schema<any, any>) => Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "ignore" })) as never

const problem = (status: number, message: string, extra: Partial<ErrorResponse> = {}): ErrorResponse => ({
  body: { status, message },
  ...extra
})

const INTERNAL = "Internal server error"

/**
 * For the log: the error and its chain of causes, e.g.
 * `DatabaseError [Person.lock]: Failed to execute statement ← SqlError: … ← SqliteError: database is locked`.
 */
const describe = (error: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const name = Predicate.hasProperty(current, "_tag")
      ? String(current._tag)
      : current instanceof Error
        ? current.name
        : typeof current
    const operation = Predicate.hasProperty(current, "operation") ? ` [${String(current.operation)}]` : ""
    const message = Predicate.hasProperty(current, "message") ? String(current.message) : String(current)
    parts.push(`${name}${operation}: ${message}`)
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return parts.join(" ← ")
}

/** A typed failure from core (tagged errors) or from the host. */
export const fromFailure = (error: unknown): ErrorResponse => {
  if (error instanceof HttpProblem) return problem(error.status, error.message, { headers: error.headers })
  const tag = Predicate.hasProperty(error, "_tag") ? String(error._tag) : undefined
  const message = Predicate.hasProperty(error, "message") ? String(error.message) : ""
  switch (tag) {
    case "NotFound":
      return problem(404, message)
    case "Conflict":
      return problem(409, message)
    case "BadRequest": {
      const fields = (error as { fields?: ReadonlyArray<FieldError> }).fields
      return { body: { status: 400, message, ...(fields !== undefined && fields.length > 0 ? { fields } : {}) } }
    }
    case "InvalidBody":
      return { body: { status: 400, message: "Validation failure", fields: (error as InvalidBody).fields } }
    case "RequestTimedOut":
      return problem(503, "Request to Delius timed out", {
        detail: `request exceeded ${(error as RequestTimedOut).timeoutMs} ms`
      })
    // Infrastructure: the caller (R&M) can retry; the detail (SQL text, hosts) stays in the log.
    case "DatabaseError":
    case "SqlError":
      return problem(503, "Delius database unavailable", { detail: describe(error) })
    case "DirectoryError":
      return problem(503, "Delius directory unavailable", { detail: describe(error) })
    case "ReferAndMonitorError":
      return problem(503, "Refer and Monitor unavailable", { detail: describe(error) })
    // Delius data this service cannot act on (two NSIs for one URN, …): 500 naming it, never 409, which R&M reads as
    // a clash (client-contract §2.3); core has raised `DeliusDataInconsistent` telemetry.
    case "InconsistentData":
      return problem(500, message, { detail: describe(error) })
    // The queue-admin endpoints (issue 9 §8): hmpps-sqs's 404 for a name it does not know, and SQS unreachable.
    case "QueueNotFound":
      return problem(404, message)
    case "QueueAdminUnavailable":
      return problem(503, "Queue service unavailable", { detail: describe(error) })
    // Not expected over HTTP (queue-side errors); the reference answers these documented cases with a 500 (§4.1).
    case "Unprocessable":
    case "InvalidState":
      return problem(500, message, { detail: describe(error) })
    default:
      return problem(500, INTERNAL, { detail: describe(error) })
  }
}

/** The answer for a failed request Effect. */
export const fromCause = (cause: Cause.Cause<unknown>): ErrorResponse => {
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
  if (Predicate.hasProperty(error, "status") && typeof error.status === "number" && error.status >= 400 && error.status < 500) {
    const expose = Predicate.hasProperty(error, "expose") && error.expose === true
    return problem(error.status, expose && error instanceof Error ? error.message : "Bad request")
  }
  return problem(500, INTERNAL, { detail: describe(error) })
}
