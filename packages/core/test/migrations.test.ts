import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Database from "../src/delius/database.js"
import { Dialect } from "../src/delius/dialect.js"
import { currentVersion, migrate } from "../src/delius/migrations.js"
import { seed } from "../src/delius/seed.js"
import { sequences, tables } from "../src/delius/tables.js"
import { createDatabase, dialectsUnderTest, type TestDatabase } from "./support/databases.js"

describe.each(dialectsUnderTest)("migrations and seed on %s", (kind) => {
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
      await run(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`SELECT ${columns} FROM ${table.name} WHERE 1 = 0`)))
    }
  })

  it("loads the dev dataset with the sequence ids the fixtures rely on", async () => {
    await run(seed("dev"))
    const rows = await run(
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ contactId: number; externalReference: string | null; contactDate: string }>`SELECT CONTACT_ID, EXTERNAL_REFERENCE, CONTACT_DATE FROM CONTACT ORDER BY CONTACT_ID`
      )
    )
    expect(rows.map((r) => r.contactId)).toEqual([1, 2, 3, 4])
    expect(rows[1]!.externalReference).toBe("urn:hmpps:interventions-appointment:48911ad2-1213-4bd3-8312-3824dc29f131")
    expect(rows[0]!.contactDate).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    const nsis = await run(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ nsiId: number; rarCount: number | null }>`SELECT NSI_ID, RAR_COUNT FROM NSI ORDER BY NSI_ID`)
    )
    expect(nsis).toEqual([
      { nsiId: 1, rarCount: 3 },
      { nsiId: 2, rarCount: null },
      { nsiId: 3, rarCount: null },
      { nsiId: 4, rarCount: null }
    ])
    // The next value continues after the seeded rows.
    const next = await run(Effect.flatMap(Dialect, (d) => Effect.flatMap(SqlClient.SqlClient, (sql) => d.nextId(sql, "CONTACT_ID_SEQ"))))
    expect(next).toBe(5)
  })

  it("has every sequence", async () => {
    expect(sequences).toHaveLength(5)
  })
})
