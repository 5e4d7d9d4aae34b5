import { randomUUID } from "node:crypto"
import { Effect, Schema } from "effect"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Appointment, MergeAppointment } from "../../src/appointment/Appointment.js"
import { DevIds, DevReferrals } from "../../src/delius/seed.js"
import { handleDomainEvent } from "../../src/events/handleDomainEvent.js"
import { Referral, ReferralStarted } from "../../src/referral/Referral.js"
import { plusDays } from "../../src/domain/time.js"
import { describeOnDialectsAndSpans, dropSeededDatabases } from "../../src/testing/index.js"
import { type Harness, makeHarness, today } from "../support/harness.js"
import { fixtureMessage, type ReferAndMonitorStub, startReferAndMonitorStub } from "../support/referAndMonitorStub.js"

/**
 * Every write workflow is one transaction (DESIGN.md, Concurrency): a failure after rows were already written leaves
 * none of them, and the audit row records the failure (OUTCOME 'F', §8.3).
 */
let stub: ReferAndMonitorStub
beforeAll(async () => {
  stub = await startReferAndMonitorStub()
})
afterAll(async () => {
  await stub.close()
  await dropSeededDatabases()
})

const startRequest = Schema.decodeUnknownSync(ReferralStarted)({
  referralId: "4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5",
  startedAt: "2024-06-13T17:52:26.556Z",
  contractType: "ACC",
  sentenceId: DevIds.event.withoutNsi,
  notes: "notes"
})

