import { SqlClient } from "@effect/sql"
import { randomUUID } from "node:crypto"
import { Deferred, Effect, Fiber, Option, Schedule, Schema } from "effect"
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest"
import { Appointment, MergeAppointment } from "../../src/appointment/Appointment.js"
import { inPersonTransaction } from "../../src/delius/DeliusContext.js"
import { DevIds, DevReferrals } from "../../src/delius/seed.js"
import { Referral, ReferralStarted } from "../../src/referral/Referral.js"
import { plusDays } from "../../src/domain/time.js"
import { describeOnDialectsAndSpans, dropSeededDatabases } from "../../src/testing/index.js"
import { type Harness, makeHarness, named, today } from "../support/harness.js"

/**
 * Concurrency (decision Q1, §14 "lost race", DESIGN.md Concurrency). On PostgreSQL every transaction runs on its own
 * pooled connection, so the per-person row lock is what keeps identical concurrent operations from duplicating rows.
 */
afterAll(dropSeededDatabases)

const REFERRAL_ID = "4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5"
const URN = `urn:hmpps:interventions-referral:${REFERRAL_ID}`

const startRequest = Schema.decodeUnknownSync(ReferralStarted)({
  referralId: REFERRAL_ID,
  startedAt: "2024-06-13T17:52:26.556Z",
  contractType: "ACC",
  sentenceId: DevIds.event.withoutNsi,
  notes: "notes"
})

describeOnDialectsAndSpans(describe, "concurrent identical requests", (kind, tracing) => {
  let h: Harness
  beforeEach(async () => {
    h = await makeHarness(kind, { tracing, maxConnections: 20 })
  })
  afterEach(() => h.dispose())

  it("20 concurrent identical Referral.start: all succeed, exactly one NSI, unchanged after creation", async () => {
    await h.run(
      Effect.all(
        Array.from({ length: 20 }, () => Effect.flatMap(Referral, (r) => r.start("S123456", startRequest))),
        { concurrency: "unbounded" }
      )
    )
    const nsis = (await h.nsis()).filter((n) => n.externalReference === URN)
    expect(nsis).toHaveLength(1)
    const nsi = nsis[0]!
    expect(nsi.rowVersion).toBe(0)
    expect(nsi.createdDatetime).toBe(nsi.lastUpdatedDatetime)
    expect((await h.rows("NSI_MANAGER", "NSI_MANAGER_ID")).filter((m) => m.nsiId === nsi.nsiId)).toHaveLength(1)
    expect(await h.count("NSI_STATUS_HISTORY")).toBe(1)
    expect((await h.contacts()).filter((c) => c.nsiId === nsi.nsiId).map((c) => c.typeCode)).toEqual([
      "NREF",
      "C091",
      "NCOM"
    ])
    const audits = await h.audits()
    expect(audits).toHaveLength(20)
    expect(new Set(audits.map((a) => `${a.outcome} ${a.parameters}`))).toEqual(
      new Set([`P offenderId='3',nsiId='${nsi.nsiId}'`])
    )
    expect(named(await h.telemetry(), "ReferralStarted")).toHaveLength(20)
  })

  it("10 concurrent identical Appointment.merge: one contact, the same appointmentId for all", async () => {
    const request = Schema.decodeUnknownSync(MergeAppointment)({
      id: randomUUID(),
      referralId: DevReferrals.noAppointments,
      referralReference: "FE4536AC",
      start: new Date(Date.parse(`${plusDays(today(), 7)}T09:00:00Z`)).toISOString(),
      durationInMinutes: 60,
      notes: "notes",
      officeLocationCode: "CRSEXTL",
      countsTowardsRar: true
    })
    const results = await h.run(
      Effect.all(
        Array.from({ length: 10 }, () => Effect.flatMap(Appointment, (a) => a.merge("N049975", request))),
        { concurrency: "unbounded" }
      )
    )
    expect(new Set(results.map((r) => r.appointmentId))).toEqual(new Set([5]))
    const contacts = (await h.contacts()).filter((c) => c.offenderId === DevIds.offender.N049975)
    expect(contacts).toHaveLength(1)
    expect(contacts[0]).toMatchObject({ contactId: 5, notes: "\nnotes", rowVersion: 0 })
  })
})

