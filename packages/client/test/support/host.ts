import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { DatabaseSync, type SQLInputValue } from "node:sqlite"
import { SqlClient } from "@effect/sql"
import { createSeededDatabase, sqliteFile, testCoreLayer } from "@ram-delius/core/testing"
import {
  DEFAULT_API_ROLES,
  type HostServices,
  hmppsAuthVerification,
  type HttpServer,
  silentLogger,
  startHttpServer
} from "@ram-delius/http-koa"
import { Deferred, Effect, Fiber, ManagedRuntime } from "effect"
import { exportJWK, generateKeyPair, SignJWT } from "jose"

/**
 * The real HTTP host for the client's tests (the parts the host's own tests use): a temporary SQLite file migrated and
 * seeded with the dev dataset, a JWKS endpoint on loopback playing HMPPS Auth, RS256 tokens signed with its key, and
 * the Koa server on port 0.
 */

const RW_ROLE = "ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"

export interface Host {
  readonly url: string
  /** A client-credentials token with the API's role (client-contract.md §2.1: no `user_name`). */
  readonly token: string
  /** A token HMPPS Auth signed, without the API's role. */
  readonly tokenWithoutRole: string
  /** Read-only rows of the Delius database behind the host. */
  readonly rows: <T = Record<string, unknown>>(query: string, ...params: ReadonlyArray<unknown>) => ReadonlyArray<T>
  /**
   * A Delius outage: a transaction that never ends holds SQLite's only connection, so every request waits for it and
   * the host answers 503 at its request timeout. Resolves with the function that ends the outage.
   */
  readonly holdDatabase: () => Promise<() => Promise<void>>
  readonly close: () => Promise<void>
}

const startJwks = async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256")
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "RS256", use: "sig" }
  const server: Server = createServer((req, res) => {
    if (req.url !== "/.well-known/jwks.json") return void res.writeHead(404).end()
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const sign = (authorities: ReadonlyArray<string>) => {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ client_id: "interventions", grant_type: "client_credentials", scope: ["read"], authorities })
      .setProtectedHeader({ alg: "RS256", kid: "test-key", typ: "JWT" })
      .setIssuer(`${url}/issuer`)
      .setSubject("interventions")
      .setIssuedAt(now - 60)
      .setExpirationTime(now + 3600)
      .sign(privateKey)
  }
  return { url, sign, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

export const startHost = async (options: { readonly requestTimeoutMs?: number } = {}): Promise<Host> => {
  const seeded = await createSeededDatabase("sqlite")
  const jwks = await startJwks()
  const core = ManagedRuntime.make(testCoreLayer(seeded.url))
  let server: HttpServer
  try {
    server = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      runtime: core as ManagedRuntime.ManagedRuntime<HostServices, unknown>,
      auth: { verification: hmppsAuthVerification(jwks.url), acceptedRoles: DEFAULT_API_ROLES },
      log: silentLogger,
      ...(options.requestTimeoutMs === undefined ? {} : { config: { requestTimeoutMs: options.requestTimeoutMs } })
    })
  } catch (error) {
    await core.dispose()
    await jwks.close()
    await seeded.drop()
    throw error
  }
  const db = new DatabaseSync(sqliteFile(seeded), { readOnly: true })
  return {
    url: server.url,
    token: await jwks.sign([RW_ROLE]),
    tokenWithoutRole: await jwks.sign(["ROLE_SOMETHING_ELSE"]),
    rows: <T>(query: string, ...params: ReadonlyArray<unknown>) =>
      db.prepare(query).all(...(params as Array<SQLInputValue>)) as unknown as ReadonlyArray<T>,
    holdDatabase: async () => {
      // Resolved inside the transaction, i.e. once it holds the connection.
      const holding = Effect.runSync(Deferred.make<void>())
      const holder = core.runFork(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql.withTransaction(Effect.zipRight(Deferred.succeed(holding, undefined), Effect.never))
        )
      )
      await Effect.runPromise(Deferred.await(holding))
      return () => core.runPromise(Fiber.interrupt(holder)).then(() => undefined)
    },
    close: async () => {
      await server.close()
      await core.dispose()
      await jwks.close()
      db.close()
      await seeded.drop()
    }
  }
}
