/**
 * One log shape for every line the hosts and the CLI write: one JSON object per line with `time`, `level` (`debug` |
 * `info` | `warn` | `error`), `message`, then context fields. `LOG_LEVEL` sets the threshold (default `info`) for every
 * line — request lines, Effect's logs and the telemetry events alike. Every line passes a redaction step first: values
 * of secret-bearing fields, credentials in URLs, bearer tokens, JWTs and the values of secret-named environment
 * variables never reach the output. At a terminal outside production the same line is printed human-readable
 * (pretty.ts; `LOG_FORMAT` overrides); containers and pipes get JSON.
 *
 * `logLine` is for code outside any Effect runtime (start-up, shutdown, Koa middleware); `Log.layer` installs the
 * same format as Effect's logger, with `LOG_LEVEL` as the minimum level.
 */

import { Cause, HashMap, Layer, Logger, LogLevel, Runtime } from "effect"
import { describeFailure } from "../describe.js"
import { colourFor, logFormatFor, prettyLine, type Terminal } from "./pretty.js"

export { type LogFormat, logFormatFor } from "./pretty.js"

export type Level = "debug" | "info" | "warn" | "error"

const rank: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 }

const isLevel = (value: string): value is Level => Object.hasOwn(rank, value)

/** `LOG_LEVEL`, case-insensitive; unset or unrecognised is `info` (a typo must not silence errors or flood debug). */
export const logLevelFrom = (value: string | undefined = process.env.LOG_LEVEL): Level => {
  const level = (value ?? "").trim().toLowerCase()
  if (level === "warning") return "warn"
  return isLevel(level) ? level : "info"
}

export const isDebug = (): boolean => logLevelFrom() === "debug"

export const enabled = (level: Level, threshold: Level = logLevelFrom()): boolean => rank[level] >= rank[threshold]

// ---------------------------------------------------------------------------------------------------------------------
// Redaction

const REDACTED = "[redacted]"

/** Field names whose value is a secret whatever it looks like (client secrets, passwords, tokens, connection strings). */
const SECRET_FIELD =
  /secret|passw(or)?d|pwd|token|authorization|cookie|credential|api[-_]?key|connection[-_]?string|private[-_]?key/i

/** Environment variables whose values are secrets: their values are scrubbed from every line, wherever they appear. */
const SECRET_ENV = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE_KEY|CONNECTION_STRING/i

/** Variables that are URLs and may carry `user:password@`: the password is a secret, the rest is useful context. */
const URL_ENV = /(^|_)(URL|URI|DSN)$/i

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

let secretValues: ReadonlyArray<string> | undefined

/** Read once: the environment does not change under a running process (tests reset it with `resetRedaction`). */
const knownSecrets = (): ReadonlyArray<string> => {
  if (secretValues !== undefined) return secretValues
  const values = new Set<string>()
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || value.length < 4) continue
    if (SECRET_ENV.test(name)) values.add(value)
    if (URL_ENV.test(name)) {
      // scheme://user:password@… or the JDBC form jdbc:oracle:thin:user/password@…
      const password =
        /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:([^@/\s]+)@/i.exec(value)?.[1] ??
        /^jdbc:oracle:thin:[^/@\s]*\/([^@\s]+)@/i.exec(value)?.[1]
      if (password !== undefined && password.length >= 3) {
        values.add(password)
        try {
          values.add(decodeURIComponent(password))
        } catch {
          // not percent-encoded: the raw form is enough
        }
      }
    }
  }
  // Longest first, so a secret that contains another is scrubbed whole.
  secretValues = [...values].sort((a, b) => b.length - a.length)
  return secretValues
}

/** For tests that change the environment in-process. */
export const resetRedaction = (): void => {
  secretValues = undefined
}

// Every pattern below needs one of these words (case aside): text with none of them (most log text — methods, paths,
// ids, messages) skips the six replacements. The known secrets are still looked for.
const MAY_HOLD_SECRET = /:\/\/|jdbc:oracle:thin:|bearer|basic|eyJ|instrumentationkey=|secret=|password=/i

