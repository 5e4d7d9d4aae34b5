/**
 * `node packages/http-koa/dist/main.js`: the HTTP host from the environment (PORT, DATABASE_URL, HMPPS_AUTH_URL,
 * API_ROLES, REQUEST_TIMEOUT_MS, …). SIGTERM / SIGINT shut it down gracefully: in-flight requests finish, then the
 * database pool closes (Kubernetes sends SIGTERM before killing the pod).
 */
import { startHttpServer } from "./server.js"

const fail = (message: string) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", type: "start", message })}\n`)
  process.exit(1)
}

const server = await startHttpServer().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)))

let stopping = false
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return
  stopping = true
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "info", type: "stop", message: `${signal}: shutting down` })}\n`)
  server.close().then(
    () => process.exit(0),
    (error: unknown) => fail(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`)
  )
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
