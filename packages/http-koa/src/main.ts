/**
 * `node packages/http-koa/dist/main.js`: the HTTP host from the environment (PORT, DATABASE_URL, HMPPS_AUTH_URL,
 * API_ROLES, REQUEST_TIMEOUT_MS, …). SIGTERM / SIGINT shut it down gracefully (core's `handleShutdownSignals`, issue 9
 * §1): readiness DOWN, no new connections, in-flight requests finish, then the database pool closes, within
 * SHUTDOWN_TIMEOUT_SECONDS (past it: exit 1 naming the requests still in flight; a second signal exits at once).
 */
import { describeInFlight, handleShutdownSignals, loadShutdownTimeoutMs } from "@ram-delius/core"
import { stdoutLogger } from "./logging.js"
import { startHttpServer } from "./server.js"

const fail = (message: string) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", type: "start", message })}\n`)
  process.exit(1)
}

const start = async () => {
  const timeoutMs = loadShutdownTimeoutMs()
  const server = await startHttpServer()
  return { server, timeoutMs }
}

const { server, timeoutMs } = await start().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)))

handleShutdownSignals({
  drain: server.close,
  inFlight: () => describeInFlight("HTTP request", server.inFlight()),
  timeoutMs,
  log: (level, message) => stdoutLogger({ level, type: "stop", message }),
  exit: (code) => process.exit(code),
  signals: process
})
