import { createServer, type Server } from "node:http"
import type { RunningConsumer } from "./poller.js"

/**
 * Health endpoints for the queue host when it runs without the HTTP API (`npm run start:queue`,
 * `ram-delius serve --queue`): Kubernetes probes need `/health/liveness` and `/health/readiness`, and support engineers
 * the consumer's counters (client-contract §6). `/health` and `/health/readiness` answer 200 UP or 503 DOWN with the
 * queue, DLQ and counters; liveness never depends on SQS, so an SQS outage does not get the pod restarted.
 */
export interface HealthServer {
  readonly port: number
  readonly close: () => Promise<void>
}

export const startHealthServer = async (options: {
  readonly port: number
  readonly host?: string
  readonly consumer: Pick<RunningConsumer, "health">
}): Promise<HealthServer> => {
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" })
      res.end(JSON.stringify(body))
    }
    const path = (req.url ?? "/").split("?")[0]
    if (req.method !== "GET") return send(405, { status: 405, message: "Method not allowed" })
    if (path === "/health/liveness" || path === "/health/ping" || path === "/ping") return send(200, { status: "UP" })
    if (path === "/health" || path === "/health/readiness") {
      options.consumer.health().then(
        (queue) => send(queue.status === "UP" ? 200 : 503, { status: queue.status, components: { queue } }),
        (error: unknown) => send(503, { status: "DOWN", components: { queue: { status: "DOWN", error: String(error) } } })
      )
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
