/**
 * `ram-delius doctor`: a pre-flight check of a deployment's dependencies, one line each with a verdict and, on failure,
 * the fix and the setting it concerns. It writes nothing: the database checks (the OFFENDER row lock, a CONTACT insert
 * with its id) run inside a transaction that is rolled back. A dependency served by dev mode's embedded default (dev
 * auth, the embedded directory, the in-process queue) is reported as such and passes.
 */

import { SqlClient } from "@effect/sql"
import {
  ContactRepository,
  DeliusUser,
  Dialect,
  referAndMonitorSettings,
  Rules,
  UserRepository
} from "@ram-delius/core"
import { Config, Console, Data, Effect, Either, Layer, Option } from "effect"
import { ExitCode, printJson, setExitCode } from "../output.js"
import { existingDatabase } from "./database.js"
import { type Check, fail, messageOf, pass } from "./doctorCheck.js"
import { authCheck, directoryCheck, queueCheck, referAndMonitorCheck } from "./doctorRemote.js"

class RolledBack extends Data.TaggedError("RolledBack")<{ readonly checks: ReadonlyArray<Check> }> {}

/** The OFFENDER lock and a CONTACT insert (its id from the dialect's generator), then ROLLBACK. */
const writeChecks = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const dialect = yield* Dialect
  const outcome = yield* sql
    .withTransaction(
      Effect.gen(function* () {
        const checks: Array<Check> = []
        // One row, by primary key: cheap on a Delius with millions of people.
        const [person] = yield* sql.unsafe<{ crn: string }>(
          `SELECT CRN FROM OFFENDER WHERE SOFT_DELETED = 0 ORDER BY OFFENDER_ID ${dialect.limit(1)}`
        )
        if (person === undefined) {
          return yield* new RolledBack({
            checks: [fail("OFFENDER row lock", "no OFFENDER row to lock", "point DATABASE_URL at a Delius database")]
          })
        }
        const locked = yield* Effect.either(dialect.lockPerson(sql, person.crn))
        if (Either.isLeft(locked) || Option.isNone(locked.right)) {
          const why = Either.isLeft(locked) ? messageOf(locked.left) : "row not returned"
          return yield* new RolledBack({
            checks: [fail("OFFENDER row lock", why, "grant the DATABASE_URL user SELECT … FOR UPDATE on OFFENDER")]
          })
        }
        checks.push(pass("OFFENDER row lock", `granted (${dialect.name}; the lock every write workflow takes first)`))
        const [type] = yield* sql<{
          id: number
        }>`SELECT CONTACT_TYPE_ID AS ID FROM R_CONTACT_TYPE WHERE CODE = 'CRSNOTE'`
        // The fixed CRS assignment every contact of this service carries (§6.1), so foreign keys hold as in a real write.
        const [crs] = yield* sql<{ provider: number; team: number; staff: number }>`
          SELECT p.PROBATION_AREA_ID AS PROVIDER, t.TEAM_ID AS TEAM, s.STAFF_ID AS STAFF
          FROM PROBATION_AREA p, TEAM t, STAFF s
          WHERE p.CODE = 'CRS' AND t.CODE = 'CRSUAT' AND s.OFFICER_CODE = 'CRSUATU'`
        const contacts = yield* ContactRepository
        const user = yield* DeliusUser
        const inserted = yield* Effect.either(
          contacts.insert(
            {
              offenderId: locked.right.value,
              contactTypeId: type?.id ?? 0,
              contactDate: "2000-01-01",
              contactStartTime: "2000-01-01 00:00:00",
              eventId: null,
              nsiId: null,
              probationAreaId: crs?.provider ?? 0,
              teamId: crs?.team ?? 0,
              staffId: crs?.staff ?? 0,
              notes: "ram-delius doctor (rolled back)"
            },
            { userId: user.userId, now: "2000-01-01 00:00:00" }
          )
        )
        checks.push(
          Either.isRight(inserted)
            ? pass(
                "CONTACT insert",
                `possible, id ${inserted.right} from CONTACT_ID_SEQ (${dialect.name}; rolled back)`
              )
            : fail(
                "CONTACT insert",
                messageOf(inserted.left),
                "grant the DATABASE_URL user INSERT on CONTACT and use of CONTACT_ID_SEQ"
              )
        )
        return yield* new RolledBack({ checks })
      })
    )
    .pipe(Effect.flip)
  return outcome instanceof RolledBack
    ? outcome.checks
    : [fail("OFFENDER row lock", messageOf(outcome), "check DATABASE_URL's grants")]
})