/** Scrub secrets out of free text (a message, an error's text, a URL). */
export const redactText = (text: string): string => {
  if (!MAY_HOLD_SECRET.test(text)) return redactKnown(text)
  const out = text
    // scheme://user:password@host → scheme://user:[redacted]@host
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^/:@\s"]*:)([^@/\s"]+)@/gi, `$1${REDACTED}@`)
    // jdbc:oracle:thin:user/password@… (the JDBC form Delius namespace secrets use) → user/[redacted]@…
    .replace(/(jdbc:oracle:thin:[^/@\s"]*\/)([^@\s"]+)@/gi, `$1${REDACTED}@`)
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`)
    // A JWT (header.payload.signature, both first parts base64url JSON).
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED)
    // Application Insights connection strings: the instrumentation key authorises ingestion.
    .replace(/(InstrumentationKey=)[^;"\s]+/gi, `$1${REDACTED}`)
    .replace(/((?:client_secret|password|secret)=)[^&\s"]+/gi, `$1${REDACTED}`)
  return redactKnown(out)
}

/** The configured secrets' values (and their URL-decoded forms), wherever they appear. */
const redactKnown = (text: string): string => {
  let out = text
  for (const secret of knownSecrets()) {
    if (out.includes(secret)) out = out.replace(new RegExp(escapeRegExp(secret), "g"), REDACTED)
  }
  return out
}

// Field names are few and fixed (the code's own), so each is tested against SECRET_FIELD once; bounded all the same.
const secretFields = new Map<string, boolean>()
const isSecretField = (key: string): boolean => {
  let secret = secretFields.get(key)
  if (secret === undefined) {
    secret = SECRET_FIELD.test(key)
    if (secretFields.size < 1_000) secretFields.set(key, secret)
  }
  return secret
}

/** A field of an object (or of a line's context): a secret-named one redacted whole (null and undefined kept). */
const redactField = (key: string, value: unknown, depth: number): unknown =>
  isSecretField(key) ? (value === undefined || value === null ? value : REDACTED) : redactValue(key, value, depth)

const redactValue = (key: string, value: unknown, depth: number): unknown => {
  if (value === undefined || value === null) return value
  if (isSecretField(key) && typeof value !== "object") return REDACTED
  if (typeof value === "string") return redactText(value)
  if (typeof value === "bigint") return value.toString()
  if (typeof value !== "object") return value
  if (depth > 8) return "[…]"
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Error) return redactText(describeError(value))
  if (Array.isArray(value)) return value.map((item) => redactValue("", item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = redactField(k, v, depth + 1)
  return out
}

/** A copy of `fields` with secrets removed (exported for the telemetry exporter, which sends properties off-host). */
export const redactFields = (fields: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  redactValue("", fields, 0) as Record<string, unknown>

// ---------------------------------------------------------------------------------------------------------------------
// Errors and causes, as one line (describe.ts; `Log` is how hosts reach it)

export { describeFailure, failureName } from "../describe.js"

/** A Cause as one line: its failures and defects, joined; `Cause.pretty` (with stacks) only at `LOG_LEVEL=debug`. */
export const describeCause = (cause: Cause.Cause<unknown>, debug: boolean = isDebug()): string => {
  if (debug) return Cause.pretty(cause)
  const parts = [...Cause.failures(cause), ...Cause.defects(cause)].map(describeFailure)
  if (parts.length === 0) return Cause.isInterruptedOnly(cause) ? "interrupted" : "unknown failure"
  return [...new Set(parts)].join("; ")
}

/** An error from anywhere (a rejected `runPromise` is a FiberFailure carrying its Cause) as one line. */
export const describeError = (error: unknown, debug: boolean = isDebug()): string => {
  if (Runtime.isFiberFailure(error)) return describeCause(error[Runtime.FiberFailureCauseId], debug)
  const text = describeFailure(error)
  if (!debug || !(error instanceof Error) || error.stack === undefined) return text
  return error.stack.includes(text) ? error.stack : `${text}\n${error.stack}`
}

// ---------------------------------------------------------------------------------------------------------------------
// The line

export interface Writable extends Terminal {
  readonly write: (line: string) => unknown
}

const RESERVED = new Set(["time", "level", "message"])

/**
 * The line as an object: `time`, `level`, `message`, then the context fields (not those three, nor undefined ones),
 * redacted as `redactFields` redacts them — built in one object: the hosts write a line for every request.
 */
const lineOf = (level: Level, message: string, fields: Readonly<Record<string, unknown>>, time: Date) => {
  const line: { time: string; level: Level; message: string } & Record<string, unknown> = {
    time: time.toISOString(),
    level,
    message: redactText(message)
  }
  for (const key of Object.keys(fields)) {
    const value = fields[key]
    if (RESERVED.has(key) || value === undefined) continue
    line[key] = redactField(key, value, 1)
  }
  return line
}

/** The JSON text of one line (no newline): `time`, `level`, `message`, then the redacted context fields. */
export const formatLine = (
  level: Level,
  message: string,
  fields: Readonly<Record<string, unknown>> = {},
  time: Date = new Date()
): string => JSON.stringify(lineOf(level, message, fields, time))

/** The text of one line for `stream`: JSON, or human-readable at a terminal (pretty.ts, `LOG_FORMAT`). */
export const renderLine = (
  stream: Terminal,
  level: Level,
  message: string,
  fields: Readonly<Record<string, unknown>> = {},
  time: Date = new Date()
): string => {
  const line = lineOf(level, message, fields, time)
  return logFormatFor(stream) === "pretty" ? prettyLine(line, colourFor(stream)) : JSON.stringify(line)
}

/**
 * One line on `stream` if `level` passes `LOG_LEVEL`: the one way every line is written (logLine, Effect's logger,
 * the telemetry events). Never throws (a log line must not turn into a failure).
 */
export const writeLine = (
  stream: Writable,
  level: Level,
  message: string,
  fields: Readonly<Record<string, unknown>> = {},
  time: Date = new Date()
): void => {
  if (!enabled(level)) return
  try {
    stream.write(`${renderLine(stream, level, message, fields, time)}\n`)
  } catch {
    // stdout closed (EPIPE): nothing useful to do
  }
}

/** One line on `stream` (default stdout) if `level` passes `LOG_LEVEL`, for code outside an Effect runtime. */
export const logLine = (
  level: Level,
  message: string,
  fields: Readonly<Record<string, unknown>> = {},
  stream: Writable = process.stdout
): void => writeLine(stream, level, message, fields)

const fromEffectLevel = (level: LogLevel.LogLevel): Level =>
  level._tag === "Debug" || level._tag === "Trace" || level._tag === "All"
    ? "debug"
    : level._tag === "Info"
      ? "info"
      : level._tag === "Warning"
        ? "warn"
        : "error"

const toEffectLevel = (level: Level): LogLevel.LogLevel =>
  level === "debug"
    ? LogLevel.Debug
    : level === "info"
      ? LogLevel.Info
      : level === "warn"
        ? LogLevel.Warning
        : LogLevel.Error

const messageText = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return parts
    .filter((part) => part !== undefined)
    .map((part) =>
      typeof part === "string" ? part : Cause.isCause(part) ? describeCause(part) : describeFailure(part)
    )
    .join(" ")
}

/**
 * Effect's logger in the one shape (JSON, or pretty at a terminal): annotations become context fields; a Cause becomes
 * `cause` (or the message).
 */
export const jsonLogger = (stream: Writable = process.stdout): Logger.Logger<unknown, void> =>
  Logger.make(({ annotations, cause, date, logLevel, message }) => {
    const fields: Record<string, unknown> = Object.fromEntries(HashMap.toEntries(annotations))
    let text = messageText(message)
    if (!Cause.isEmpty(cause)) {
      const described = describeCause(cause)
      if (text === "") text = described
      else fields.cause = described
    }
    writeLine(stream, fromEffectLevel(logLevel), text, fields, date)
  })

/**
 * Effect's default logger replaced by the one-shape logger on `stream` (hosts: stdout; the CLI: stderr, its stdout is
 * data), with `LOG_LEVEL` as the minimum level.
 */
export const layer = (stream: Writable = process.stdout): Layer.Layer<never> =>
  Layer.merge(
    Logger.replace(Logger.defaultLogger, jsonLogger(stream)),
    Logger.minimumLogLevel(toEffectLevel(logLevelFrom()))
  )