describeOnDialectsAndSpans(describe, "transactions", (kind, tracing) => {
  let h: Harness
  beforeEach(async () => {
    stub.reset()
    h = await makeHarness(kind, { tracing, referAndMonitorPort: stub.port })
  })
  afterEach(() => h.dispose())

  /** Make every insert into NSI_STATUS_HISTORY fail (a trigger, so the statement itself stays valid). */
  const refuseStatusHistory = (refuse: boolean) =>
    h.sql((sql) =>
      Effect.forEach(
        kind === "sqlite"
          ? refuse
            ? [
                `CREATE TRIGGER REFUSE_HISTORY BEFORE INSERT ON NSI_STATUS_HISTORY
                 BEGIN SELECT RAISE(ABORT, 'status history refused'); END`
              ]
            : ["DROP TRIGGER REFUSE_HISTORY"]
          : refuse
            ? [
                `CREATE FUNCTION refuse_history() RETURNS trigger LANGUAGE plpgsql AS
                 $$ BEGIN RAISE EXCEPTION 'status history refused'; END $$`,
                `CREATE TRIGGER REFUSE_HISTORY BEFORE INSERT ON NSI_STATUS_HISTORY
                 FOR EACH ROW EXECUTE FUNCTION refuse_history()`
              ]
            : ["DROP TRIGGER REFUSE_HISTORY ON NSI_STATUS_HISTORY"],
        (statement) => sql.unsafe(statement),
        { discard: true }
      )
    )

  it("Referral.start failing after the NSI and its manager were inserted leaves no row", async () => {
    // Status history is written after NSI and NSI_MANAGER (§6.3 step 2.5–2.7): make that insert fail.
    await refuseStatusHistory(true)
    const before = { nsi: await h.count("NSI"), managers: await h.count("NSI_MANAGER"), contacts: await h.contacts() }
    const error = await h.failure(Effect.flatMap(Referral, (r) => r.start("S123456", startRequest)))
    expect(error).toMatchObject({ _tag: "DatabaseError", operation: "Nsi.insertStatusHistory" })
    expect(await h.count("NSI")).toBe(before.nsi)
    expect(await h.count("NSI_MANAGER")).toBe(before.managers)
    expect(await h.contacts()).toEqual(before.contacts)
    expect(await h.audits()).toEqual([
      expect.objectContaining({ code: "NIBI009", outcome: "F", parameters: "offenderId='3'" })
    ])
    expect(await h.telemetry()).toEqual([])

    // Once the insert is allowed again the same request succeeds. The NSI insert really happened before the failure:
    // on PostgreSQL the sequence value it took is gone (sequences are not transactional), while SQLite's emulated
    // sequence rolled back with the transaction.
    await refuseStatusHistory(false)
    await h.run(Effect.flatMap(Referral, (r) => r.start("S123456", startRequest)))
    const created = (await h.nsis()).filter((n) => n.offenderId === DevIds.offender.S123456)
    expect(created.map((n) => n.nsiId)).toEqual([kind === "postgres" ? 6 : 5])
  })

  it("referral end failing after status, history, withdrawal and C092 (NTER type missing) leaves no row", async () => {
    await h.sql((sql) => sql`DELETE FROM R_CONTACT_TYPE WHERE CODE = 'NTER'`)
    const before = await h.snapshot()
    const message = fixtureMessage("referral-withdrawn", stub)
    const result = await h.run(handleDomainEvent(message))
    expect(result).toMatchObject({
      outcome: "Failure",
      telemetryName: "NotFoundException",
      message: "ContactType with code of NTER not found"
    })
    expect(await h.snapshot()).toEqual(before)
    expect(await h.audits()).toEqual([
      expect.objectContaining({ code: "NIBI009", outcome: "F", parameters: "offenderId='1',nsiId='1'" })
    ])
    // The message is retried by SQS; once Delius has the type it succeeds.
    await h.sql(
      (sql) =>
        sql`INSERT INTO R_CONTACT_TYPE ${sql.insert({
          CONTACT_TYPE_ID: 8,
          CODE: "NTER",
          DESCRIPTION: "NSI Terminated",
          NATIONAL_STANDARDS_CONTACT: "N",
          ATTENDANCE_CONTACT: "N"
        })}`
    )
    expect((await h.run(handleDomainEvent(message))).outcome).toBe("Success")
    expect((await h.nsi(1)).statusCode).toBe("COMP")
  })

  it("referral end with the COMP status missing fails with NsiStatus with code of COMP not found", async () => {
    await h.sql((sql) => sql`DELETE FROM R_NSI_STATUS WHERE CODE = 'COMP'`)
    const before = await h.snapshot()
    const result = await h.run(handleDomainEvent(fixtureMessage("referral-withdrawn", stub)))
    expect(result).toMatchObject({ outcome: "Failure", message: "NsiStatus with code of COMP not found" })
    expect(await h.snapshot()).toEqual(before)
    expect((await h.audits()).map((a) => a.outcome)).toEqual(["F"])
  })

  it("a reschedule failing after the replacement was inserted (RSSR missing) leaves no row", async () => {
    const id = randomUUID()
    const body = (overrides: Record<string, unknown>) =>
      Schema.decodeUnknownSync(MergeAppointment)({
        id,
        referralId: DevReferrals.noAppointments,
        referralReference: "FE4536AC",
        start: new Date(Date.parse(`${plusDays(today(), 7)}T09:00:00Z`)).toISOString(),
        durationInMinutes: 60,
        notes: "first",
        officeLocationCode: "CRSEXTL",
        countsTowardsRar: true,
        ...overrides
      })
    await h.run(Effect.flatMap(Appointment, (a) => a.merge("N049975", body({}))))
    await h.sql((sql) => sql`DELETE FROM R_CONTACT_OUTCOME_TYPE WHERE CODE = 'RSSR'`)
    const before = await h.snapshot()
    const reschedule = body({
      id: randomUUID(),
      previousId: id,
      notes: "second",
      start: new Date(Date.parse(`${plusDays(today(), 8)}T09:00:00Z`)).toISOString()
    })
    expect(await h.failure(Effect.flatMap(Appointment, (a) => a.merge("N049975", reschedule)))).toMatchObject({
      _tag: "NotFound",
      message: "ContactOutcome with code of RSSR not found"
    })
    expect(await h.snapshot()).toEqual(before)
    expect((await h.audits()).map((a) => [a.outcome, a.parameters])).toEqual([
      ["P", "offenderId='4',contactId='5'"],
      ["F", "offenderId='4',contactId='5'"]
    ])
  })

  it("non-compliance failing at the review (ARWS missing) after enforcement, AROM and FTC writes leaves no row", async () => {
    await h.sql((sql) => sql`DELETE FROM R_CONTACT_TYPE WHERE CODE = 'ARWS'`)
    const before = await h.snapshot()
    const result = await h.run(
      handleDomainEvent(fixtureMessage("session-appointment-feedback-submitted-non-compliant", stub))
    )
    expect(result).toMatchObject({
      outcome: "Failure",
      telemetryName: "NotFoundException",
      message: "ContactType with code of ARWS not found"
    })
    expect(await h.snapshot()).toEqual(before)
    expect(await h.audits()).toEqual([
      expect.objectContaining({
        code: "CLBI007",
        outcome: "F",
        parameters: "contactId='3fa85f64-5717-4562-b3fc-2c963f66afa6'"
      })
    ])
  })
})
