/**
 * One error model for the whole product (DESIGN.md, Errors). Each error says what the hosts need to know about it
 * (`ErrorMeaning`): NotFound → 404, Conflict → 409 (a §7.2 clash only), BadRequest → 400, InconsistentData → 500,
 * Unprocessable → ack + ReferAndMonitorFailureReport, the infrastructure failures → 503 / retry. The hosts' mappings
 * are exhaustive over these tags, so a new error must be given its place in each host.
 */
import { Schema } from "effect"

/** What a host needs to know about a failure, declared by the error itself. */
export interface ErrorMeaning {
  /** The HTTP status a request failing with this error answers. */
  readonly httpStatus: number
  /** The telemetry event name of a queue Failure: the reference's Java exception name where §5.2 uses one. */
  readonly telemetryName: string
  /** Whether trying the same thing again can succeed (infrastructure that may come back); the queue retries these. */
  readonly retryable: boolean
}

/**
 * An error class's meaning as data, one row beside its declaration and read by one set of getters: where the error
 * has its own `exceptionName` field, that is its telemetry name, and its own `transient` field says whether a retry
 * can help.
 */
export const withMeaning = <
  Base extends new (...args: Array<any>) => {
    readonly message: string
    readonly exceptionName?: string
    readonly transient?: boolean
  }
>(
  base: Base,
  meaning: ErrorMeaning
) =>
  class extends base implements ErrorMeaning {
    get httpStatus() {
      return meaning.httpStatus
    }
    get telemetryName() {
      return this.exceptionName ?? meaning.telemetryName
    }
    get retryable() {
      return this.transient ?? meaning.retryable
    }
  }

/** `{Entity} with {field} of {value} not found` (spec §2.4), or an explicit message. */
export class NotFound extends withMeaning(
  Schema.TaggedError<NotFound>()("NotFound", {
    message: Schema.String,
    /** The Java exception class name the reference service reported for this failure (telemetry name, §5.2). */
    exceptionName: Schema.optionalWith(Schema.String, { default: () => "NotFoundException" })
  }),
  { httpStatus: 404, telemetryName: "NotFoundException", retryable: false }
) {
  static of(entity: string, field: string, value: unknown): NotFound {
    return new NotFound({ message: `${entity} with ${field} of ${String(value)} not found` })
  }
}

export class Conflict extends withMeaning(Schema.TaggedError<Conflict>()("Conflict", { message: Schema.String }), {
  httpStatus: 409,
  telemetryName: "ConflictException",
  retryable: false
}) {}

export class BadRequest extends withMeaning(
  Schema.TaggedError<BadRequest>()("BadRequest", {
    message: Schema.String,
    fields: Schema.optional(Schema.Array(Schema.Struct({ field: Schema.String, message: Schema.String })))
  }),
  { httpStatus: 400, telemetryName: "IllegalArgumentException", retryable: false }
) {}

/**
 * A queue message that can never succeed (reference `UnprocessableException` and its subclasses): the message is
 * acknowledged and `ReferAndMonitorFailureReport` telemetry is raised with these properties (§5.2).
 */
export class Unprocessable extends withMeaning(
  Schema.TaggedError<Unprocessable>()("Unprocessable", {
    message: Schema.String,
    properties: Schema.Record({ key: Schema.String, value: Schema.String })
  }),
  // Not expected over HTTP (a queue-side error); the reference answers the documented cases with a 500 (§4.1).
  { httpStatus: 500, telemetryName: "ReferAndMonitorFailureReport", retryable: false }
) {}

/**
 * A rule of the domain failed in a way that retrying the same input will not fix, but that the reference service
 * treats as a failure (e.g. `IllegalStateException("No End Date for Termination …")`). For queue messages this is a
 * Failure (retry then DLQ, §5.2); `exceptionName` is the telemetry event name.
 */
export class InvalidState extends withMeaning(
  Schema.TaggedError<InvalidState>()("InvalidState", {
    message: Schema.String,
    exceptionName: Schema.String
  }),
  // Not expected over HTTP (a queue-side error); the reference answers the documented cases with a 500 (§4.1).
  { httpStatus: 500, telemetryName: "IllegalStateException", retryable: false }
) {}

/**
 * Delius holds data this service cannot act on safely — two NSIs with one referral URN (§6.3 step 1), two active
 * office locations with one code (§7.1 step 4), an appointment outcome for a contact without an NSI (§4.2). Not the
 * caller's fault and not a clash: HTTP answers 500 naming the inconsistency (409 means a §7.2 clash only, because
 * R&M shows every 409 as one, client-contract §2.3); a queue message is a Failure. Nothing is written.
 */
export class InconsistentData extends withMeaning(
  Schema.TaggedError<InconsistentData>()("InconsistentData", {
    message: Schema.String,
    exceptionName: Schema.optionalWith(Schema.String, { default: () => "IllegalStateException" })
  }),
  { httpStatus: 500, telemetryName: "IllegalStateException", retryable: false }
) {}

/** The Delius database failed; `operation` names what was being done. */
export class DatabaseError extends withMeaning(
  Schema.TaggedError<DatabaseError>()("DatabaseError", {
    operation: Schema.String,
    message: Schema.String,
    cause: Schema.optional(Schema.Defect)
  }),
  { httpStatus: 503, telemetryName: "DataAccessException", retryable: true }
) {}

/** Refer and Monitor (or HMPPS Auth) could not be called or answered with an error. */
export class ReferAndMonitorError extends withMeaning(
  Schema.TaggedError<ReferAndMonitorError>()("ReferAndMonitorError", {
    url: Schema.String,
    message: Schema.String,
    status: Schema.optional(Schema.Number),
    /** true for failures worth retrying (transport errors, timeouts, 5xx, 429). */
    transient: Schema.Boolean,
    cause: Schema.optional(Schema.Defect)
  }),
  { httpStatus: 503, telemetryName: "RestClientException", retryable: true }
) {}

/** The Delius LDAP directory failed. */
export class DirectoryError extends withMeaning(
  Schema.TaggedError<DirectoryError>()("DirectoryError", {
    message: Schema.String,
    cause: Schema.optional(Schema.Defect)
  }),
  // The directory client reconnects a stale connection itself (UserDirectory); the queue does not retry it.
  { httpStatus: 503, telemetryName: "LdapException", retryable: false }
) {}

export type DomainError = NotFound | Conflict | BadRequest | Unprocessable | InvalidState | InconsistentData
export type InfrastructureError = DatabaseError | ReferAndMonitorError | DirectoryError
export type CoreError = DomainError | InfrastructureError
