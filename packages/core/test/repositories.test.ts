import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Database from "../src/delius/database.js"
import type { Dialect } from "../src/delius/dialect.js"
import {
  AuditRepository,
  ContactRepository,
  EnforcementRepository,
  EventRepository,
  LimitedAccessRepository,
  NsiRepository,
  OrganisationRepository,
  PersonRepository,
  ReferenceDataRepository,
  SqlRepositoriesLive,
  UserRepository
} from "../src/delius/repositories/index.js"
import { DevIds, DevReferrals } from "../src/delius/seed.js"
import { rarCount } from "../src/rules/rar.js"
import { londonDate, londonDateTime } from "../src/domain/time.js"
import { NsiId } from "../src/domain/ids.js"
import { createDatabase, migrateAndSeed, type TestDatabase } from "../src/testing/index.js"

/**
 * One repository conformance suite, run on every database we can reach: SQLite (a temporary file) and PostgreSQL
 * (a fresh database) always; Oracle and SQL Server when ORACLE_URL / MSSQL_URL name a test database to migrate.
 */
const targets: Array<{ name: string; create: () => Promise<TestDatabase> }> = [
  { name: "sqlite", create: () => createDatabase("sqlite") },
  { name: "postgres", create: () => createDatabase("postgres") }
]
for (const [name, variable] of [
  ["oracle", "ORACLE_URL"],
  ["mssql", "MSSQL_URL"]
] as const) {
  const url = process.env[variable]
  if (url) targets.push({ name, create: async () => ({ name: name as never, url, drop: async () => {} }) })
  else console.info(`repository conformance suite: ${name} skipped (${variable} is not set)`)
}

const ctx = { userId: DevIds.user.referAndMonitorAndDelius, now: londonDateTime(Date.now()) }
const today = londonDate(Date.now())

