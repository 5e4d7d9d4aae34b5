/**
 * The unauthenticated endpoints (§3.1): the Spring actuator paths this service had (`/health`, `/health/liveness`,
 * `/health/readiness`, `/info`) and the HMPPS template's (`/health/ping`, `/ping`) — client-contract §6 asks a drop-in
 * replacement for both sets — plus `/v3/api-docs` and, in dev mode, the JWKS of the dev signing key.
 */

import type Router from "@koa/router"
import { SqlClient } from "@effect/sql"
import { Dialect, loadOperationalInfo } from "@ram-delius/core"
import { Duration, Effect, Exit, type ManagedRuntime } from "effect"
import type { JWK } from "jose"
import type { BuildInfo } from "./config.js"
import type { Logger } from "./logging.js"
import { openApiDocument } from "./openapi.js"
import { reply } from "./respond.js"

export type HealthServices = SqlClient.SqlClient | Dialect

export interface HealthOptions {
  readonly runtime: ManagedRuntime.ManagedRuntime<HealthServices, unknown>
  readonly readinessTimeoutMs: number
  readonly build: BuildInfo
  readonly jwks: { readonly keys: ReadonlyArray<JWK> } | undefined
  readonly log: Logger
  /** More components of `/health` and `/health/readiness` (e.g. the queue consumer when both hosts run together). */
  readonly components?: HealthComponents
  /** True once a shutdown has begun: `/health` and `/health/readiness` answer 503 DOWN (no new traffic). */
  readonly draining?: () => boolean
  /** Whether this host refuses Delius writes (`READ_ONLY`, or the embedder's own setting): shown on `/info`. */
  readonly readOnly: boolean
}

/** A named health check: `status` DOWN makes the whole answer DOWN (503). */
export type HealthComponents = Readonly<Record<string, () => Promise<{ readonly status: "UP" | "DOWN" }>>>

const started = Date.now()
const uptime = () => Math.floor((Date.now() - started) / 1000)
const up = { status: "UP" }

/** The dialect's `SELECT 1`; one Effect, run by every probe. */
const pingDatabase = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const dialect = yield* Dialect
  yield* sql.unsafe(dialect.ping)
})

export const registerHealthRoutes = (router: Router, options: HealthOptions): void => {
  // `SELECT 1` through core's SqlClient, bounded: a database that hangs reports DOWN instead of hanging the probe.
  const ping = pingDatabase.pipe(
    // As for API requests (api.ts): answer at the deadline even if the database holds the check uninterruptibly.
    Effect.disconnect,
    Effect.timeoutFail({ duration: Duration.millis(options.readinessTimeoutMs), onTimeout: () => "timed out" })
  )
  const database = async () => {
    const exit = await options.runtime.runPromiseExit(ping)
    if (Exit.isSuccess(exit)) return { status: "UP" as const }
    options.log({ level: "warn", type: "health", message: "database check failed", detail: String(exit.cause) })
    return { status: "DOWN" as const }
  }

  const component = async (name: string, check: () => Promise<{ readonly status: "UP" | "DOWN" }>) => {
    try {
      return [name, await check()] as const
    } catch (error) {
      options.log({ level: "warn", type: "health", message: `${name} check failed`, detail: String(error) })
      return [name, { status: "DOWN" as const }] as const
    }
  }

  const health = async (ctx: Router.RouterContext, extra: Record<string, unknown>) => {
    const components: Record<string, { readonly status: "UP" | "DOWN" }> = Object.fromEntries(
      await Promise.all([
        component("db", database),
        ...Object.entries(options.components ?? {}).map(([name, check]) => component(name, check))
      ])
    )
    // Draining: stop being sent traffic, whatever the components say (the listener has stopped accepting too; this
    // answers a probe that arrives on a connection opened before the signal).
    if (options.draining?.() === true) components.shutdown = { status: "DOWN" }
    const status = Object.values(components).every((c) => c.status === "UP") ? "UP" : "DOWN"
    // Spring actuator answers 503 when DOWN, which is what the Kubernetes probes of this service expect.
    reply(ctx, { status: status === "UP" ? 200 : 503, body: { status, components, ...extra } })
  }

  router.get("/health", (ctx) =>
    health(ctx, {
      build: { buildNumber: options.build.buildNumber, gitRef: options.build.gitRef },
      version: options.build.buildNumber,
      uptime: uptime()
    })
  )
  router.get("/health/readiness", (ctx) => health(ctx, {}))
  // Liveness never depends on the database: an outage must not get healthy pods restarted.
  router.get("/health/liveness", (ctx) => reply(ctx, { status: 200, body: up }))
  router.get("/health/ping", (ctx) => reply(ctx, { status: 200, body: up }))
  router.get("/ping", (ctx) => reply(ctx, { status: 200, body: up }))
  // The configuration does not change under a running process: read once. This host's own read-only setting wins (an
  // embedder may set it apart from READ_ONLY), and the consumer cannot receive while it is read-only.
  const configured = loadOperationalInfo()
  const operational =
    "error" in configured || configured.readOnly === options.readOnly
      ? configured
      : {
          ...configured,
          readOnly: options.readOnly,
          consumer: options.readOnly
            ? { enabled: false, disabledBy: "READ_ONLY", queue: configured.consumer.queue }
            : configured.consumer
        }
  router.get("/info", (ctx) =>
    reply(ctx, {
      status: 200,
      body: {
        git: { branch: options.build.gitBranch, ref: options.build.gitRef },
        build: {
          artifact: "refer-and-monitor-and-delius",
          version: options.build.buildNumber,
          name: "refer-and-monitor-and-delius"
        },
        productId: options.build.productId,
        // The runtime actually serving (the project pins Node 24 as a devDependency; the system Node may differ).
        runtime: { node: process.version },
        uptime: uptime(),
        operational
      }
    })
  )
  router.get("/v3/api-docs", (ctx) => reply(ctx, { status: 200, body: openApiDocument() }))
  if (options.jwks !== undefined) {
    const jwks = options.jwks
    router.get("/.well-known/jwks.json", (ctx) => reply(ctx, { status: 200, body: jwks }))
  }
}
