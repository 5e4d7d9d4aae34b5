/**
 * `node packages/http-koa/dist/main.js`: the HTTP host from the environment (PORT, DATABASE_URL, HMPPS_AUTH_URL,
 * API_ROLES, REQUEST_TIMEOUT_MS, …). SIGTERM / SIGINT shut it down gracefully: in-flight requests finish, then the
 * database pool closes (Kubernetes sends SIGTERM before killing the pod).
 */
import { Log } from "@ram-delius/core"
import { startHttpServer } from "./server.js"

// One JSON line naming the cause, then exit 1 (issue 11 §2); the stack only at LOG_LEVEL=debug.
const fail = (message: string) => {
  Log.logLine("error", message, { type: "start" }, process.stderr)
  process.exit(1)
}

const server = await startHttpServer().catch((error: unknown) => fail(Log.describeError(error)))

let stopping = false
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return
  stopping = true
  Log.logLine("info", `${signal}: shutting down`, { type: "stop" })
  server.close().then(
    () => process.exit(0),
    (error: unknown) => fail(`shutdown failed: ${Log.describeError(error)}`)
  )
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