describe.each(targets)("repository conformance on $name", ({ create }) => {
  let db: TestDatabase
  let layer: Layer.Layer<Layer.Layer.Success<typeof SqlRepositoriesLive> | SqlClient.SqlClient | Dialect, unknown>
  let runtime: { run: <A, E>(e: Effect.Effect<A, E, any>) => Promise<A>; dispose: () => Promise<void> }
  beforeAll(async () => {
    db = await create()
    await migrateAndSeed(db.url, "dev")
    layer = SqlRepositoriesLive.pipe(Layer.provideMerge(Database.layerFromUrl(db.url))) as never
    const { ManagedRuntime } = await import("effect")
    const managed = ManagedRuntime.make(layer)
    runtime = { run: (e) => managed.runPromise(e as never), dispose: () => managed.dispose() }
  })
  afterAll(async () => {
    await runtime?.dispose()
    await db?.drop()
  })

  it("person: find, detail, address, disabilities, managers, lock", async () => {
    const result = await runtime.run(
      Effect.gen(function* () {
        const people = yield* PersonRepository
        const sql = yield* SqlClient.SqlClient
        return {
          person: yield* people.findByCrn("T140223"),
          missing: yield* people.findByCrn("X000000"),
          detail: yield* people.findDetail("F987462"),
          address: yield* people.mainAddress(DevIds.offender.F987462),
          disabilities: yield* people.disabilities(DevIds.offender.F987462, today),
          community: yield* people.communityManagers("C025519"),
          prison: yield* people.prisonManagers(DevIds.offender.C014150),
          locked: yield* sql.withTransaction(people.lock("T140223")),
          lockedMissing: yield* sql.withTransaction(people.lock("X000000"))
        }
      })
    )
    expect(Option.getOrThrow(result.person)).toEqual({
      offenderId: DevIds.offender.T140223,
      crn: "T140223",
      nomsNumber: "A1234YZ"
    })
    expect(Option.isNone(result.missing)).toBe(true)
    const detail = Option.getOrThrow(result.detail)
    expect(detail).toMatchObject({
      firstName: "Full",
      surname: "Person",
      gender: "Description of GEN1",
      ethnicity: "Description of ETH1",
      language: "Description of LANG1",
      religion: "Description of REL1",
      eMailAddress: "someone@somewhere.com"
    })
    expect(detail.dateOfBirthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(Option.getOrThrow(result.address)).toMatchObject({
      buildingName: "Some Building",
      postcode: "SB1 1SS",
      noFixedAbode: "N"
    })
    expect(result.disabilities).toEqual([
      {
        type: "Description of DIS1",
        startDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        notes: "Some notes about the disability"
      }
    ])
    expect(result.community).toHaveLength(1)
    expect(result.community[0]).toMatchObject({
      officerCode: "N01RMT1",
      username: "john-smith",
      teamCode: "N01PRO",
      pduCode: "PDU01",
      responsibleOfficer: 1
    })
    expect(result.prison[0]).toMatchObject({
      officerCode: "P01WDN1",
      email: "manager@prison.gov.uk",
      teamCode: "P01PRI",
      responsibleOfficer: 1
    })
    expect(Option.getOrThrow(result.locked)).toBe(DevIds.offender.T140223)
    expect(Option.isNone(result.lockedMissing)).toBe(true)
  })

  it("reference data: codes of spec §§6–8", async () => {
    const r = await runtime.run(
      Effect.gen(function* () {
        const ref = yield* ReferenceDataRepository
        return {
          crsapt: yield* ref.contactType("CRSAPT"),
          aftc: yield* ref.contactOutcome("AFTC"),
          rom: yield* ref.enforcementAction("ROM"),
          crs08: yield* ref.nsiType("CRS08"),
          comp: yield* ref.nsiStatus("COMP"),
          nsi4: yield* ref.referenceData("NSI OUTCOME", "NSi4"),
          nsi4Upper: yield* ref.referenceData("NSI OUTCOME", "NSI4"),
          audit: yield* ref.businessInteractionId("CLBI003", ctx.now),
          unknown: yield* ref.contactType("NOPE")
        }
      })
    )
    expect(Option.getOrThrow(r.crsapt)).toMatchObject({
      code: "CRSAPT",
      nationalStandardsContact: "Y",
      attendanceContact: "Y"
    })
    expect(Option.getOrThrow(r.aftc)).toMatchObject({ outcomeAttendance: "Y", outcomeCompliantAcceptable: "N" })
    expect(Option.getOrThrow(r.rom)).toMatchObject({ description: "Description of ROM", responseByPeriod: 7 })
    expect(Option.getOrThrow(r.crs08).code).toBe("CRS08")
    expect(Option.getOrThrow(r.comp).contactTypeId).not.toBeNull()
    expect(Option.getOrThrow(r.nsi4).description).toBe(
      "Started - Not finished (Work,Caring Commitments or Long-Term Sickness)"
    )
    expect(Option.isNone(r.nsi4Upper)).toBe(true)
    expect(Option.isSome(r.audit)).toBe(true)
    expect(Option.isNone(r.unknown)).toBe(true)
  })

  it("events: disposal, RAR requirement, FTC update, convictions", async () => {
    const r = await runtime.run(
      Effect.gen(function* () {
        const events = yield* EventRepository
        yield* events.updateFtcCount(DevIds.event.withNsi, 2, ctx)
        return {
          disposal: yield* events.disposalForEvent(DevIds.offender.S123456, DevIds.event.withoutNsi),
          wrongPerson: yield* events.disposalForEvent(DevIds.offender.T140223, DevIds.event.withoutNsi),
          rar: yield* events.rarRequirement(DevIds.offender.S123456, DevIds.disposal.withoutNsi),
          isRar: yield* events.isRarRequirement(DevIds.requirement.rfn),
          ftc: yield* events.eventForFtc(DevIds.event.withNsi),
          convictions: yield* events.activeConvictions("F987462"),
          none: yield* events.activeConvictions("T140223"),
          single: yield* events.conviction("F987462", DevIds.event.fullDetail)
        }
      })
    )
    expect(Option.getOrThrow(r.disposal)).toEqual({
      disposalId: DevIds.disposal.withoutNsi,
      eventId: DevIds.event.withoutNsi,
      disposalTypeCode: "DFS"
    })
    expect(Option.isNone(r.wrongPerson)).toBe(true)
    expect(Option.getOrThrow(r.rar)).toBe(DevIds.requirement.onSentenceWithoutNsi)
    expect(r.isRar).toBe(true)
    expect(Option.getOrThrow(r.ftc)).toMatchObject({ sentenceType: "NP", ftcLimit: 0, breachEnd: null })
    expect(r.convictions).toHaveLength(1)
    expect(r.convictions[0]).toMatchObject({
      sentenceDescription: "Default Sentence Type",
      mainCategory: "Main Category",
      eventActive: 1
    })
    expect(r.none).toEqual([]) // no main offence for T140223's event
    expect(Option.isSome(r.single)).toBe(true)
    const ftcCount = await runtime.run(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql<{
            ftcCount: number
            rowVersion: number
          }>`SELECT FTC_COUNT, ROW_VERSION FROM EVENT WHERE EVENT_ID = ${DevIds.event.withNsi}`
      )
    )
    expect(ftcCount[0]).toEqual({ ftcCount: 2, rowVersion: 1 })
  })

  it("NSI: find, trace, insert, update, manager, status history", async () => {
    const r = await runtime.run(
      Effect.gen(function* () {
        const nsis = yield* NsiRepository
        const found = yield* nsis.findByCrnAndUrn(
          "T140223",
          `urn:hmpps:interventions-referral:${DevReferrals.withdrawn}`
        )
        const id = yield* nsis.insert(
          {
            offenderId: DevIds.offender.S123456,
            nsiTypeId: 1,
            nsiStatusId: 1,
            nsiStatusDate: "2024-06-13 17:52:26.556000",
            referralDate: "2024-06-13",
            actualStartDate: "2024-06-13 17:52:26.556000",
            notes: "notes",
            externalReference: "urn:hmpps:interventions-referral:test",
            intendedProviderId: DevIds.provider.crs,
            eventId: DevIds.event.withoutNsi,
            rqmntId: null
          },
          ctx
        )
        yield* nsis.insertManager({ nsiId: id, probationAreaId: 1, teamId: 1, staffId: 1, startDate: ctx.now }, ctx)
        yield* nsis.insertStatusHistory({ nsiId: id, nsiStatusId: 1, nsiStatusDate: ctx.now, notes: "notes" }, ctx)
        yield* nsis.update(id, { notes: "changed", activeFlag: 0 }, ctx)
        return {
          found,
          id,
          inserted: yield* nsis.findById(id),
          manager: yield* nsis.activeManager(id),
          trace: yield* nsis.trace("T140223", `urn:hmpps:interventions-referral:${DevReferrals.terminated}`)
        }
      })
    )
    expect(r.found.map((n) => n.nsiId)).toEqual([DevIds.nsi.withdrawn])
    expect(r.found[0]).toMatchObject({ statusCode: "INPROG", rarCount: 3, rqmntId: DevIds.requirement.rfn })
    expect(r.id).toBe(5) // NSI_ID_SEQ continues after the four seeded NSIs
    expect(Option.getOrThrow(r.inserted)).toMatchObject({
      notes: "changed",
      activeFlag: 0,
      rowVersion: 1,
      nsiStatusDate: "2024-06-13 17:52:26.556000",
      referralDate: "2024-06-13"
    })
    expect(Option.getOrThrow(r.manager)).toMatchObject({ probationAreaId: 1, teamId: 1, staffId: 1 })
    expect(r.trace).toEqual([
      { nsiId: DevIds.nsi.terminated, softDeleted: 0, activeFlag: 0, lastUpdatedBy: "ReferAndMonitorAndDelius" }
    ])
  })

  it("contacts: find, insert, update, clash candidates, withdraw, counts", async () => {
    const tomorrow = londonDate(Date.now() + 86_400_000)
    const r = await runtime.run(
      Effect.gen(function* () {
        const contacts = yield* ContactRepository
        const byUrn = yield* contacts.findByCrnAndUrn(
          "T140223",
          "urn:hmpps:interventions-appointment:48911ad2-1213-4bd3-8312-3824dc29f131"
        )
        const otherPerson = yield* contacts.findByCrnAndUrn(
          "N049975",
          "urn:hmpps:interventions-appointment:48911ad2-1213-4bd3-8312-3824dc29f131"
        )
        const future = yield* contacts.insert(
          {
            offenderId: DevIds.offender.T140223,
            contactTypeId: 3,
            contactDate: tomorrow,
            contactStartTime: `${tomorrow} 10:00:00.000000`,
            contactEndTime: `${tomorrow} 11:00:00.000000`,
            eventId: DevIds.event.withNsi,
            nsiId: DevIds.nsi.withdrawn,
            probationAreaId: 1,
            teamId: 1,
            staffId: 1,
            rarActivity: "Y",
            externalReference: "urn:hmpps:interventions-appointment:future"
          },
          ctx
        )
        const candidates = yield* contacts.clashCandidates(DevIds.offender.T140223, tomorrow)
        yield* contacts.update(future, { notes: "\nhello", officeLocationId: DevIds.officeLocation.crsExtl }, ctx)
        const withdrawn = yield* contacts.withdrawFutureAppointments(DevIds.nsi.withdrawn, today, {
          id: 8,
          attended: "N",
          complied: "Y"
        })
        return {
          byUrn,
          otherPerson,
          future,
          candidates,
          withdrawn,
          after: yield* contacts.findById(future),
          note: yield* contacts.existsNsiNote(DevIds.nsi.withdrawn, "CRSAPT", tomorrow, "hello"),
          rar: yield* contacts.rarContacts(DevIds.nsi.withdrawn),
          deletedFlag: yield* contacts.softDeletedFlag("T140223", "urn:none", 1)
        }
      })
    )
    expect(Option.getOrThrow(r.byUrn).contactId).toBe(DevIds.contact.compliant)
    expect(Option.isNone(r.otherPerson)).toBe(true)
    expect(r.future).toBe(5)
    expect(r.candidates).toEqual([
      {
        externalReference: "urn:hmpps:interventions-appointment:future",
        contactStartTime: `${tomorrow} 10:00:00.000000`,
        contactEndTime: `${tomorrow} 11:00:00.000000`
      }
    ])
    // Today's seeded contact 2 and tomorrow's new one have no outcome: both are withdrawn.
    expect(r.withdrawn).toBe(2)
    expect(Option.getOrThrow(r.after)).toMatchObject({
      outcomeCode: "APPW",
      attended: "N",
      complied: "Y",
      notes: "\nhello",
      officeLocationId: DevIds.officeLocation.crsExtl,
      rowVersion: 1, // the bulk withdraw does not touch ROW_VERSION (§8.2)
      contactTypeCode: "CRSAPT"
    })
    expect(r.note).toBe(true)
    expect(r.rar.length).toBeGreaterThanOrEqual(4)
    expect(Option.getOrThrow(r.deletedFlag)).toBe(0)
  })

  it("RAR day count in SQL follows §7.7: distinct dates, RAR 'Y', not deleted, attended/complied null or 'Y'", async () => {
    const r = await runtime.run(
      Effect.gen(function* () {
        const contacts = yield* ContactRepository
        const sql = yield* SqlClient.SqlClient
        const nsiId = DevIds.nsi.withdrawn
        const before = yield* contacts.rarDayCount(nsiId)
        const add = (date: string, rarActivity: "Y" | "N", urn: string) =>
          contacts.insert(
            {
              offenderId: DevIds.offender.T140223,
              contactTypeId: 3,
              contactDate: date,
              contactStartTime: `${date} 09:00:00.000000`,
              eventId: DevIds.event.withNsi,
              nsiId,
              probationAreaId: 1,
              teamId: 1,
              staffId: 1,
              rarActivity,
              externalReference: `urn:hmpps:interventions-appointment:rar-${urn}`
            },
            ctx
          )
        // Two counted contacts on one day are one RAR day; a third day only through an attended + complied contact.
        yield* add("2030-01-07", "Y", "a")
        yield* add("2030-01-07", "Y", "b")
        const attended = yield* add("2030-01-08", "Y", "c")
        yield* contacts.update(attended, { attended: "Y", complied: "Y" }, ctx)
        // Not counted: not RAR, did not attend, did not comply, soft deleted.
        yield* add("2030-01-09", "N", "d")
        const absent = yield* add("2030-01-10", "Y", "e")
        yield* contacts.update(absent, { attended: "N" }, ctx)
        const failed = yield* add("2030-01-11", "Y", "f")
        yield* contacts.update(failed, { attended: "Y", complied: "N" }, ctx)
        const deleted = yield* add("2030-01-12", "Y", "g")
        yield* sql`UPDATE CONTACT SET SOFT_DELETED = 1 WHERE CONTACT_ID = ${deleted}`
        return {
          before,
          after: yield* contacts.rarDayCount(nsiId),
          inCode: rarCount(yield* contacts.rarContacts(nsiId)),
          none: yield* contacts.rarDayCount(NsiId.make(-1))
        }
      })
    )
    expect(r.after).toBe(r.before + 2)
    expect(r.after).toBe(r.inCode)
    expect(r.none).toBe(0)
  })

  it("enforcement, organisation, users, limited access, audit", async () => {
    const r = await runtime.run(
      Effect.gen(function* () {
        const enforcements = yield* EnforcementRepository
        const organisation = yield* OrganisationRepository
        const users = yield* UserRepository
        const access = yield* LimitedAccessRepository
        const audit = yield* AuditRepository
        const sql = yield* SqlClient.SqlClient
        const before = yield* enforcements.existsForContact(1)
        const enforcementId = yield* enforcements.insert(
          {
            contactId: 1,
            enforcementActionId: 1,
            responseDate: null,
            actionTakenDate: ctx.now,
            actionTakenTime: ctx.now
          },
          ctx
        )
        yield* audit.insert({
          businessInteractionId: 2,
          userId: 1,
          dateTime: ctx.now,
          outcome: "P",
          parameters: "offenderId='1',contactId='1'"
        })
        return {
          before,
          enforcementId,
          after: yield* enforcements.existsForContact(1),
          crs: yield* organisation.providerId("CRS"),
          locations: yield* organisation.activeOfficeLocations("DEFAULT", today),
          ended: yield* organisation.activeOfficeLocations("ENDDATE", today),
          crsLocations: yield* organisation.providerOfficeLocations("CRS", today),
          teamLocations: yield* organisation.teamOfficeLocations(DevIds.team.n01pro, today),
          pdus: yield* organisation.selectableDeliveryUnits,
          userId: yield* users.userIdByUsername("REFERANDMONITORANDDELIUS"),
          username: yield* users.usernameById(DevIds.user.johnSmith),
          managed: yield* users.managedCases("JOHN-SMITH"),
          limitations: yield* access.currentLimitations(["E123456", "R123456", "B123456", "T140223"], ctx.now),
          audits: yield* sql<{
            outcome: string
            interactionParameters: string
          }>`SELECT OUTCOME, INTERACTION_PARAMETERS FROM AUDITED_INTERACTION`
        }
      })
    )
    expect(r.before).toBe(false)
    expect(r.enforcementId).toBe(1)
    expect(r.after).toBe(true)
    expect(Option.getOrThrow(r.crs)).toBe(DevIds.provider.crs)
    expect(r.locations.map((l) => l.officeLocationId)).toEqual([DevIds.officeLocation.defaultCrs]) // N02's DEFAULT has ended
    expect(r.ended).toEqual([])
    expect(r.crsLocations.map((l) => l.code)).toEqual(["CRSEXTL", "DEFAULT", "TESTONE", "TESTTWO"])
    expect(r.teamLocations.map((l) => l.code)).toEqual(["DEFAULT"])
    expect(r.pdus).toEqual([
      { code: "PDU01", description: "Description of PDU01", regionCode: "CRS", regionDescription: "Test Provider" }
    ])
    expect(Option.getOrThrow(r.userId)).toBe(DevIds.user.referAndMonitorAndDelius)
    expect(Option.getOrThrow(r.username)).toBe("john-smith")
    expect(r.managed).toEqual(["C014150", "C025519"])
    expect(r.limitations.map((l) => `${l.crn}:${l.kind}:${l.userId}`).sort()).toEqual([
      "B123456:E:2",
      "B123456:R:1",
      "E123456:E:2",
      "R123456:R:1"
    ])
    expect(r.audits).toEqual([{ outcome: "P", interactionParameters: "offenderId='1',contactId='1'" }])
  })
})
