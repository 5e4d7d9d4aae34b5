/**
 * Health endpoints for the queue host when it runs without the HTTP API (`npm run start:queue`,
 * `ram-delius serve --queue`): Kubernetes probes need `/health/liveness` and `/health/readiness`, and support engineers
 * the consumer's counters (client-contract §6). `/health` and `/health/readiness` answer 200 UP or 503 DOWN with the
 * Delius database (`db`, as the HTTP host reports it) and the queue, DLQ and counters (`queue`); either DOWN makes the
 * answer DOWN. Liveness depends on neither, so an outage does not get the pod restarted. `/info` answers as the HTTP
 * host's does: build details and the operational block (consumer on or off, read-only, queue, database, …).
 */

import { createServer, type Server } from "node:http"
import type { RunningConsumer } from "./poller.js"

export interface HealthServer {
  readonly port: number
  readonly close: () => Promise<void>
}

export const startHealthServer = async (options: {
  readonly port: number
  readonly host?: string
  readonly consumer: Pick<RunningConsumer, "health"> & Partial<Pick<RunningConsumer, "database">>
  /** Bound on the database check (default 5 s): a hung database reports DOWN instead of hanging the probe. */
  readonly readinessTimeoutMs?: number
  /** The body of `/info` (host.ts `queueHostInfo`); without it `/info` is unknown (404). */
  readonly info?: () => unknown
}): Promise<HealthServer> => {
  const database = async () => {
    if (options.consumer.database === undefined) return undefined
    try {
      return await options.consumer.database(options.readinessTimeoutMs)
    } catch (error) {
      return { status: "DOWN" as const, error: String(error) }
    }
  }
  const queue = () =>
    options.consumer.health().then(
      (health) => health,
      (error: unknown) => ({ status: "DOWN" as const, error: String(error) })
    )
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" })
      res.end(JSON.stringify(body))
    }
    const path = (req.url ?? "/").split("?")[0]
    if (req.method !== "GET") return send(405, { status: 405, message: "Method not allowed" })
    if (path === "/health/liveness" || path === "/health/ping" || path === "/ping") return send(200, { status: "UP" })
    if (path === "/info" && options.info !== undefined) return send(200, options.info())
    if (path === "/health" || path === "/health/readiness") {
      void Promise.all([database(), queue()]).then(([db, queueHealth]) => {
        const components = { ...(db === undefined ? {} : { db }), queue: queueHealth }
        const status = Object.values(components).every((c) => c.status === "UP") ? "UP" : "DOWN"
        send(status === "UP" ? 200 : 503, { status, components })
      })
      return
    }
    send(404, { status: 404, message: `No handler for ${path}` })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve())
  })
  const address = server.address()
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
