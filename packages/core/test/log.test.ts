import { Cause, ConfigError, Effect, Logger } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import * as Log from "../src/telemetry/Log.js"

/** The one log shape (DESIGN.md, Running in production): pure parts — levels, redaction, a Cause as one line. */
const saved = { ...process.env }
afterEach(() => {
  process.env = { ...saved }
  Log.resetRedaction()
})

describe("Log", () => {
  it("LOG_LEVEL: debug/info/warn/error, case-insensitive; unset or unknown is info", () => {
    expect(Log.logLevelFrom(undefined)).toBe("info")
    expect(Log.logLevelFrom("WARN")).toBe("warn")
    expect(Log.logLevelFrom("debug")).toBe("debug")
    expect(Log.logLevelFrom("loud")).toBe("info")
    expect(Log.enabled("info", "warn")).toBe(false)
    expect(Log.enabled("error", "warn")).toBe(true)
  })

  it("a line is time, level, message, then context; secret fields, URL passwords, bearer tokens and secret env values are redacted", () => {
    process.env.OAUTH2_CLIENT_SECRET = "env-secret-value"
    process.env.DATABASE_URL = "postgres://ram:url-pass-word@db:5432/delius"
    Log.resetRedaction()
    const line = JSON.parse(
      Log.formatLine(
        "info",
        "connecting to postgres://ram:url-pass-word@db:5432/delius with env-secret-value",
        {
          clientSecret: "field-secret",
          header: "Bearer abcdefghijklmnop.qrstuvwxyz",
          nested: { password: "p4ss", crn: "X123456" },
          connection: "InstrumentationKey=abc-123;IngestionEndpoint=https://x/"
        },
        new Date("2026-01-01T00:00:00Z")
      )
    ) as Record<string, unknown>
    expect(Object.keys(line).slice(0, 3)).toEqual(["time", "level", "message"])
    expect(line).toEqual({
      time: "2026-01-01T00:00:00.000Z",
      level: "info",
      message: "connecting to postgres://ram:[redacted]@db:5432/delius with [redacted]",
      clientSecret: "[redacted]",
      header: "Bearer [redacted]",
      nested: { password: "[redacted]", crn: "X123456" },
      connection: "InstrumentationKey=[redacted];IngestionEndpoint=https://x/"
    })
  })

  it("a Cause is one line naming it (no stack) unless debug", () => {
    const cause = Cause.fail(ConfigError.InvalidData(["DATABASE_URL"], "unsupported database"))
    expect(Log.describeCause(cause, false)).toBe('(Invalid data at DATABASE_URL: "unsupported database")')
    const nested = Cause.die(
      new Error("PgClient: Failed to connect", { cause: new Error("connect ECONNREFUSED 127.0.0.1:1") })
    )
    expect(Log.describeCause(nested, false)).toBe("PgClient: Failed to connect (connect ECONNREFUSED 127.0.0.1:1)")
    expect(Log.describeCause(nested, true)).toMatch(/\n\s+at /)
  })

  it("the Effect logger writes the same shape, annotations as context fields", () => {
    const lines: Array<string> = []
    const layer = Logger.replace(Logger.defaultLogger, Log.jsonLogger({ write: (l) => lines.push(l) }))
    Effect.runSync(
      Effect.logWarning("R&M slow").pipe(Effect.annotateLogs({ url: "http://u:secretpw@x/y" }), Effect.provide(layer))
    )
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn", message: "R&M slow", url: "http://u:[redacted]@x/y" })
  })
})
