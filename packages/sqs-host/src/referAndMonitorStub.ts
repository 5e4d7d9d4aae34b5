/**
 * A local Refer and Monitor API on loopback (client-contract.md §4.6): the callback bodies of
 * `fixtures/refer-and-monitor-api/routes.json`, 404 JSON for unknown paths, and the HMPPS Auth token endpoint
 * `/auth/oauth/token` (so the dev stack exercises the client-credentials flow, §5.3). Tests and the benchmark add
 * routes and faults (5xx, delays, dropped connections) with `serve` and `use`.
 *
 * As R&M does (its controllers' `@PreAuthorize`), a request that carries a bearer token must carry the role
 * `ROLE_INTERVENTIONS_API_READ_ALL` (403 otherwise); the token endpoint issues one that does. Dev mode sends no token,
 * so a request without one is answered unless `requireToken` is set.
 */

import { existsSync, readFileSync } from "node:fs"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** `fixtures/` of the repository: two levels above this package's `src/` or `dist/`. */
export const defaultFixturesDir = (): string =>
  resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "fixtures")

export interface StubRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
}

export interface StubResponse {
  readonly status: number
  /** JSON value or raw text; omitted → empty body. */
  readonly body?: unknown
  /** Wait this long before answering (slow R&M). */
  readonly delayMillis?: number
}

/**
 * An interceptor sees every request first: a response answers it, `{ delayMillis }` alone lets the routes answer
 * late (slow R&M), `"drop"` destroys the connection (R&M down), `undefined` lets the routes answer.
 */
export type StubInterceptor = (
  request: StubRequest
) => StubResponse | { readonly delayMillis: number } | "drop" | undefined

export interface ReferAndMonitorStub {
  readonly port: number
  /** `http://127.0.0.1:{port}` */
  readonly url: string
  /** HMPPS Auth base URL for `HMPPS_AUTH_URL` (token at `{authUrl}/oauth/token`). */
  readonly authUrl: string
  /** The requests received (the latest 10 000), oldest first. */
  readonly requests: ReadonlyArray<StubRequest>
  /** Adds or replaces a GET route. */
  readonly serve: (path: string, response: StubResponse) => void
  readonly use: (interceptor: StubInterceptor) => void
  /** Removes the interceptors and forgets the requests (routes stay). */
  readonly reset: () => void
  readonly close: () => Promise<void>
}

export interface StubOptions {
  /** 0 (default) = any free port. */
  readonly port?: number
  readonly host?: string
  readonly fixturesDir?: string
  /** Answer 401 to callbacks without a bearer token (client-contract.md §4.1). Default false: dev mode sends none. */
  readonly requireToken?: boolean
}

interface RouteMapping {
  readonly request: { readonly method?: string; readonly url: string }
  readonly response: { readonly status?: number; readonly bodyFileName?: string }
}

const loadRoutes = (fixturesDir: string): Map<string, StubResponse> => {
  const apiDir = join(fixturesDir, "refer-and-monitor-api")
  const routes = new Map<string, StubResponse>()
  const mappings = (
    JSON.parse(readFileSync(join(apiDir, "routes.json"), "utf8")) as { mappings: ReadonlyArray<RouteMapping> }
  ).mappings
  for (const mapping of mappings) {
    if ((mapping.request.method ?? "GET").toUpperCase() !== "GET") continue
    const file = mapping.response.bodyFileName
    // A mapping whose body file is not in the repository is left out: the path then answers 404 like any unknown one.
    if (file !== undefined && !existsSync(join(apiDir, file))) continue
    routes.set(mapping.request.url, {
      status: mapping.response.status ?? 200,
      ...(file === undefined ? {} : { body: readFileSync(join(apiDir, file), "utf8") })
    })
  }
  return routes
}

const MAX_RECORDED_REQUESTS = 10_000

/** The role R&M requires of a client reading its API (hmpps-interventions-service `ClientApiAccessChecker`). */
export const READ_ALL_ROLE = "ROLE_INTERVENTIONS_API_READ_ALL"

