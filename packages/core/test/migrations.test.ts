import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Database from "../src/delius/database.js"
import { Dialect } from "../src/delius/dialect.js"
import { currentVersion, migrate } from "../src/delius/migrations.js"
import { seed } from "../src/delius/seed.js"
import { sequences, tables } from "../src/delius/tables.js"
import { createDatabase, describeOnDialects, type TestDatabase } from "../src/testing/index.js"

describeOnDialects(describe, "migrations and seed", (kind) => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createDatabase(kind)
  })
  afterAll(() => db.drop())
  const run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Dialect>) =>
    Effect.runPromise(effect.pipe(Effect.provide(Database.layerFromUrl(db.url))) as Effect.Effect<A, E>)

  it("creates every table of spec §8.1 under its Delius name, then is a no-op", async () => {
    expect(await run(currentVersion)).toBe(0)
    expect(await run(migrate)).toEqual([1])
    expect(await run(migrate)).toEqual([])
    expect(await run(currentVersion)).toBe(1)
    for (const table of tables) {
      const columns = table.columns.map((c) => c.name).join(", ")
      // Selecting every column by its Delius name proves the names exist.
      await run(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`SELECT ${columns} FROM ${table.name} WHERE 1 = 0`))
      )
    }
  })

  it("loads the dev dataset with the sequence ids the fixtures rely on", async () => {
    await run(seed("dev"))
    const rows = await run(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql<{
            contactId: number
            externalReference: string | null
            contactDate: string
          }>`SELECT CONTACT_ID, EXTERNAL_REFERENCE, CONTACT_DATE FROM CONTACT ORDER BY CONTACT_ID`
      )
    )
    expect(rows.map((r) => r.contactId)).toEqual([1, 2, 3, 4])
    expect(rows[1]!.externalReference).toBe("urn:hmpps:interventions-appointment:48911ad2-1213-4bd3-8312-3824dc29f131")
    expect(rows[0]!.contactDate).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    const nsis = await run(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ nsiId: number; rarCount: number | null }>`SELECT NSI_ID, RAR_COUNT FROM NSI ORDER BY NSI_ID`
      )
    )
    expect(nsis).toEqual([
      { nsiId: 1, rarCount: 3 },
      { nsiId: 2, rarCount: null },
      { nsiId: 3, rarCount: null },
      { nsiId: 4, rarCount: null }
    ])
    // The next value continues after the seeded rows.
    const next = await run(
      Effect.flatMap(Dialect, (d) => Effect.flatMap(SqlClient.SqlClient, (sql) => d.nextId(sql, "CONTACT_ID_SEQ")))
    )
    expect(next).toBe(5)
  })

  it("has every sequence", async () => {
    expect(sequences).toHaveLength(5)
  })
})

describeOnDialects(describe, "the reference dataset", (kind) => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createDatabase(kind)
  })
  afterAll(() => db.drop())

  it("loads the codes of spec §8.5 and the fixed CRS assignment, and no people", async () => {
    const counts = await Effect.runPromise(
      Effect.gen(function* () {
        yield* migrate
        yield* seed("reference")
        const sql = yield* SqlClient.SqlClient
        const count = (table: string) =>
          sql.unsafe<{ n: number }>(`SELECT COUNT(*) AS N FROM ${table}`).pipe(Effect.map((rows) => Number(rows[0]!.n)))
        const codes = (table: string) =>
          sql
            .unsafe<{ code: string }>(`SELECT CODE FROM ${table} ORDER BY CODE`)
            .pipe(Effect.map((rows) => rows.map((r) => r.code)))
        return {
          contactTypes: yield* codes("R_CONTACT_TYPE"),
          outcomes: yield* codes("R_CONTACT_OUTCOME_TYPE"),
          statuses: yield* codes("R_NSI_STATUS"),
          nsiTypes: yield* codes("R_NSI_TYPE"),
          enforcement: yield* codes("R_ENFORCEMENT_ACTION"),
          offenders: yield* count("OFFENDER"),
          staff: yield* sql<{ officerCode: string }>`SELECT OFFICER_CODE FROM STAFF`,
          users: yield* sql<{ distinguishedName: string }>`SELECT DISTINGUISHED_NAME FROM USER_`
        }
      }).pipe(Effect.provide(Database.layerFromUrl(db.url)))
    )
    expect(counts.contactTypes).toEqual([
      "AROM",
      "ARWS",
      "C091",
      "C092",
      "CRSAPT",
      "CRSNOTE",
      "CRSSAA",
      "NCOM",
      "NREF",
      "NTER"
    ])
    expect(counts.outcomes).toEqual(["AFTA", "AFTC", "APPK", "APPW", "ATSS", "ATTC", "RSOF", "RSSR"])
    expect(counts.statuses).toEqual(["COMP", "INPROG"])
    expect(counts.nsiTypes).toEqual(["CRS01", "CRS02", "CRS03", "CRS04", "CRS05", "CRS06", "CRS07", "CRS08"])
    expect(counts.enforcement).toEqual(["ROM"])
    expect(counts.offenders).toBe(0)
    expect(counts.staff).toEqual([{ officerCode: "CRSUATU" }])
    expect(counts.users).toEqual([{ distinguishedName: "ReferAndMonitorAndDelius" }])
  })
})
