import Router from "@koa/router"
import type { QueueAdmin } from "@ram-delius/core"
import type { ManagedRuntime } from "effect"
import Koa from "koa"
import compose from "koa-compose"
import { type ApiServices, registerApiRoutes } from "./api.js"
import { type AuthOptions, singleAuthorization } from "./auth.js"
import { DEFAULT_BODY_LIMIT_BYTES } from "./body.js"
import { type BuildInfo, DEFAULT_QUEUE_ADMIN_ROLE, DEFAULT_REQUEST_TIMEOUT_MS } from "./config.js"
import { type HealthComponents, type HealthServices, registerHealthRoutes } from "./health.js"
import { type Logger, requestLogging, stdoutLogger } from "./logging.js"
import { registerQueueAdminRoutes } from "./queueAdmin.js"
import { readOnlyGuard, type WritesDelius } from "./readOnly.js"
import { errorHandling, methodErrors, notFound } from "./respond.js"
import { requestTracing } from "./tracing.js"

/** The core services the host calls: the workflows, the case reads, and the SqlClient for readiness. */
export type HostServices = ApiServices | HealthServices

export interface AppOptions {
  /**
   * Core's services, e.g. `ManagedRuntime.make(makeCoreLayer())`. Build it before serving (`await runtime.runtime()`)
   * so a bad database fails at start-up rather than on the first request. The caller owns (and disposes) it.
   */
  readonly runtime: ManagedRuntime.ManagedRuntime<HostServices, unknown>
  readonly auth: AuthOptions
  /** Bound on each API request's work (default 10000 ms → 503 "…timed out"). */
  readonly requestTimeoutMs?: number
  /** Bound on the readiness database check (default 2000 ms). */
  readonly readinessTimeoutMs?: number
  /** Largest accepted request body (default 1 MiB → 413). */
  readonly bodyLimitBytes?: number
  /** Request and error log lines (default JSON lines on stdout). */
  readonly log?: Logger
  readonly build?: BuildInfo
  /** More `/health` components, e.g. `{ queue: () => consumer.health() }` when the queue host runs alongside. */
  readonly healthComponents?: HealthComponents
  /** True once a shutdown has begun: readiness answers 503 DOWN (`startHttpServer`'s `close` sets it). */
  readonly draining?: () => boolean
  /**
   * The hmpps-sqs `/queue-admin` endpoints over this queue admin; absent, the paths are unknown (404).
   * `role` defaults to ROLE_QUEUE_ADMIN; `protectRetryAll` (default false) puts `retry-all-dlqs` behind it too.
   */
  readonly queueAdmin?: { readonly admin: QueueAdmin; readonly role?: string; readonly protectRetryAll?: boolean }
  /** `READ_ONLY`: Delius writes answer 503 with `Retry-After` (readOnly.ts); default false. */
  readonly readOnly?: boolean
  /** Which requests write Delius (default: the two PUTs of §4.1 and §4.2). */
  readonly writesDelius?: WritesDelius
}

const DEFAULT_BUILD: BuildInfo = { buildNumber: "dev", gitRef: "unknown", gitBranch: "unknown", productId: "HMPPS518" }

const buildRouter = (options: AppOptions, log: Logger): Router => {
  const router = new Router()
  registerHealthRoutes(router, {
    runtime: options.runtime,
    readinessTimeoutMs: options.readinessTimeoutMs ?? 2_000,
    build: options.build ?? DEFAULT_BUILD,
    jwks: options.auth.verification._tag === "PublicKey" ? options.auth.verification.jwks : undefined,
    ...(options.healthComponents !== undefined ? { components: options.healthComponents } : {}),
    ...(options.draining !== undefined ? { draining: options.draining } : {}),
    readOnly: options.readOnly ?? false,
    log
  })
  registerApiRoutes(router, {
    runtime: options.runtime,
    auth: options.auth,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    log
  })
  if (options.queueAdmin !== undefined) {
    registerQueueAdminRoutes(router, {
      queueAdmin: options.queueAdmin.admin,
      verification: options.auth.verification,
      role: options.queueAdmin.role ?? DEFAULT_QUEUE_ADMIN_ROLE,
      protectRetryAll: options.queueAdmin.protectRetryAll ?? false,
      log
    })
  }
  return router
}

const readOnly = (options: AppOptions) =>
  readOnlyGuard({
    readOnly: options.readOnly ?? false,
    ...(options.writesDelius !== undefined ? { writesDelius: options.writesDelius } : {})
  })

/**
 * The service's routes as one Koa middleware, for teams that embed them in their own Koa app
 * (`app.use(createRoutes(options))`, or under a prefix with koa-mount). Requests for other paths pass straight on to
 * the embedding app's middleware, untouched: no logging, no auth, no error body.
 */
export const createRoutes = (options: AppOptions): Koa.Middleware => {
  const log = options.log ?? stdoutLogger
  const router = buildRouter(options, log)
  const own = compose<Koa.Context>([
    requestTracing(options.runtime as ManagedRuntime.ManagedRuntime<never, unknown>, router),
    requestLogging(log),
    errorHandling(log),
    singleAuthorization,
    methodErrors,
    readOnly(options),
    router.routes() as Koa.Middleware,
    router.allowedMethods() as Koa.Middleware
  ])
  return (ctx, next) => (router.match(ctx.path, ctx.method).path.length > 0 ? own(ctx, async () => {}) : next())
}

/** A complete Koa app: the routes, plus a 404 error body for any other path. */
export const createApp = (options: AppOptions): Koa => {
  const log = options.log ?? stdoutLogger
  const router = buildRouter(options, log)
  const app = new Koa()
  app.use(requestTracing(options.runtime as ManagedRuntime.ManagedRuntime<never, unknown>, router))
  app.use(requestLogging(log))
  app.use(errorHandling(log))
  app.use(singleAuthorization)
  app.use(methodErrors)
  app.use(readOnly(options))
  app.use(router.routes())
  app.use(router.allowedMethods())
  app.use(notFound)
  return app
}
