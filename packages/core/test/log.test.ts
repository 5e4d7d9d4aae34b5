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

  it("context fields: a secret-named field is redacted whole, even an object; null kept; undefined and the line's own keys left out", () => {
    const line = JSON.parse(
      Log.formatLine(
        "warn",
        "refused",
        {
          authorization: { scheme: "Bearer", value: "abc" },
          apiKey: null,
          time: "not the line's time",
          level: "error",
          message: "not the line's message",
          missing: undefined,
          status: 401,
          detail: { token: ["a", "b"], kept: [1, "two", null] }
        },
        new Date("2026-01-01T00:00:00Z")
      )
    ) as Record<string, unknown>
    expect(line).toEqual({
      time: "2026-01-01T00:00:00.000Z",
      level: "warn",
      message: "refused",
      authorization: "[redacted]",
      apiKey: null,
      status: 401,
      detail: { token: "[redacted]", kept: [1, "two", null] }
    })
    expect(Object.keys(line)).toEqual(["time", "level", "message", "authorization", "apiKey", "status", "detail"])
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

describe("LOG_LEVEL applies to every line", () => {
  const collect = () => {
    const lines: Array<string> = []
    return { lines, stream: { write: (l: string) => lines.push(l) } }
  }

  it("the telemetry events are info lines: LOG_LEVEL=warn leaves them out, the default keeps them", async () => {
    const { Telemetry } = await import("../src/telemetry/Telemetry.js")
    const { Effect: E } = await import("effect")
    const track = (stream: Log.Writable) =>
      E.runSync(
        E.flatMap(Telemetry, (t) => t.trackEvent("ReferralStarted", { crn: "X000001" })).pipe(
          E.provideService(Telemetry, Telemetry.writing(stream))
        )
      )
    process.env.LOG_LEVEL = "warn"
    const quiet = collect()
    track(quiet.stream)
    expect(quiet.lines).toEqual([])
    delete process.env.LOG_LEVEL
    const loud = collect()
    track(loud.stream)
    expect(JSON.parse(loud.lines[0]!)).toMatchObject({ level: "info", message: "ReferralStarted", type: "telemetry" })
  })

  it("the Effect logger leaves out lines below LOG_LEVEL even without Effect's minimum level", () => {
    process.env.LOG_LEVEL = "error"
    const { lines, stream } = collect()
    const layer = Logger.replace(Logger.defaultLogger, Log.jsonLogger(stream))
    Effect.runSync(Effect.logWarning("slow").pipe(Effect.zipRight(Effect.logError("broken")), Effect.provide(layer)))
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(["broken"])
  })
})

describe("LOG_FORMAT and the terminal", () => {
  const at = new Date(2026, 0, 2, 3, 4, 5, 67)

  it("JSON unless the stream is a terminal outside production; LOG_FORMAT overrides either way", () => {
    const tty = { isTTY: true }
    const pipe = {}
    expect(Log.logFormatFor(pipe, {})).toBe("json")
    expect(Log.logFormatFor(tty, {})).toBe("pretty")
    expect(Log.logFormatFor(tty, { NODE_ENV: "production" })).toBe("json")
    expect(Log.logFormatFor(tty, { LOG_FORMAT: "json" })).toBe("json")
    expect(Log.logFormatFor(pipe, { LOG_FORMAT: "PRETTY", NODE_ENV: "production" })).toBe("pretty")
    // A typo falls back to the stream's own choice rather than breaking the collector's JSON.
    expect(Log.logFormatFor(pipe, { LOG_FORMAT: "prety" })).toBe("json")
  })

  it("pretty: time of day, level, message, then the fields — redacted as the JSON line is", () => {
    process.env.LOG_FORMAT = "pretty"
    process.env.DATABASE_PASSWORD = "pretty-pass-word"
    Log.resetRedaction()
    const text = Log.renderLine(
      {},
      "warn",
      "R&M slow",
      { url: "https://x/y", count: 2, token: "abc", note: "two words" },
      at
    )
    expect(text).toBe('03:04:05.067 WARN  R&M slow  url=https://x/y count=2 token=[redacted] note="two words"')
    expect(Log.renderLine({}, "info", "connecting with pretty-pass-word", {}, at)).toBe(
      "03:04:05.067 INFO  connecting with [redacted]"
    )
  })

  it("colours only at a terminal without NO_COLOR", () => {
    process.env.LOG_FORMAT = "pretty"
    expect(Log.renderLine({ isTTY: true }, "error", "down", {}, at)).toContain("\x1b[31mERROR")
    process.env.NO_COLOR = "1"
    expect(Log.renderLine({ isTTY: true }, "error", "down", {}, at)).toBe("03:04:05.067 ERROR down")
  })

  it("a JDBC URL's password is redacted too, wherever the password appears", () => {
    expect(Log.redactText("jdbc:oracle:thin:scott/tiger-secret@//db:1521/SVC")).toBe(
      "jdbc:oracle:thin:scott/[redacted]@//db:1521/SVC"
    )
    process.env.DATABASE_URL = "jdbc:oracle:thin:scott/tiger-secret@//db:1521/SVC"
    Log.resetRedaction()
    expect(Log.redactText("login failed for tiger-secret")).toBe("login failed for [redacted]")
  })

  it("each pattern is applied whatever the case its case-blind forms are written in; other text is left as it is", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["HTTPS://svc:pa55@host/x", "HTTPS://svc:[redacted]@host/x"],
      ["JDBC:ORACLE:THIN:scott/tiger@//db:1521/SVC", "JDBC:ORACLE:THIN:scott/[redacted]@//db:1521/SVC"],
      ["Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [redacted]"],
      ["token eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl end", "token [redacted] end"],
      ["instrumentationkey=abc-123;IngestionEndpoint=x", "instrumentationkey=[redacted];IngestionEndpoint=x"],
      ["?CLIENT_SECRET=s3cr3t&Password=p4ss", "?CLIENT_SECRET=[redacted]&Password=[redacted]"],
      ["PUT /probation-case/X123456/referrals 204", "PUT /probation-case/X123456/referrals 204"]
    ]
    for (const [text, redacted] of cases) expect(Log.redactText(text)).toBe(redacted)
  })
})
