import { layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { existsSync } from "node:fs"
import { afterAll, describe, expect, it } from "vitest"
import { trackEvent, TelemetryEvents } from "../src/telemetry/Telemetry.js"
import {
  cloneSeededDatabase,
  createSeededDatabase,
  describeOnDialects,
  dialectsUnderTest,
  dropSeededDatabases,
  sqliteFile,
  testCoreLayer,
  type TestDatabase
} from "../src/testing/index.js"

/** The test kit every package shares (`@ram-delius/core/testing`): what it promises, on real databases. */
const count = (db: TestDatabase, table: string) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<{ n: number }>(`SELECT COUNT(*) AS N FROM ${table}`)).pipe(
      Effect.map((rows) => Number(rows[0]?.n)),
      Effect.provide(testCoreLayer(db.url))
    )
  )

afterAll(() => dropSeededDatabases())

describeOnDialects(describe, "the test kit", (kind) => {
  it("a seeded database holds the dev dataset, and its drop removes it", async () => {
    const db = await createSeededDatabase(kind)
    expect(db.name).toBe(kind)
    expect(await count(db, "OFFENDER")).toBeGreaterThan(0)
    await db.drop()
    if (kind === "sqlite") expect(existsSync(sqliteFile(db))).toBe(false)
    else await expect(count(db, "OFFENDER")).rejects.toThrow()
  })

  it("clones start from the same dataset and do not share writes", async () => {
    const a = await cloneSeededDatabase(kind)
    const b = await cloneSeededDatabase(kind)
    expect(a.url).not.toBe(b.url)
    const before = await count(b, "CONTACT")
    await Effect.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DELETE FROM CONTACT`).pipe(Effect.provide(testCoreLayer(a.url)))
    )
    expect(await count(a, "CONTACT")).toBe(0)
    expect(await count(b, "CONTACT")).toBe(before)
    expect(before).toBeGreaterThan(0)
  })
})

describe("describeOnDialects", () => {
  it("names one suite per dialect under test", () => {
    const names: Array<string> = []
    describeOnDialects(
      { each: (cases) => (name, body) => cases.forEach((c) => (names.push(name.replace("%s", String(c))), body(c))) },
      "x",
      () => {}
    )
    expect(dialectsUnderTest).toEqual(["sqlite", "postgres"])
    expect(names).toEqual(["x on sqlite", "x on postgres"])
  })
})

const seeded = await createSeededDatabase("sqlite")
afterAll(() => seeded.drop())

layer(testCoreLayer(seeded.url))("testCoreLayer", (it) => {
  it.effect("TelemetryEvents reads what core tracked", () =>
    Effect.gen(function* () {
      const events = yield* TelemetryEvents
      yield* events.clear
      yield* trackEvent("KitProbe", { crn: "X123456" })
      expect(yield* events.all).toEqual([{ name: "KitProbe", properties: { crn: "X123456" } }])
    })
  )

  it.effect("is migrated and seeded, and needs no migration at start-up", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ crn: string }>`SELECT CRN FROM OFFENDER WHERE CRN = ${"T140223"}`
      expect(rows.map((r) => r.crn)).toEqual(["T140223"])
    })
  )
})
