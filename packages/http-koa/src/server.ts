import { createServer, type Server } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Log, makeCoreLayer, type QueueAdmin } from "@ram-delius/core"
import { Effect, Exit, Layer, ManagedRuntime } from "effect"
import type { HealthComponents } from "./health.js"
import { createApp, type HostServices } from "./app.js"
import { type AuthOptions, resolveVerification } from "./auth.js"
import { type HttpConfig, loadHttpConfig } from "./config.js"
import { answerEdgeErrors, MAX_HEAD_BYTES } from "./edge.js"
import { type Logger, stdoutLogger } from "./logging.js"

export interface HttpServerOptions {
  /** Default `PORT` (8080); 0 picks a free port. */
  readonly port?: number
  /** Interface to listen on; default all. */
  readonly host?: string
  /** Core services to build and own (disposed by `close`); default `makeCoreLayer()` from the environment. */
  readonly layer?: Layer.Layer<HostServices, unknown>
  /** An already-made runtime, owned by the caller (not disposed by `close`). Takes precedence over `layer`. */
  readonly runtime?: ManagedRuntime.ManagedRuntime<HostServices, unknown>
  /** Default: HMPPS Auth from `HMPPS_AUTH_URL`, else dev mode; roles from `API_ROLES`. */
  readonly auth?: AuthOptions
  /** Overrides of the environment configuration. */
  readonly config?: Partial<HttpConfig>
  readonly readinessTimeoutMs?: number
  readonly bodyLimitBytes?: number
  readonly log?: Logger
  /** How long `close` waits for in-flight requests before cutting connections (default: request timeout + 5 s). */
  readonly shutdownGraceMs?: number
  /** More `/health` components (see `AppOptions.healthComponents`). */
  readonly healthComponents?: HealthComponents
  /**
   * Serve hmpps-sqs's `/queue-admin` endpoints over this (the queue host's SQS implementation under
   * `ram-delius serve`), with `QUEUE_ADMIN_ROLE` and `QUEUE_ADMIN_PROTECT_RETRY_ALL` from the configuration.
   */
  readonly queueAdmin?: QueueAdmin
}

export interface HttpServer {
  readonly port: number
  readonly url: string
  readonly server: Server
  readonly auth: AuthOptions
  /**
   * Graceful shutdown: readiness DOWN, stop accepting, let in-flight requests finish, then dispose the runtime if it
   * is ours.
   */
  readonly close: () => Promise<void>
  /** The requests being answered now, as `METHOD /path` (for the shutdown timeout's log line). */
  readonly inFlight: () => ReadonlyArray<string>
}

/**
 * The requests being answered: how many, which (method and path only — the query string could hold anything, and
 * headers, the token among them, are never kept), and on which sockets.
 */
const trackRequests = (server: Server) => {
  const requests = new Map<number, string>()
  const perSocket = new WeakMap<Socket, number>()
  let nextRequest = 0
  let drained: (() => void) | undefined
  server.on("request", (req, res) => {
    const key = nextRequest++
    const socket = req.socket
    requests.set(key, `${req.method ?? "?"} ${(req.url ?? "/").split("?")[0] ?? "/"}`)
    perSocket.set(socket, (perSocket.get(socket) ?? 0) + 1)
    res.once("close", () => {
      requests.delete(key)
      perSocket.set(socket, (perSocket.get(socket) ?? 1) - 1)
      if (requests.size === 0) drained?.()
    })
  })
  return {
    inFlight: (): ReadonlyArray<string> => [...requests.values()],
    busy: (socket: Socket): boolean => (perSocket.get(socket) ?? 0) > 0,
    /** Resolves when no request is in flight, or after `graceMs`. */
    drained: (graceMs: number) =>
      requests.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, graceMs)
            drained = () => {
              clearTimeout(timer)
              resolve()
            }
          })
  }
}

/** Start the HTTP host. Rejects — before listening — when auth or core cannot start (e.g. no HMPPS_AUTH_URL in production). */
export const startHttpServer = async (options: HttpServerOptions = {}): Promise<HttpServer> => {
  const config: HttpConfig = { ...loadHttpConfig(), ...options.config }
  const log = options.log ?? stdoutLogger
  const auth = options.auth ?? { verification: await resolveVerification(config), acceptedRoles: config.apiRoles }

  const owned = options.runtime === undefined
  // Effect logs in the one JSON shape (core Log.ts), like the request lines.
  const runtime = options.runtime ?? ManagedRuntime.make(options.layer ?? Layer.merge(makeCoreLayer(), Log.layer()))
  // Build core now (database connection, migrations for SQLite, the Delius user): fail at start-up, not per request.
  const built = await runtime.runPromiseExit(Effect.void)
  if (Exit.isFailure(built)) {
    if (owned) await runtime.dispose()
    // One line naming the cause (e.g. "Invalid data at DATABASE_URL: …"); the stacks only at LOG_LEVEL=debug.
    throw new Error(`Core services could not start: ${Log.describeCause(built.cause)}`)
  }

  let closing: Promise<void> | undefined
  const app = createApp({
    runtime,
    draining: () => closing !== undefined,
    auth,
    requestTimeoutMs: config.requestTimeoutMs,
    ...(options.readinessTimeoutMs !== undefined ? { readinessTimeoutMs: options.readinessTimeoutMs } : {}),
    ...(options.bodyLimitBytes !== undefined ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    log,
    build: config.build,
    readOnly: config.readOnly,
    ...(options.healthComponents !== undefined ? { healthComponents: options.healthComponents } : {}),
    ...(options.queueAdmin !== undefined
      ? {
          queueAdmin: {
            admin: options.queueAdmin,
            role: config.queueAdminRole,
            protectRetryAll: config.queueAdminProtectRetryAll
          }
        }
      : {})
  })
  const server = createServer({ maxHeaderSize: MAX_HEAD_BYTES }, app.callback())
  // Bound slow clients at the socket level too (headers, whole request).
  server.headersTimeout = 20_000
  server.requestTimeout = config.requestTimeoutMs + 20_000
  const requests = trackRequests(server)
  answerEdgeErrors(server, log, requests.busy)

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(options.port ?? config.port, options.host, () => {
        server.off("error", reject)
        resolve()
      })
    })
  } catch (error) {
    if (owned) await runtime.dispose()
    throw new Error(`HTTP server could not listen: ${Log.describeError(error)}`, { cause: error })
  }
  const port = (server.address() as AddressInfo).port
  log({
    level: "info",
    type: "start",
    message: `HTTP server listening on port ${port}`,
    port,
    node: process.version,
    auth:
      auth.verification._tag === "Jwks"
        ? `HMPPS Auth, issuer ${auth.verification.issuer}`
        : `dev mode: tokens signed with ${config.devJwkFile} (issueDevToken / ram-delius token), issuer ${auth.verification.issuer}`
  })

  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      await requests.drained(options.shutdownGraceMs ?? config.requestTimeoutMs + 5_000)
      // Whatever is left is idle keep-alive sockets or requests past the grace period.
      server.closeAllConnections()
      await stopped
      if (owned) await runtime.dispose()
      log({ level: "info", type: "stop", message: "HTTP server stopped" })
    })())

  return {
    port,
    url: `http://${options.host ?? "localhost"}:${port}`,
    server,
    auth,
    close,
    inFlight: requests.inFlight
  }
}