/** The `authorities` of a bearer JWT's payload (not verified: the stub trusts its own tokens); [] when unreadable. */
const authoritiesOf = (authorization: string): ReadonlyArray<string> => {
  const payload = authorization.slice("bearer ".length).split(".")[1] ?? ""
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { authorities?: unknown }
    return Array.isArray(claims.authorities) ? claims.authorities.map(String) : []
  } catch {
    return []
  }
}

const send = (res: ServerResponse, response: StubResponse) => {
  const body =
    response.body === undefined ? "" : typeof response.body === "string" ? response.body : JSON.stringify(response.body)
  res.writeHead(response.status, { "Content-Type": "application/json" })
  res.end(body)
}

/** Shaped like R&M's own 404 (client-contract.md §4.1). */
const notFound = (path: string): StubResponse => ({
  status: 404,
  body: { status: 404, error: "Not Found", message: `No stubbed response for ${path}` }
})

export const startReferAndMonitorStub = async (options: StubOptions = {}): Promise<ReferAndMonitorStub> => {
  const fixturesDir = options.fixturesDir ?? defaultFixturesDir()
  const routes = loadRoutes(fixturesDir)
  const tokenBody = readFileSync(join(fixturesDir, "refer-and-monitor-api", "hmpps-auth-token-body.json"), "utf8")
  let interceptors: Array<StubInterceptor> = []
  const requests: Array<StubRequest> = []

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!
    const request: StubRequest = { method: req.method ?? "GET", path, authorization: req.headers.authorization }
    requests.push(request)
    // A dev stack runs for days: keep the recent requests only.
    if (requests.length > MAX_RECORDED_REQUESTS) requests.splice(0, requests.length - MAX_RECORDED_REQUESTS)
    let delayMillis = 0
    for (const interceptor of interceptors) {
      const intercepted = interceptor(request)
      if (intercepted === "drop") return void req.socket.destroy()
      if (intercepted === undefined) continue
      if (!("status" in intercepted)) {
        delayMillis = intercepted.delayMillis
        break
      }
      return respond(res, intercepted)
    }
    respond(res, { ...route(request), delayMillis })
  }

  const route = (request: StubRequest): StubResponse => {
    // R&M's liveness endpoint, open as Spring's is (what `ram-delius doctor` calls).
    if (request.path === "/health/ping") return { status: 200, body: { status: "UP" } }
    if (request.path === "/auth/oauth/token") {
      return request.method === "POST" ? { status: 200, body: tokenBody } : { status: 405, body: { status: 405 } }
    }
    const bearer = (request.authorization ?? "").toLowerCase().startsWith("bearer ")
    if (options.requireToken === true && !bearer) {
      return { status: 401, body: { status: 401, error: "Unauthorized" } }
    }
    if (bearer && !authoritiesOf(request.authorization!).includes(READ_ALL_ROLE)) {
      return {
        status: 403,
        body: { status: 403, error: "Forbidden", message: `Access denied: requires ${READ_ALL_ROLE}` }
      }
    }
    return (request.method === "GET" ? routes.get(request.path) : undefined) ?? notFound(request.path)
  }

  const respond = (res: ServerResponse, response: StubResponse) => {
    if (response.delayMillis !== undefined && response.delayMillis > 0) {
      setTimeout(() => send(res, response), response.delayMillis)
    } else {
      send(res, response)
    }
  }

  const server = createServer((req, res) => {
    // Drain the request body (the token POST has one) before answering.
    req.resume()
    req.on("end", () => answer(req, res))
  })
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolvePromise())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  return {
    port,
    url,
    authUrl: `${url}/auth`,
    requests,
    serve: (path, response) => void routes.set(path, response),
    use: (interceptor) => void interceptors.push(interceptor),
    reset: () => {
      interceptors = []
      requests.length = 0
    },
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.closeAllConnections()
        server.close(() => resolvePromise())
      })
  }
}
