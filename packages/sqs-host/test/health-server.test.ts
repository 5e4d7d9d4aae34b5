import { describe, expect, it } from "vitest"
import { startHealthServer } from "../src/healthServer.js"

describe("queue host health endpoints (when it runs without the HTTP API)", () => {
  it("readiness reports the queue and counters, 503 when DOWN; liveness never depends on SQS", async () => {
    let status: "UP" | "DOWN" = "UP"
    const server = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      consumer: {
        health: async () => ({
          status,
          details: { queueName: "refer-and-monitor-and-delius-queue" },
          consumer: {
            received: 2, succeeded: 1, rejected: 1, failed: 0, unhandled: 0, inFlight: 0, receiveErrors: 0,
            acknowledgeErrors: 0, state: "running" as const, queueUrl: "http://q"
          }
        })
      }
    })
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`)
      return { status: response.status, body: await response.json() }
    }
    try {
      const ready = await get("/health/readiness")
      expect(ready.status).toBe(200)
      expect(ready.body).toMatchObject({
        status: "UP",
        components: { queue: { status: "UP", consumer: { received: 2, succeeded: 1, rejected: 1 } } }
      })
      status = "DOWN"
      expect((await get("/health")).status).toBe(503)
      expect(await get("/health/liveness")).toEqual({ status: 200, body: { status: "UP" } })
      expect((await get("/nope")).status).toBe(404)
    } finally {
      await server.close()
    }
  })
})
