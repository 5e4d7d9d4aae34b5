import { spawnSync } from "node:child_process"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { deadlinesOf } from "../src/refer-and-monitor/deadlines.js"

/** A promise that settles when `count` expiries have been recorded in `fired`. */
const expiries = () => {
  const fired: Array<{ readonly name: string; readonly at: number }> = []
  const waiting: Array<() => void> = []
  const record = (name: string) => () => {
    fired.push({ name, at: performance.now() })
    for (const wake of waiting.splice(0)) wake()
  }
  const until = async (count: number) => {
    while (fired.length < count) await new Promise<void>((wake) => waiting.push(wake))
  }
  return { fired, record, until }
}
const pause = (ms: number) => new Promise((wake) => setTimeout(wake, ms))

describe("deadlines of one length on one timer", () => {
  it("calls each deadline once, in the order started, never before its length; cleared ones never", async () => {
    const deadlines = deadlinesOf(30)
    const { fired, record, until } = expiries()
    const started = performance.now()
    deadlines.start(record("a"))
    deadlines.start(record("b")).clear()
    await pause(5)
    const startedC = performance.now()
    deadlines.start(record("c"))
    await until(2)
    // Another length, and more, after the last: nothing else fires.
    await pause(60)
    expect(fired.map((expiry) => expiry.name)).toEqual(["a", "c"])
    expect(fired[0]!.at - started).toBeGreaterThanOrEqual(30)
    expect(fired[1]!.at - startedC).toBeGreaterThanOrEqual(30)
  })

  it("a deadline started after every earlier one was cleared still fires, as does one started while expiring", async () => {
    const deadlines = deadlinesOf(20)
    const { fired, record, until } = expiries()
    deadlines.start(record("cleared")).clear()
    deadlines.start(() => {
      record("first")()
      deadlines.start(record("started while expiring"))
    })
    await until(2)
    await pause(40)
    expect(fired.map((expiry) => expiry.name)).toEqual(["first", "started while expiring"])
  })

  it("holds no process open: a command whose deadline was cleared exits without waiting for it", () => {
    const module = pathToFileURL(resolve(import.meta.dirname, "../src/refer-and-monitor/deadlines.ts")).href
    // A deadline ten minutes long, cleared: the child exits as soon as its work is done, not ten minutes later.
    const child = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { deadlinesOf } = await import(${JSON.stringify(module)})
         deadlinesOf(600_000).start(() => process.exit(3)).clear()
         console.log("done")`
      ],
      { encoding: "utf8", timeout: 25_000 }
    )
    expect(child.error).toBeUndefined()
    expect(child.stdout.trim()).toBe("done")
    expect(child.status).toBe(0)
  })
})
