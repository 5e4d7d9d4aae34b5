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

/** `{Entity} with {field} of {value} not found` (spec §2.4), or an explicit message. */
export class NotFound
  extends Schema.TaggedError<NotFound>()("NotFound", {
    message: Schema.String,
    /** The Java exception class name the reference service reported for this failure (telemetry name, §5.2). */
    exceptionName: Schema.optionalWith(Schema.String, { default: () => "NotFoundException" })
  })
  implements ErrorMeaning
{
  get httpStatus() {
    return 404
  }
  get telemetryName() {
    return this.exceptionName
  }
  get retryable() {
    return false
  }
  static of(entity: string, field: string, value: unknown): NotFound {
    return new NotFound({ message: `${entity} with ${field} of ${String(value)} not found` })
  }
}

export class Conflict
  extends Schema.TaggedError<Conflict>()("Conflict", { message: Schema.String })
  implements ErrorMeaning
{
  get httpStatus() {
    return 409
  }
  get telemetryName() {
    return "ConflictException"
  }
  get retryable() {
    return false
  }
}

export class BadRequest
  extends Schema.TaggedError<BadRequest>()("BadRequest", {
    message: Schema.String,
    fields: Schema.optional(Schema.Array(Schema.Struct({ field: Schema.String, message: Schema.String })))
  })
  implements ErrorMeaning
{
  get httpStatus() {
    return 400
  }
  get telemetryName() {
    return "IllegalArgumentException"
  }
  get retryable() {
    return false
  }
}

/**
 * A queue message that can never succeed (reference `UnprocessableException` and its subclasses): the message is
 * acknowledged and `ReferAndMonitorFailureReport` telemetry is raised with these properties (§5.2).
 */
export class Unprocessable
  extends Schema.TaggedError<Unprocessable>()("Unprocessable", {
    message: Schema.String,
    properties: Schema.Record({ key: Schema.String, value: Schema.String })
  })
  implements ErrorMeaning
{
  /** Not expected over HTTP (a queue-side error); the reference answers the documented cases with a 500 (§4.1). */
  get httpStatus() {
    return 500
  }
  get telemetryName() {
    return "ReferAndMonitorFailureReport"
  }
  get retryable() {
    return false
  }
}

/**
 * A rule of the domain failed in a way that retrying the same input will not fix, but that the reference service
 * treats as a failure (e.g. `IllegalStateException("No End Date for Termination …")`). For queue messages this is a
 * Failure (retry then DLQ, §5.2); `exceptionName` is the telemetry event name.
 */
export class InvalidState
  extends Schema.TaggedError<InvalidState>()("InvalidState", {
    message: Schema.String,
    exceptionName: Schema.String
  })
  implements ErrorMeaning
{
  /** Not expected over HTTP (a queue-side error); the reference answers the documented cases with a 500 (§4.1). */
  get httpStatus() {
    return 500
  }
  get telemetryName() {
    return this.exceptionName
  }
  get retryable() {
    return false
  }
}

/**
 * Delius holds data this service cannot act on safely — two NSIs with one referral URN (§6.3 step 1), two active
 * office locations with one code (§7.1 step 4), an appointment outcome for a contact without an NSI (§4.2). Not the
 * caller's fault and not a clash: HTTP answers 500 naming the inconsistency (409 means a §7.2 clash only, because
 * R&M shows every 409 as one, client-contract §2.3); a queue message is a Failure. Nothing is written.
 */
export class InconsistentData
  extends Schema.TaggedError<InconsistentData>()("InconsistentData", {
    message: Schema.String,
    exceptionName: Schema.optionalWith(Schema.String, { default: () => "IllegalStateException" })
  })
  implements ErrorMeaning
{
  get httpStatus() {
    return 500
  }
  get telemetryName() {
    return this.exceptionName
  }
  get retryable() {
    return false
  }
}

/** The Delius database failed; `operation` names what was being done. */
export class DatabaseError
  extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
    operation: Schema.String,
    message: Schema.String,
    cause: Schema.optional(Schema.Defect)
  })
  implements ErrorMeaning
{
  get httpStatus() {
    return 503
  }
  get telemetryName() {
    return "DataAccessException"
  }
  get retryable() {
    return true
  }
}

/** Refer and Monitor (or HMPPS Auth) could not be called or answered with an error. */
export class ReferAndMonitorError
  extends Schema.TaggedError<ReferAndMonitorError>()("ReferAndMonitorError", {
    url: Schema.String,
    message: Schema.String,
    status: Schema.optional(Schema.Number),
    /** true for failures worth retrying (transport errors, timeouts, 5xx, 429). */
    transient: Schema.Boolean,
    cause: Schema.optional(Schema.Defect)
  })
  implements ErrorMeaning
{
  get httpStatus() {
    return 503
  }
  get telemetryName() {
    return "RestClientException"
  }
  get retryable() {
    return this.transient
  }
}

/** The Delius LDAP directory failed. */
export class DirectoryError
  extends Schema.TaggedError<DirectoryError>()("DirectoryError", {
    message: Schema.String,
    cause: Schema.optional(Schema.Defect)
  })
  implements ErrorMeaning
{
  get httpStatus() {
    return 503
  }
  get telemetryName() {
    return "LdapException"
  }
  // The directory client reconnects a stale connection itself (UserDirectory); the queue does not retry it.
  get retryable() {
    return false
  }
}

export type DomainError = NotFound | Conflict | BadRequest | Unprocessable | InvalidState | InconsistentData
export type InfrastructureError = DatabaseError | ReferAndMonitorError | DirectoryError
export type CoreError = DomainError | InfrastructureError
