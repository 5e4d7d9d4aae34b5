/**
 * Structured JSON log lines on stdout, one per request (HMPPS services log JSON lines, client-contract §6), in core's
 * one log shape (`time`, `level`, `message`, context; `LOG_LEVEL`; redacted — core's Log.ts). Request headers are
 * never logged, so neither is the bearer token.
 */

import { randomUUID } from "node:crypto"
import { Log } from "@ram-delius/core"
import type Koa from "koa"

export type LogLine = Readonly<Record<string, unknown>>
export type Logger = (line: LogLine) => void

const levelOf = (level: unknown): Log.Level =>
  level === "error" || level === "warn" || level === "debug" ? level : "info"

/** A line without a message says what it is: a request line reads `GET /ping 200`. */
const messageOf = (line: LogLine): string =>
  typeof line.message === "string"
    ? line.message
    : line.type === "request"
      ? `${String(line.method)} ${String(line.path)} ${String(line.status)}`
      : String(line.type ?? "")

export const stdoutLogger: Logger = (line) => {
  const { level, message: _message, ...fields } = line
  Log.logLine(levelOf(level), messageOf(line), fields)
}

export const silentLogger: Logger = () => {}

/** A caller's `x-request-id` is kept when it looks like an id (it is echoed into logs and the response). */
const acceptedRequestId = (value: string): string | undefined =>
  /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined

export interface RequestState {
  requestId: string
}

export const requestId = (ctx: Koa.Context): string => (ctx.state as RequestState).requestId ?? "unknown"

/** Request id (from `x-request-id` or generated, echoed back) and the request log line. */
export const requestLogging =
  (log: Logger): Koa.Middleware =>
  async (ctx, next) => {
    const started = performance.now()
    const id = acceptedRequestId(ctx.get("x-request-id")) ?? randomUUID()
    ;(ctx.state as RequestState).requestId = id
    ctx.set("x-request-id", id)
    try {
      await next()
    } finally {
      // A READ_ONLY refusal (readOnly.ts) is a 503 by design: a warning, not an error.
      const refused = (ctx.state as { readOnlyRefusal?: boolean }).readOnlyRefusal === true
      log({
        level: ctx.status >= 500 && !refused ? "error" : ctx.status >= 400 ? "warn" : "info",
        type: "request",
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        requestId: id
      })
    }
  }
