import { SqlClient } from "@effect/sql"
import { Database as CoreDatabase } from "@ram-delius/core"
import { Effect, Layer } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { redrive } from "../src/dlq.js"
import { contact, deliusSnapshot, startHarness, waitFor, type Harness } from "./support/harness.js"
import { DatabaseSync } from "node:sqlite"

/**
 * Failure paths (spec §5.2, client-contract.md §5.2–§5.3): transient R&M errors retried in-process, R&M down → three
 * receives then the DLQ, the database unavailable → nothing lost, poison messages → the DLQ without blocking others.
 */
let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const SESSION_PATH = "/referral/68df9f6c-3fcb-4ec6-8fcf-96551cd9b080/sessions/2"

describe("Refer and Monitor failures", () => {
  it("500 twice then 200: retried in-process and processed once, on the first receive", async () => {
    h = await startHarness()
    let calls = 0
    h.stub.use((request) =>
      request.path === SESSION_PATH && ++calls <= 2 ? { status: 500, body: { status: 500 } } : undefined
    )
    const consumer = await h.start()
    await h.sendFixture("session-appointment-feedback-submitted-compliant")
    await waitFor("processed", () => consumer.stats.succeeded === 1 && h!.queue().total === 0)

    expect(calls).toBe(3)
    expect(consumer.stats).toMatchObject({ received: 1, succeeded: 1, failed: 0 })
    expect(contact(h, 2)).toMatchObject({ OUTCOME: "ATTC" })
    expect((await h.telemetry()).map((event) => event.name)).toEqual(["SessionAppointmentSubmitted"])
  })

  it("R&M answering 500: exactly 3 GETs per receive (one retry layer, §5.2 step 6, §5.3)", async () => {
    h = await startHarness()
    let calls = 0
    h.stub.use((request) =>
      request.path === SESSION_PATH ? (calls++, { status: 500, body: { status: 500 } }) : undefined
    )
    // A long error visibility, so the first receive's attempts are counted before the message comes back.
    const consumer = await h.start({ errorVisibilityTimeouts: [3600] })
    await h.sendFixture("session-appointment-feedback-submitted-compliant")
    await waitFor("the first receive failed", () => consumer.stats.failed === 1)
    const callsOnFirstReceive = calls
    await consumer.stop()

    expect(callsOnFirstReceive).toBe(3)
    expect(consumer.stats).toMatchObject({ received: 1, failed: 1, succeeded: 0 })
    const failures = await h.telemetry()
    expect(failures.map((event) => event.name)).toEqual(["RestClientException"])
    expect(failures[0]!.properties.message).toContain("failed with status 500")
  })

  it("down: three receives, failure telemetry each time, then the DLQ — no partial Delius write; a redrive after recovery processes it", async () => {
    h = await startHarness()
    const before = deliusSnapshot(h)
    h.stub.use((request) => (request.path.startsWith("/sent-referral/") ? "drop" : undefined))
    const consumer = await h.start()
    await h.sendFixture("referral-withdrawn")
    // The counters move after the visibility change that lets the DLQ move happen: wait for both.
    await waitFor("the message in the DLQ", () => h!.queue("dlq").total === 1 && consumer.stats.failed === 3)

    expect(consumer.stats).toMatchObject({ received: 3, failed: 3, succeeded: 0 })
    expect(h.queue().total).toBe(0)
    expect(deliusSnapshot(h)).toEqual(before)
    const failures = await h.telemetry()
    expect(failures).toHaveLength(3)
    for (const failure of failures) {
      expect(failure).toMatchObject({ name: "RestClientException", properties: { crn: "T140223" } })
      expect(failure.properties.message).toContain("/sent-referral/f56c5f7c-632f-4cad-a1b3-693541cb5f22")
    }

    // R&M is back: support redrives the DLQ and the referral ends.
    h.stub.reset()
    const result = await redrive(h.client, { dlqUrl: h.dlqUrl, queueUrl: h.queueUrl }, "all")
    expect(result.moved).toHaveLength(1)
    await waitFor("processed after the redrive", () => consumer.stats.succeeded === 1 && h!.queue().total === 0)
    expect(h.rows("SELECT ACTIVE_FLAG FROM NSI WHERE NSI_ID = 1")).toEqual([{ ACTIVE_FLAG: 0 }])
  })
})

