import { EventEmitter } from "node:events"
import { describe, expect, it } from "vitest"
import { describeInFlight, handleShutdownSignals, type ShutdownOptions } from "../src/shutdown.js"

/** `handleShutdownSignals` with an event emitter for `process` and a recorded `exit` (a pure unit test). */
const setUp = (overrides: Partial<ShutdownOptions> = {}) => {
  const signals = new EventEmitter()
  const lines: Array<string> = []
  let exitCode: number | undefined
  const exited = new Promise<number>((resolve) => {
    handleShutdownSignals({
      drain: async () => {},
      inFlight: () => "1 HTTP request(s): PUT /x",
      timeoutMs: 60_000,
      log: (level, message) => lines.push(`${level} ${message}`),
      exit: (code) => {
        exitCode ??= code
        resolve(code)
      },
      signals: signals as unknown as ShutdownOptions["signals"],
      ...overrides
    })
  })
  return { signals, lines, exited, exitCode: () => exitCode }
}

describe("handleShutdownSignals (SIGTERM drain, DESIGN.md Running in production)", () => {
  it("first signal: drains, then exits 0", async () => {
    let release!: () => void
    const drained = new Promise<void>((resolve) => (release = resolve))
    const t = setUp({ drain: () => drained })
    t.signals.emit("SIGTERM", "SIGTERM")
    await new Promise((resolve) => setImmediate(resolve))
    expect(t.exitCode()).toBeUndefined() // still draining
    release()
    expect(await t.exited).toBe(0)
    expect(t.lines).toEqual([
      "info SIGTERM received: draining (readiness DOWN, no new work, up to 60 s for what is in flight)",
      "info Drained; exiting"
    ])
  })

  it("a drain that outlasts the timeout: exit 1 with a line naming what was in flight", async () => {
    const t = setUp({ drain: () => new Promise(() => {}), timeoutMs: 10 })
    t.signals.emit("SIGINT", "SIGINT")
    expect(await t.exited).toBe(1)
    expect(t.lines).toContain("error Shutdown timed out after 0.01 s; still in flight: 1 HTTP request(s): PUT /x")
  })

  it("a second signal exits 1 at once", async () => {
    const t = setUp({ drain: () => new Promise(() => {}) })
    t.signals.emit("SIGTERM", "SIGTERM")
    t.signals.emit("SIGTERM", "SIGTERM")
    expect(await t.exited).toBe(1)
    expect(t.lines[1]).toBe("warn SIGTERM again: exiting at once; still in flight: 1 HTTP request(s): PUT /x")
  })

  it("a failing drain exits 1 with its reason", async () => {
    const t = setUp({ drain: () => Promise.reject(new Error("pool would not close")) })
    t.signals.emit("SIGTERM", "SIGTERM")
    expect(await t.exited).toBe(1)
    expect(t.lines).toContain("error Shutdown failed: pool would not close")
  })

  it("describeInFlight", () => {
    expect(describeInFlight("queue message", [])).toBe("0 queue message(s)")
    expect(describeInFlight("HTTP request", ["PUT /a", "GET /b"])).toBe("2 HTTP request(s): PUT /a, GET /b")
  })
})
