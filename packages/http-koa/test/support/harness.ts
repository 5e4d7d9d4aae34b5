import { afterAll, beforeAll } from "vitest"
import { Agent, createServer, type IncomingHttpHeaders, request as httpRequest, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { DatabaseSync, type SQLInputValue } from "node:sqlite"
import { createSeededDatabase as createKitDatabase, sqliteFile, testCoreLayer } from "@ram-delius/core/testing"
import { type Layer, ManagedRuntime } from "effect"
import { exportJWK, generateKeyPair, type JWK, type KeyLike, SignJWT } from "jose"
import {
  type AuthOptions,
  DEFAULT_API_ROLES,
  hmppsAuthVerification,
  type HostServices,
  type HttpServer,
  type HttpServerOptions,
  type LogLine,
  startHttpServer
} from "../../src/index.js"

/**
 * Real things for the host's tests (DESIGN.md, Style): a temporary SQLite file migrated and seeded with the dev
 * dataset (core's test kit), a JWKS server on loopback serving a test key pair, RS256 tokens signed with jose, and the server itself on
 * port 0 over loopback.
 */

export const RW_ROLE = "ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"

export interface TestDatabase {
  readonly file: string
  readonly url: string
  /** A read-only node:sqlite connection for checking Delius rows. */
  readonly rows: <T = Record<string, unknown>>(query: string, ...params: ReadonlyArray<unknown>) => ReadonlyArray<T>
  readonly count: (query: string, ...params: ReadonlyArray<unknown>) => number
  readonly drop: () => void
}

/** The kit's seeded SQLite file (`@ram-delius/core/testing`), with a read-only connection for checking rows. */
export const createSeededDatabase = async (): Promise<TestDatabase> => {
  const seeded = await createKitDatabase("sqlite")
  const file = sqliteFile(seeded)
  const url = seeded.url
  const db = new DatabaseSync(file, { readOnly: true })
  const rows = <T>(query: string, ...params: ReadonlyArray<unknown>) =>
    db.prepare(query).all(...(params as Array<SQLInputValue>)) as unknown as ReadonlyArray<T>
  return {
    file,
    url,
    rows,
    count: (query, ...params) =>
      Number(Object.values(rows<Record<string, unknown>>(query, ...params)[0] ?? {})[0] ?? 0),
    drop: () => {
      db.close()
      // A SQLite database's drop removes its directory before its promise settles.
      void seeded.drop()
    }
  }
}

/** Core on the test database: test telemetry, the embedded directory, no R&M calls, no implicit migration. */
export const coreLayer = (url: string): Layer.Layer<HostServices, unknown> => testCoreLayer(url)

export const coreRuntime = (url: string): ManagedRuntime.ManagedRuntime<HostServices, unknown> =>
  ManagedRuntime.make(coreLayer(url))

// --- HMPPS Auth stand-in -------------------------------------------------------------------------------------------

export interface SigningKey {
  readonly privateKey: KeyLike
  readonly publicJwk: JWK
  readonly kid: string
}

export const makeSigningKey = async (kid: string): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair("RS256")
  return { privateKey, kid, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } }
}

export interface AuthServer {
  /** Plays `HMPPS_AUTH_URL`. */
  readonly url: string
  readonly issuer: string
  readonly key: SigningKey
  /** Publishes another key in the JWKS from now on (a key rotation). */
  readonly publish: (key: SigningKey) => void
  /** How many times the JWKS has been fetched. */
  readonly jwksRequests: () => number
  readonly close: () => Promise<void>
}