describe("Delius database unavailable", () => {
  it("messages arriving while another connection holds the write lock are not lost: retried, processed once it is released", async () => {
    // A short busy timeout, so each attempt fails quickly instead of waiting core's 10 s for the lock.
    h = await startHarness({
      database: (url) =>
        CoreDatabase.layerFromUrl(url).pipe(
          Layer.tap((context) =>
            Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe("PRAGMA busy_timeout = 50")).pipe(
              Effect.provide(context),
              Effect.orDie
            )
          )
        )
    })
    const locker = new DatabaseSync(h.sqlitePath)
    locker.exec("BEGIN IMMEDIATE")
    try {
      const consumer = await h.start({ errorVisibilityTimeouts: [3] })
      await h.sendFixture("session-appointment-feedback-submitted-compliant")
      await h.sendFixture("session-appointment-feedback-submitted-not-attended")
      await h.sendFixture("session-appointment-feedback-submitted-no-session")
      await waitFor("three failures", () => consumer.stats.failed >= 3)

      expect(consumer.stats.succeeded).toBe(0)
      expect(h.queue().total).toBe(3)
      expect(contact(h, 2)!.OUTCOME).toBeNull()
      // The database failure is reported under the reference's name for it (§5.2 step 5).
      expect((await h.telemetry()).map((event) => event.name)).toContain("DataAccessException")

      locker.exec("ROLLBACK")
      await waitFor("all three processed", () => consumer.stats.succeeded === 3 && h!.queue().total === 0)
      expect(h.queue("dlq").total).toBe(0)
      expect(contact(h, 2)).toMatchObject({ OUTCOME: "ATTC" })
      expect(contact(h, 3)).toMatchObject({ OUTCOME: "AFTA" })
      expect(contact(h, 4)).toMatchObject({ OUTCOME: "ATSS" })
    } finally {
      if (locker.isTransaction) locker.exec("ROLLBACK")
      locker.close()
    }
  })
})

describe("poison messages", () => {
  it("not JSON, no detailUrl, an unknown shape: each reaches the DLQ after three receives; good messages beside them are processed at once", async () => {
    h = await startHarness()
    const consumer = await h.start()
    const noDetailUrl = JSON.stringify({
      Type: "Notification",
      MessageId: "poison-no-detail-url",
      Message: JSON.stringify({
        eventType: "intervention.action-plan.approved",
        version: 1,
        occurredAt: "2023-06-05T15:06:13Z",
        personReference: { identifiers: [{ type: "CRN", value: "T140223" }] }
      }),
      MessageAttributes: { eventType: { Type: "String", Value: "intervention.action-plan.approved" } }
    })
    await h.sendBody("this is not JSON")
    await h.sendBody(noDetailUrl)
    await h.sendFixture("session-appointment-feedback-submitted-compliant")
    await h.sendBody(JSON.stringify({ hello: ["an", "unknown", "shape"] }))
    await h.sendFixture("action-plan-approved")

    // The good ones do not wait for the poison: done on their first receive, while the poison is still being retried.
    await waitFor("the good messages", () => consumer.stats.succeeded === 2)
    expect(h.queue("dlq").total).toBeLessThan(3)
    // The failure counter moves after the visibility change that lets the DLQ move happen: wait for both.
    await waitFor("three messages in the DLQ", () => h!.queue("dlq").total === 3 && consumer.stats.failed === 9)

    expect(h.queue().total).toBe(0)
    expect(consumer.stats).toMatchObject({ succeeded: 2, failed: 9, received: 11 })
    expect(h.queue("dlq").bodies.sort()).toEqual(
      [JSON.stringify({ hello: ["an", "unknown", "shape"] }), noDetailUrl, "this is not JSON"].sort()
    )
    expect(contact(h, 2)).toMatchObject({ OUTCOME: "ATTC" })
    const failures = (await h.telemetry()).filter((event) => event.name === "IllegalArgumentException")
    // An unknown JSON shape decodes as an event with nothing in it, so it fails for its missing detailUrl (§5.2 step 1).
    expect(new Set(failures.map((event) => event.properties.message))).toEqual(
      new Set(["Message body is not JSON", "Detail Url Missing"])
    )
    expect(failures).toHaveLength(9)
  })
})
