/**
 * How a handler's failure ends a queue message (spec §5.2). An `Unprocessable` message can never succeed: it is
 * Rejected (acknowledged, `ReferAndMonitorFailureReport` with the error's properties). Every other error is a Failure:
 * left for SQS to redeliver and, after maxReceiveCount, moved to the DLQ; its telemetry name and whether an in-process
 * retry can help are the error's own (`ErrorMeaning`). The mapping is exhaustive over the handlers' error union, so an
 * error added to it without a place here does not compile.
 */
import { Match } from "effect"
import type { CoreError } from "../errors.js"
import type { EventResult } from "./handleDomainEvent.js"

/** Every error an event handler can fail with. */
export type HandlerError = CoreError

export type FailureResult = Omit<EventResult, "eventType" | "messageId">

/** Whether to retry the handler in-process before giving the message back to SQS (infrastructure that may come back). */
export const isRetryable = (error: HandlerError): boolean => error.retryable

const failure =
  (common: Readonly<Record<string, string>>) =>
  (error: HandlerError): FailureResult => {
    const text = error.message !== "" ? error.message : String(error)
    return {
      outcome: "Failure",
      telemetryName: error.telemetryName,
      properties: { ...common, message: text },
      transient: error.retryable,
      message: text
    }
  }

/** The result of a message whose handler failed with `error`; `common` are the properties every event carries. */
export const failureOutcome = (error: HandlerError, common: Readonly<Record<string, string>>): FailureResult => {
  const failed = failure(common)
  return Match.value(error).pipe(
    Match.tagsExhaustive({
      Unprocessable: (rejected): FailureResult => ({
        outcome: "Rejected",
        telemetryName: rejected.telemetryName,
        properties: { ...common, ...rejected.properties, message: rejected.message },
        transient: false,
        message: rejected.message
      }),
      NotFound: failed,
      Conflict: failed,
      BadRequest: failed,
      InvalidState: failed,
      InconsistentData: failed,
      DatabaseError: failed,
      ReferAndMonitorError: failed,
      DirectoryError: failed
    })
  )
}
