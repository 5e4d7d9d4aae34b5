/**
 * `node packages/http-koa/dist/main.js`: the HTTP host from the environment (PORT, DATABASE_URL, HMPPS_AUTH_URL,
 * API_ROLES, REQUEST_TIMEOUT_MS, …). SIGTERM / SIGINT (every Kubernetes rollout) shut it down gracefully (core's
 * `handleShutdownSignals`): readiness DOWN, no new connections, in-flight requests finish, then the database pool
 * closes and telemetry is flushed, within SHUTDOWN_TIMEOUT_SECONDS (past it: exit 1 naming the requests still in
 * flight; a second signal exits at once).
 */
import { describeInFlight, handleShutdownSignals, loadShutdownTimeoutMs, Log } from "@ram-delius/core"
import { startHttpServer } from "./server.js"

// One JSON line naming the cause, then exit 1 (the one log shape); the stack only at LOG_LEVEL=debug.
const fail = (message: string) => {
  Log.logLine("error", message, { type: "start" }, process.stderr)
  process.exit(1)
}

const start = async () => {
  const timeoutMs = loadShutdownTimeoutMs()
  const server = await startHttpServer()
  return { server, timeoutMs }
}

const { server, timeoutMs } = await start().catch((error: unknown) => fail(Log.describeError(error)))

handleShutdownSignals({
  drain: server.close,
  inFlight: () => describeInFlight("HTTP request", server.inFlight()),
  timeoutMs,
  log: (level, message) => Log.logLine(level, message, { type: "stop" }),
  exit: (code) => process.exit(code),
  signals: process
})
