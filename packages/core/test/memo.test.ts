import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { rememberFirst } from "../src/memo.js"

describe("rememberFirst", () => {
  it("runs the read once, on first use, and answers later runs with its value", () => {
    let reads = 0
    const read = rememberFirst(Effect.sync(() => ++reads))
    expect(reads).toBe(0)
    expect(Effect.runSync(read)).toBe(1)
    expect(Effect.runSync(read)).toBe(1)
    expect(reads).toBe(1)
  })

  it("remembers no failure: the next run reads again", () => {
    let reads = 0
    const read = rememberFirst(Effect.suspend(() => (++reads === 1 ? Effect.fail("down") : Effect.succeed(reads))))
    expect(Effect.runSync(Effect.either(read))).toEqual(Either.left("down"))
    expect(Effect.runSync(read)).toBe(2)
    expect(Effect.runSync(read)).toBe(2)
    expect(reads).toBe(2)
  })
})
