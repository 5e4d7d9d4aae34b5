import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { prepareDatabase } from "../src/delius/bootstrap.js"
import { Dialect, oracle } from "../src/delius/dialect.js"

/**
 * `DELIUS_MIGRATE=true` against Oracle: the Delius schema belongs to Delius (DESIGN.md), so the start is refused before
 * any statement runs. No database is needed to show that: prepareDatabase asks for no SQL client before the check, and
 * a statement would fail for want of one.
 */
describe("prepareDatabase on Oracle", () => {
  const run = (env: Record<string, string>) =>
    Effect.runPromiseExit(
      prepareDatabase().pipe(
        Effect.provide(Layer.succeed(Dialect, oracle)),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      ) as Effect.Effect<unknown, unknown, never>
    )

  it("refuses DELIUS_MIGRATE=true, naming the setting, before any statement", async () => {
    const exit = await run({ DELIUS_MIGRATE: "true" })
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain(
      "DELIUS_MIGRATE=true is refused on an Oracle database"
    )
  })

  it("leaves an Oracle database alone without the switch, running no statement", async () => {
    const exit = await run({})
    expect(exit).toEqual(Exit.succeed({ migrated: [], seeded: "none" }))
  })
})
