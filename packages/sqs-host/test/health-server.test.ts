import { SqlClient } from "@effect/sql"
import { Effect, Fiber, type ManagedRuntime } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { startHealthServer } from "../src/healthServer.js"
import { startHarness, waitFor, type Harness } from "./support/harness.js"

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
            received: 2,
            succeeded: 1,
            rejected: 1,
            failed: 0,
            unhandled: 0,
            inFlight: 0,
            waiting: 0,
            receiveErrors: 0,
            acknowledgeErrors: 0,
            state: "running" as const,
            queueUrl: "http://q"
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

describe("queue host readiness includes the Delius database (as the HTTP host's)", () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })

  it("a real consumer: db and queue UP → 200; the database hangs → db DOWN, 503; it recovers → 200", async () => {
    h = await startHarness()
    const consumer = await h.start()
    const server = await startHealthServer({ port: 0, host: "127.0.0.1", consumer, readinessTimeoutMs: 500 })
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`)
      return { status: response.status, body: (await response.json()) as any }
    }
    try {
      const ready = await get("/health/readiness")
      expect(ready.status).toBe(200)
      expect(ready.body).toMatchObject({ status: "UP", components: { db: { status: "UP" }, queue: { status: "UP" } } })

      // A transaction that never finishes holds SQLite's only connection: the check cannot get it.
      // HandlerServices does not name SqlClient, but core's layer holds it (the consumer's database check uses it too).
      const core = h.runtime as unknown as ManagedRuntime.ManagedRuntime<SqlClient.SqlClient, unknown>
      const holder = core.runFork(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.withTransaction(Effect.never)))
      try {
        let down: Awaited<ReturnType<typeof get>> | undefined
        await waitFor("readiness DOWN", async () => {
          const answer = await get("/health/readiness")
          if (answer.status === 503) down = answer
          return down !== undefined
        })
        expect(down!.body).toMatchObject({
          status: "DOWN",
          components: { db: { status: "DOWN" }, queue: { status: "UP" } }
        })
        const health = await get("/health")
        expect(health.status).toBe(503)
        expect(health.body.components.db.status).toBe("DOWN")
        expect(await get("/health/liveness")).toEqual({ status: 200, body: { status: "UP" } })
      } finally {
        await core.runPromise(Fiber.interrupt(holder))
      }
      await waitFor("readiness UP again", async () => (await get("/health/readiness")).status === 200)
    } finally {
      await server.close()
    }
  })
})
