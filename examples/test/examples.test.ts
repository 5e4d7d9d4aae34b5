import { DevIds, DevReferrals } from "@ram-delius/core"
import { createSeededDatabase, sqliteFile, testCoreLayer, type TestDatabase } from "@ram-delius/core/testing"
import { Effect, Either } from "effect"
import { DatabaseSync } from "node:sqlite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bookAppointment, describeRules } from "../src/merge-with-own-repository.js"
import { makeHandler } from "../src/lambda-handler.js"

let db: TestDatabase
let url: string
let file: string
beforeAll(async () => {
  db = await createSeededDatabase("sqlite")
  url = db.url
  file = sqliteFile(db)
})
afterAll(() => db?.drop())

describe("example (a): rules and Appointment.merge with the team's own repository layer", () => {
  it("uses the pure rules", () => {
    const rules = describeRules()
    expect(rules.nsiType).toBe("CRS08")
    expect(Either.getOrThrow(rules.outcome)).toBe("ATTC")
  })

  it("books an appointment through the decorated repository", async () => {
    const published: Array<number> = []
    const start = new Date(Date.now() + 7 * 86_400_000)
    start.setUTCHours(10, 0, 0, 0)
    const result = await Effect.runPromise(
      bookAppointment(
        url,
        "N049975",
        {
          id: "0f3b7f5e-5f6c-4b3e-9b0e-2a1c3d4e5f60",
          referralId: DevReferrals.noAppointments,
          referralReference: "FE4536AC",
          start: start.toISOString(),
          durationInMinutes: 60,
          notes: "Booked by example (a)",
          officeLocationCode: "CRSEXTL",
          countsTowardsRar: true
        },
        published
      )
    )
    expect(published).toEqual([result.appointmentId])
    const row = new DatabaseSync(file, { readOnly: true })
      .prepare(
        "SELECT c.OFFENDER_ID, t.CODE, c.EXTERNAL_REFERENCE, c.NOTES FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID WHERE CONTACT_ID = ?"
      )
      .get(result.appointmentId)
    expect(row).toEqual({
      OFFENDER_ID: DevIds.offender.N049975,
      CODE: "CRSAPT",
      EXTERNAL_REFERENCE: "urn:hmpps:interventions-appointment:0f3b7f5e-5f6c-4b3e-9b0e-2a1c3d4e5f60",
      NOTES: "\nBooked by example (a)"
    })
  })
})

describe("example (c): a Lambda-shaped single-message handler", () => {
  it("acknowledges handled and unhandled messages and reports failures for redelivery", async () => {
    const { handler, dispose } = makeHandler(testCoreLayer(url))
    const event = (eventType: string, detailUrl: string | null, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        Type: "Notification",
        MessageId: "m",
        Message: JSON.stringify({
          eventType,
          version: 1,
          detailUrl,
          occurredAt: "2024-06-12T15:08:47.06300754+01:00",
          additionalInformation: {
            referralId: DevReferrals.withdrawn,
            referralReference: "FE4536C",
            contractTypeName: "Accommodation",
            primeProviderName: "Harmony Living",
            actionPlanProbationUserUrl: "https://ui/action-plan",
            ...extra
          },
          personReference: { identifiers: [{ type: "CRN", value: "T140223" }] }
        }),
        MessageAttributes: { eventType: { Type: "String", Value: eventType } }
      })
    const response = await handler({
      Records: [
        { messageId: "ok", body: event("intervention.action-plan.submitted", "http://localhost/action-plan/1") },
        { messageId: "unhandled", body: event("intervention.referral.sent", "http://localhost/sent-referral/1") },
        { messageId: "no-detail-url", body: event("intervention.action-plan.approved", null) },
        { messageId: "not-json", body: "not json" }
      ]
    })
    await dispose()
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["no-detail-url", "not-json"])
    const notes = new DatabaseSync(file, { readOnly: true })
      .prepare(
        "SELECT c.NOTES FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID WHERE t.CODE = 'CRSNOTE'"
      )
      .all()
    expect(notes).toEqual([
      {
        NOTES:
          "\nAction Plan Submitted for Accommodation Referral FE4536C with Prime Provider Harmony Living\nhttps://ui/action-plan"
      }
    ])
  })
})
