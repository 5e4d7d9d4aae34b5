import { describe, expect, it } from "vitest"
import {
  BadRequest,
  Conflict,
  DatabaseError,
  DirectoryError,
  InconsistentData,
  InvalidState,
  NotFound,
  ReferAndMonitorError,
  Unprocessable
} from "../src/errors.js"
import { eventTypeOf } from "../src/events/DomainEvent.js"
import { failureOutcome } from "../src/events/outcome.js"
import { QueueAdminUnavailable, QueueNotFound } from "../src/queue-admin/QueueAdmin.js"

/** Pure unit tests of what each error declares (DESIGN.md, Errors) and of the queue outcome built from it (spec §5.2). */

describe("each error's meaning", () => {
  it.each([
    [NotFound.of("Person", "crn", "X1"), 404, "NotFoundException", false],
    [
      new NotFound({ message: "Referral not found", exceptionName: "EntityNotFoundException" }),
      404,
      "EntityNotFoundException",
      false
    ],
    [new Conflict({ message: "clash" }), 409, "ConflictException", false],
    [new BadRequest({ message: "bad" }), 400, "IllegalArgumentException", false],
    [new Unprocessable({ message: "Referral Not Found", properties: {} }), 500, "ReferAndMonitorFailureReport", false],
    [
      new InvalidState({ message: "No End Date", exceptionName: "IllegalStateException" }),
      500,
      "IllegalStateException",
      false
    ],
    [new InconsistentData({ message: "two NSIs" }), 500, "IllegalStateException", false],
    [new DatabaseError({ operation: "Person.lock", message: "locked" }), 503, "DataAccessException", true],
    [new ReferAndMonitorError({ url: "http://rm", message: "502", transient: true }), 503, "RestClientException", true],
    [
      new ReferAndMonitorError({ url: "http://rm", message: "404", transient: false }),
      503,
      "RestClientException",
      false
    ],
    [new DirectoryError({ message: "LDAP down" }), 503, "LdapException", false],
    [new QueueNotFound({ queueName: "q" }), 404, "MissingQueueException", false],
    [new QueueAdminUnavailable({ operation: "PurgeQueue", detail: "ECONNREFUSED" }), 503, "SqsException", true]
  ] as const)("%s", (error, httpStatus, telemetryName, retryable) => {
    expect({ httpStatus: error.httpStatus, telemetryName: error.telemetryName, retryable: error.retryable }).toEqual({
      httpStatus,
      telemetryName,
      retryable
    })
  })
})

describe("queue outcome of a failed handler (§5.2)", () => {
  const common = { crn: "X1", referralId: "r1" }

  it("Unprocessable is Rejected with ReferAndMonitorFailureReport and its properties", () => {
    expect(
      failureOutcome(new Unprocessable({ message: "Referral Not Found", properties: { urn: "u" } }), common)
    ).toEqual({
      outcome: "Rejected",
      telemetryName: "ReferAndMonitorFailureReport",
      properties: { crn: "X1", referralId: "r1", urn: "u", message: "Referral Not Found" },
      transient: false,
      message: "Referral Not Found"
    })
  })

  it("anything else is a Failure named by the error, transient only for infrastructure worth retrying", () => {
    expect(failureOutcome(new DatabaseError({ operation: "Person.lock", message: "locked" }), common)).toEqual({
      outcome: "Failure",
      telemetryName: "DataAccessException",
      properties: { crn: "X1", referralId: "r1", message: "locked" },
      transient: true,
      message: "locked"
    })
    const conflict = failureOutcome(new Conflict({ message: "clash" }), common)
    expect([conflict.outcome, conflict.telemetryName, conflict.transient]).toEqual([
      "Failure",
      "ConflictException",
      false
    ])
  })
})

describe("eventTypeOf (the SNS envelope, §5.2 step 2)", () => {
  const event = { eventType: "intervention.referral.ended", personReference: "not the shape" }
  it("the SNS attribute first, else the event's own, even when the event would not decode; undefined when unreadable", () => {
    const envelope = (attributes: unknown) =>
      JSON.stringify({ Message: JSON.stringify(event), MessageAttributes: attributes })
    expect(eventTypeOf(envelope({ eventType: { Type: "String", Value: "from.attribute" } }))).toBe("from.attribute")
    expect(eventTypeOf(envelope(undefined))).toBe("intervention.referral.ended")
    expect(eventTypeOf(JSON.stringify(event))).toBe("intervention.referral.ended")
    expect(eventTypeOf("not json")).toBeUndefined()
    expect(eventTypeOf(JSON.stringify({ Message: "not json" }))).toBeUndefined()
    expect(eventTypeOf("null")).toBeUndefined()
  })
})
