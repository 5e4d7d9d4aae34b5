import { SqlError } from "@effect/sql"
import {
  BadRequest,
  Conflict,
  DatabaseError,
  DirectoryError,
  InvalidState,
  NotFound,
  ReferAndMonitorError,
  Unprocessable
} from "@ram-delius/core"
import { Cause, Effect, Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { decodeBody, fromCause, fromFailure, fromThrown, HttpProblem, RequestTimedOut } from "../src/errors.js"

/** Pure unit tests of the error mapping (DESIGN.md, Errors; spec §2.4): every core error has its status and body. */

describe("core errors → HTTP", () => {
  it.each([
    [NotFound.of("Person", "crn", "X1"), { status: 404, message: "Person with crn of X1 not found" }],
    [new Conflict({ message: "clash" }), { status: 409, message: "clash" }],
    [new BadRequest({ message: "bad" }), { status: 400, message: "bad" }],
    [
      new BadRequest({ message: "bad", fields: [{ field: "start", message: "in the past" }] }),
      { status: 400, message: "bad", fields: [{ field: "start", message: "in the past" }] }
    ],
    [
      new DatabaseError({ operation: "Person.lock", message: "ORA-12541: no listener" }),
      { status: 503, message: "Delius database unavailable" }
    ],
    [new SqlError.SqlError({ message: "connection refused" }), { status: 503, message: "Delius database unavailable" }],
    [new DirectoryError({ message: "LDAP down" }), { status: 503, message: "Delius directory unavailable" }],
    [
      new ReferAndMonitorError({ url: "http://rm", message: "502", transient: true }),
      { status: 503, message: "Refer and Monitor unavailable" }
    ],
    [new RequestTimedOut({ timeoutMs: 10_000 }), { status: 503, message: "Request to Delius timed out" }],
    [
      new InvalidState({ message: "Unable to find or create NSI for urn:x", exceptionName: "IllegalStateException" }),
      { status: 500, message: "Unable to find or create NSI for urn:x" }
    ],
    [
      new Unprocessable({ message: "Referral Not Found", properties: {} }),
      { status: 500, message: "Referral Not Found" }
    ],
    [new HttpProblem(413, "too big"), { status: 413, message: "too big" }]
  ] as const)("%s", (error, body) => {
    expect(fromFailure(error).body).toEqual(body)
  })

  it("infrastructure detail stays in the log, never in the body", () => {
    const response = fromFailure(
      new DatabaseError({ operation: "Person.lock", message: "ORA-12541: TNS:no listener at db.internal:1521" })
    )
    expect(JSON.stringify(response.body)).not.toContain("db.internal")
    expect(response.detail).toBe("DatabaseError [Person.lock]: ORA-12541: TNS:no listener at db.internal:1521")
  })

  it("defects and unknown failures → 500 with a generic message; interruption → 503", () => {
    const defect = fromCause(Cause.die(new Error("secret stack detail")))
    expect(defect.body).toEqual({ status: 500, message: "Internal server error" })
    expect(defect.detail).toContain("secret stack detail")
    expect(fromFailure({ something: "else" }).body).toEqual({ status: 500, message: "Internal server error" })
    expect(fromCause(Cause.interrupt(Cause.empty as never)).body.status).toBe(503)
  })

  it("thrown Koa errors: 4xx keep an exposed message, anything else is a 500", () => {
    const methodNotAllowed = Object.assign(new Error("Method Not Allowed"), { status: 405, expose: true })
    expect(fromThrown(methodNotAllowed).body).toEqual({ status: 405, message: "Method Not Allowed" })
    expect(fromThrown(new TypeError("x is undefined")).body).toEqual({ status: 500, message: "Internal server error" })
  })
})

describe("Validation failure fields (decision Q6)", () => {
  const Body = Schema.Struct({
    id: Schema.UUID,
    count: Schema.Int,
    outcome: Schema.optionalWith(Schema.NullOr(Schema.Struct({ attended: Schema.Literal("YES", "NO") })), {
      default: () => null
    })
  })
  const fields = (input: unknown) => {
    const result = Effect.runSync(Effect.either(decodeBody(Body)(input)))
    return Either.isLeft(result) ? result.left.fields : []
  }

  it("one entry per bad field, by path; the nullable parent of a bad nested field is not repeated", () => {
    expect(fields({ count: 1.5, outcome: { attended: "yes" } })).toEqual([
      { field: "id", message: "is missing" },
      { field: "count", message: "Expected an integer, actual 1.5" },
      { field: "outcome.attended", message: 'Expected "YES", actual "yes"; Expected "NO", actual "yes"' }
    ])
  })

  it("the body as a whole is `body`; long values are truncated", () => {
    expect(fields([1, 2])).toEqual([{ field: "body", message: "Expected Struct (Encoded side), actual [1,2]" }])
    const [id] = fields({ id: "x".repeat(10_000), count: 1 })
    expect(id!.field).toBe("id")
    expect(id!.message.length).toBeLessThanOrEqual(300)
  })

  it("unknown properties are ignored (§2.1)", () => {
    expect(fields({ id: "4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5", count: 1, serviceUserCrn: "X" })).toEqual([])
  })
})