/** A JWKS endpoint on loopback at `${url}/.well-known/jwks.json`, publishing one test key (more with `publish`). */
export const startAuthServer = async (): Promise<AuthServer> => {
  const key = await makeSigningKey("test-key")
  const published = [key.publicJwk]
  let jwksRequests = 0
  const server: Server = createServer((req, res) => {
    if (req.url === "/.well-known/jwks.json") {
      jwksRequests++
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ keys: published }))
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    issuer: `${url}/issuer`,
    key,
    publish: (another) => void published.push(another.publicJwk),
    jwksRequests: () => jwksRequests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

export interface TokenOptions {
  readonly authorities?: ReadonlyArray<string> | undefined
  readonly issuer?: string
  readonly key?: SigningKey
  /** Seconds from now; negative for an expired token. */
  readonly expiresIn?: number
}

/** An HMPPS Auth-shaped client-credentials token (client-contract §2.1, §6): no `user_name`. */
export const signToken = (auth: AuthServer, options: TokenOptions = {}): Promise<string> => {
  const key = options.key ?? auth.key
  const now = Math.floor(Date.now() / 1000)
  const claims: Record<string, unknown> = {
    client_id: "interventions",
    grant_type: "client_credentials",
    scope: ["read", "write"]
  }
  if (!("authorities" in options)) claims.authorities = [RW_ROLE]
  else if (options.authorities !== undefined) claims.authorities = options.authorities
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
    .setIssuer(options.issuer ?? auth.issuer)
    .setSubject("interventions")
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(key.privateKey)
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

/** An unsigned token (`alg: none`). */
export const unsignedToken = (auth: AuthServer) =>
  `${base64url({ alg: "none", typ: "JWT" })}.${base64url({
    iss: auth.issuer,
    sub: "interventions",
    authorities: [RW_ROLE],
    exp: Math.floor(Date.now() / 1000) + 3600
  })}.`

export const jwksAuth = (auth: AuthServer, acceptedRoles: ReadonlyArray<string> = DEFAULT_API_ROLES): AuthOptions => ({
  verification: hmppsAuthVerification(auth.url),
  acceptedRoles
})

// --- the server under test -----------------------------------------------------------------------------------------

export interface TestServer extends HttpServer {
  readonly logs: Array<LogLine>
}

export const startTestServer = async (options: HttpServerOptions): Promise<TestServer> => {
  const logs: Array<LogLine> = []
  const server = await startHttpServer({ port: 0, host: "127.0.0.1", log: (line) => logs.push(line), ...options })
  return { ...server, logs }
}

// --- HTTP client ---------------------------------------------------------------------------------------------------

export interface Response {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  /** Raw text of the body ("" when empty). */
  readonly text: string
  /** Parsed JSON body, undefined when the body is empty or not JSON. */
  readonly json: any
}

export interface RequestOptions {
  readonly token?: string
  /** Serialised as JSON unless `raw` is given. */
  readonly body?: unknown
  readonly raw?: string | Uint8Array
  readonly headers?: Record<string, string>
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 })

/** node:http rather than fetch: `/users/{username}/access` takes a body on GET (§4.11), which fetch refuses to send. */
export const request = (
  server: { readonly url: string },
  method: string,
  path: string,
  options: RequestOptions = {}
): Promise<Response> => {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  let body: string | Uint8Array | undefined
  if (options.raw !== undefined) body = options.raw
  else if (options.body !== undefined) body = JSON.stringify(options.body)
  if (body !== undefined) {
    if (headers["content-type"] === undefined) headers["content-type"] = "application/json"
    headers["content-length"] = String(Buffer.byteLength(body))
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers, agent }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("error", reject)
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let json: unknown
        try {
          json = text === "" ? undefined : JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
    })
    req.on("error", reject)
    req.end(body)
  })
}

// --- the usual fixture -----------------------------------------------------------------------------------------------

export interface SeededServer {
  readonly db: TestDatabase
  readonly auth: AuthServer
  readonly server: TestServer
  /** A token with the RW role, signed by `auth`. */
  readonly token: string
}

/**
 * beforeAll / afterAll of a test file: a seeded SQLite database, a JWKS server and the API server on loopback.
 * `onReady` receives them once started (test files keep them in their own variables).
 */
export const useSeededServer = (onReady: (fixture: SeededServer) => void): void => {
  let db: TestDatabase | undefined
  let auth: AuthServer | undefined
  let server: TestServer | undefined
  beforeAll(async () => {
    db = await createSeededDatabase()
    auth = await startAuthServer()
    server = await startTestServer({ layer: coreLayer(db.url), auth: jwksAuth(auth) })
    onReady({ db, auth, server, token: await signToken(auth) })
  })
  afterAll(async () => {
    await server?.close()
    await auth?.close()
    db?.drop()
  })
}