describe("per-person lock on postgres", () => {
  let h: Harness
  beforeEach(async () => {
    h = await makeHarness("postgres", { maxConnections: 5 })
  })
  afterEach(() => h.dispose())

  /**
   * A transaction under the person lock that records when it holds the lock, then waits for `release` before it
   * commits.
   */
  const holder = (
    crn: string,
    name: string,
    log: Array<string>,
    locked: Deferred.Deferred<void>,
    release: Deferred.Deferred<void>
  ) =>
    inPersonTransaction(
      crn,
      () =>
        Effect.gen(function* () {
          log.push(`${name}:locked`)
          yield* Deferred.succeed(locked, undefined)
          yield* Deferred.await(release)
          log.push(`${name}:done`)
        }),
      Effect.failSync(() => new Error(`no person ${crn}`))
    )

  /** Wait until a backend of this database waits on a lock (pg_stat_activity), i.e. a transaction is blocked. */
  const blockedOnLock = Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number }>`SELECT COUNT(*) AS N FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`.pipe(
      Effect.map((rows) => Number(rows[0]?.n ?? 0)),
      Effect.repeat({ until: (n) => n > 0, schedule: Schedule.spaced("20 millis") }),
      Effect.timeout("10 seconds")
    )
  )

  it("two transactions for the same CRN are serialised: the second waits for the first to commit", async () => {
    const log: Array<string> = []
    await h.run(
      Effect.gen(function* () {
        const aLocked = yield* Deferred.make<void>()
        const aRelease = yield* Deferred.make<void>()
        const bLocked = yield* Deferred.make<void>()
        const bRelease = yield* Deferred.make<void>()
        yield* Deferred.succeed(bRelease, undefined)
        const a = yield* Effect.fork(holder("T140223", "A", log, aLocked, aRelease))
        yield* Deferred.await(aLocked)
        const b = yield* Effect.fork(holder("T140223", "B", log, bLocked, bRelease))
        // B's connection is blocked on A's row lock (not merely slow) …
        yield* blockedOnLock
        // … and it has not entered its workflow.
        expect(yield* Deferred.isDone(bLocked)).toBe(false)
        log.push("release A")
        yield* Deferred.succeed(aRelease, undefined)
        yield* Fiber.join(a)
        yield* Fiber.join(b)
      })
    )
    expect(log).toEqual(["A:locked", "release A", "A:done", "B:locked", "B:done"])
  })

  it("two transactions for different CRNs are not serialised: the second completes while the first holds its lock", async () => {
    const log: Array<string> = []
    await h.run(
      Effect.gen(function* () {
        const aLocked = yield* Deferred.make<void>()
        const aRelease = yield* Deferred.make<void>()
        const bLocked = yield* Deferred.make<void>()
        const bRelease = yield* Deferred.make<void>()
        yield* Deferred.succeed(bRelease, undefined)
        const a = yield* Effect.fork(holder("T140223", "A", log, aLocked, aRelease))
        yield* Deferred.await(aLocked)
        const b = yield* holder("S123456", "B", log, bLocked, bRelease).pipe(
          Effect.timeout("10 seconds"),
          Effect.option
        )
        expect(Option.isSome(b)).toBe(true)
        log.push("release A")
        yield* Deferred.succeed(aRelease, undefined)
        yield* Fiber.join(a)
      })
    )
    expect(log).toEqual(["A:locked", "B:locked", "B:done", "release A", "A:done"])
  })

  it("a Referral.start for a person whose lock is held waits, then completes", async () => {
    const log: Array<string> = []
    await h.run(
      Effect.gen(function* () {
        const aLocked = yield* Deferred.make<void>()
        const aRelease = yield* Deferred.make<void>()
        const a = yield* Effect.fork(holder("S123456", "A", log, aLocked, aRelease))
        yield* Deferred.await(aLocked)
        const start = yield* Effect.fork(
          Effect.flatMap(Referral, (r) => r.start("S123456", startRequest)).pipe(
            Effect.tap(() => Effect.sync(() => log.push("start:done")))
          )
        )
        yield* blockedOnLock
        log.push("release A")
        yield* Deferred.succeed(aRelease, undefined)
        yield* Fiber.join(a)
        yield* Fiber.join(start)
      })
    )
    expect(log).toEqual(["A:locked", "release A", "A:done", "start:done"])
    expect((await h.nsis()).filter((n) => n.externalReference === URN)).toHaveLength(1)
  })
})