/** Every NSI type the contract-type table maps to (§6.2, plus CONTRACT_TYPE_NSI_TYPES) has its R_NSI_TYPE row. */
const nsiTypeCheck = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const extra = (yield* Config.string("CONTRACT_TYPE_NSI_TYPES").pipe(Config.withDefault(""))).trim()
  const parsed = Rules.parseContractTypeMappings(extra)
  if (Either.isLeft(parsed))
    return fail("R_NSI_TYPE", `CONTRACT_TYPE_NSI_TYPES: ${parsed.left}`, "correct CONTRACT_TYPE_NSI_TYPES")
  const wanted = new Set([
    ...Rules.CONTRACT_TYPES.flatMap((c) => Option.toArray(Rules.nsiTypeForContractType(c))),
    ...parsed.right.values()
  ])
  const rows = yield* sql<{ code: string }>`SELECT CODE FROM R_NSI_TYPE WHERE CODE IN ${sql.in([...wanted])}`
  const missing = [...wanted].filter((code) => !rows.some((r) => r.code === code))
  return missing.length === 0
    ? pass("R_NSI_TYPE", `a row for each of the ${wanted.size} mapped NSI types`)
    : fail(
        "R_NSI_TYPE",
        `no row for ${missing.join(", ")}`,
        "add the rows to R_NSI_TYPE, or correct CONTRACT_TYPE_NSI_TYPES"
      )
})

const databaseChecks = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const dialect = yield* Dialect
  yield* sql.unsafe(dialect.ping)
  const checks: Array<Check> = [
    pass("database", "reachable", dialect.embedded),
    pass("dialect", dialect.embedded ? `${dialect.name} (the embedded database)` : dialect.name, dialect.embedded)
  ]
  checks.push(yield* nsiTypeCheck)
  const user = yield* Effect.either(Layer.build(DeliusUser.layer).pipe(Effect.scoped))
  const username = yield* Config.string("DELIUS_DB_USERNAME").pipe(Config.withDefault("ReferAndMonitorAndDelius"))
  if (Either.isLeft(user)) {
    checks.push(
      fail(
        "audit user",
        `no USER_ row has DISTINGUISHED_NAME ${username}`,
        "set DELIUS_DB_USERNAME to the Delius user writes are attributed to"
      )
    )
    return checks
  }
  checks.push(pass("audit user", `${username} (USER_ row found)`))
  checks.push(...(yield* writeChecks.pipe(Effect.provide(DeliusUser.layer))))
  return checks
})

const databaseOrFailure = databaseChecks.pipe(
  Effect.provide(Layer.merge(ContactRepository.layer, UserRepository.layer)),
  Effect.provide(existingDatabase),
  Effect.catchAll((e) =>
    Effect.succeed([
      fail("database", messageOf(e), "set DATABASE_URL to a reachable Delius database (and its credentials)")
    ])
  )
)

export const doctor = ({ json }: { json: boolean }) =>
  Effect.gen(function* () {
    const settings = yield* Effect.either(referAndMonitorSettings)
    const checks: Array<Check> = [...(yield* databaseOrFailure)]
    checks.push(yield* directoryCheck)
    checks.push(...(yield* authCheck(settings)))
    checks.push(yield* referAndMonitorCheck)
    checks.push(...(yield* queueCheck))
    const ok = checks.every((c) => c.ok)
    yield* setExitCode(ok ? ExitCode.ok : ExitCode.failure)
    if (json) return yield* printJson({ ok, checks })
    const width = Math.max(...checks.map((c) => c.name.length))
    for (const c of checks) {
      yield* Console.log(
        `${c.ok ? "PASS" : "FAIL"}  ${c.name.padEnd(width)}  ${c.verdict}${c.ok ? "" : ` → fix: ${c.fix}`}`
      )
    }
    yield* Console.log(ok ? "All checks passed." : `${checks.filter((c) => !c.ok).length} check(s) failed.`)
  })
