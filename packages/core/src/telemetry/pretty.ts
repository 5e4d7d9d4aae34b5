/**
 * The human-readable form of a log line, for a person at a terminal (as pino-pretty or bunyan's formatter give HMPPS
 * services in development): the time of day, the level, the message, then the context fields as `key=value`. The same
 * line, redacted the same way, as the JSON form (Log.ts); only the layout differs.
 *
 * Which form a stream gets: `LOG_FORMAT=json|pretty` when set; otherwise pretty only when the stream is a terminal and
 * `NODE_ENV` is not `production` — containers and pipes (log collectors, `| jq`) keep one JSON object per line.
 */

export type LogFormat = "json" | "pretty"

export interface Terminal {
  readonly isTTY?: boolean | undefined
}

/** `LOG_FORMAT`, case-insensitive; unset or unrecognised means "decide by the stream" (a typo must not break JSON). */
export const logFormatFor = (stream: Terminal, env: NodeJS.ProcessEnv = process.env): LogFormat => {
  const explicit = (env.LOG_FORMAT ?? "").trim().toLowerCase()
  if (explicit === "json" || explicit === "pretty") return explicit
  return stream.isTTY === true && env.NODE_ENV !== "production" ? "pretty" : "json"
}

/** Colours only on a terminal, and never with `NO_COLOR` set (no-color.org). */
export const colourFor = (stream: Terminal, env: NodeJS.ProcessEnv = process.env): boolean =>
  stream.isTTY === true && (env.NO_COLOR ?? "") === ""

const LEVEL_COLOUR: Record<string, string> = {
  debug: "\x1b[90m",
  info: "\x1b[32m",
  warn: "\x1b[33m",
  error: "\x1b[31m"
}
const DIM = "\x1b[2m"
const RESET = "\x1b[0m"

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** Local time of day with milliseconds: the date is rarely what someone watching a terminal needs. */
const timeOfDay = (time: Date) =>
  `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`

/** A value as it reads best after `key=`: plain text unquoted unless it has spaces, anything else as JSON. */
const show = (value: unknown): string =>
  typeof value === "string" ? (/^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)) : JSON.stringify(value)

/**
 * One pretty line (no newline) from an already-redacted line: `12:34:56.789 INFO  message  key=value …`. A message
 * of several lines (a stack at LOG_LEVEL=debug) keeps its line breaks, the fields after it.
 */
export const prettyLine = (
  line: { readonly time: string; readonly level: string; readonly message: string } & Record<string, unknown>,
  colour: boolean
): string => {
  const { time, level, message, ...fields } = line
  const when = timeOfDay(new Date(time))
  const tag = level.toUpperCase().padEnd(5)
  const context = Object.entries(fields)
    .map(([key, value]) => `${key}=${show(value)}`)
    .join(" ")
  if (!colour) return `${when} ${tag} ${message}${context === "" ? "" : `  ${context}`}`
  return `${DIM}${when}${RESET} ${LEVEL_COLOUR[level] ?? ""}${tag}${RESET} ${message}${
    context === "" ? "" : `  ${DIM}${context}${RESET}`
  }`
}
