import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SignJWT } from "jose"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { DEV_ISSUER, issueDevToken, startHttpServer } from "../src/index.js"
import {
  type AuthServer,
  coreLayer,
  createSeededDatabase,
  jwksAuth,
  makeSigningKey,
  request,
  RW_ROLE,
  signToken,
  startAuthServer,
  startTestServer,
  type TestDatabase,
  type TestServer,
  unsignedToken
} from "./support/harness.js"

/** Spec §3.1–§3.2, decision Q7: who gets in, and the exact answer for everyone who does not. */

let db: TestDatabase
let auth: AuthServer
let server: TestServer
const savedEnv = { ...process.env }

beforeAll(async () => {
  db = await createSeededDatabase()
  auth = await startAuthServer()
  server = await startTestServer({ layer: coreLayer(db.url), auth: jwksAuth(auth) })
})

afterAll(async () => {
  await server?.close()
  await auth?.close()
  db?.drop()
})

afterEach(() => {
  process.env = { ...savedEnv }
})

/** A read and a write endpoint: both must refuse the same way, and the write must write nothing. */
const expectRefused = async (
  authorization: string | undefined,
  status: number,
  message: string,
  target: { url: string } = server
) => {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization }
  const read = await request(target, "GET", "/office-locations", { headers })
  expect(read.status).toBe(status)
  expect(read.json).toEqual({ status, message })
  const nsis = db.count("SELECT COUNT(*) FROM NSI")
  const write = await request(target, "PUT", "/probation-case/S123456/referrals", {
    headers,
    body: {
      referralId: "4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5",
      startedAt: "2024-06-13T17:52:26Z",
      contractType: "ACC",
      sentenceId: 2,
      notes: "n"
    }
  })
  expect(write.status).toBe(status)
  expect(write.json).toEqual({ status, message })
  expect(db.count("SELECT COUNT(*) FROM NSI")).toBe(nsis)
  return read
}

describe("401 for every token that cannot be trusted", () => {
  it("no token", async () => {
    const response = await expectRefused(undefined, 401, "Authentication required: no bearer token")
    expect(response.headers["www-authenticate"]).toBe("Bearer")
  })

  it("not a bearer header", async () => {
    await expectRefused("Basic dXNlcjpwYXNz", 401, "Invalid Authorization header: expected Bearer <token>")
  })

  it("a malformed token", async () => {
    const response = await expectRefused("Bearer not-a-jwt", 401, "Invalid token: malformed")
    expect(response.headers["www-authenticate"]).toBe('Bearer error="invalid_token"')
    await expectRefused("Bearer a.b.c", 401, "Invalid token: malformed")
  })

  it("an expired token", async () => {
    await expectRefused(`Bearer ${await signToken(auth, { expiresIn: -60 })}`, 401, "Invalid token: expired")
  })

  it("a token signed with another key under the published kid", async () => {
    const impostor = { ...(await makeSigningKey(auth.key.kid)) }
    await expectRefused(`Bearer ${await signToken(auth, { key: impostor })}`, 401, "Invalid token: invalid signature")
  })

  it("a token signed with a key the JWKS does not publish", async () => {
    const other = await makeSigningKey("other-key")
    await expectRefused(`Bearer ${await signToken(auth, { key: other })}`, 401, "Invalid token: unknown signing key")
  })

  it("a token whose claims were changed after signing", async () => {
    const [header, , signature] = (await signToken(auth, { authorities: ["ROLE_OTHER"] })).split(".")
    const payload = Buffer.from(
      JSON.stringify({ iss: auth.issuer, authorities: [RW_ROLE], exp: Math.floor(Date.now() / 1000) + 3600 })
    ).toString("base64url")
    await expectRefused(`Bearer ${header}.${payload}.${signature}`, 401, "Invalid token: invalid signature")
  })

  it("alg none", async () => {
    await expectRefused(`Bearer ${unsignedToken(auth)}`, 401, "Invalid token: algorithm not accepted")
  })

  it("HS256 keyed with the public key (algorithm confusion)", async () => {
    const secret = new TextEncoder().encode(JSON.stringify(auth.key.publicJwk))
    const token = await new SignJWT({ authorities: [RW_ROLE] })
      .setProtectedHeader({ alg: "HS256", kid: auth.key.kid })
      .setIssuer(auth.issuer)
      .setExpirationTime("1h")
      .sign(secret)
    await expectRefused(`Bearer ${token}`, 401, "Invalid token: algorithm not accepted")
  })

  it("the wrong issuer", async () => {
    await expectRefused(
      `Bearer ${await signToken(auth, { issuer: "https://sign-in.example.com/auth/issuer" })}`,
      401,
      `Invalid token: jwt issuer invalid. expected: ${auth.issuer}`
    )
  })

  it("HMPPS Auth unreachable: 401, not a 500 or a hang", async () => {
    const down = await startAuthServer()
    const isolated = await startTestServer({ layer: coreLayer(db.url), auth: jwksAuth(down) })
    const token = await signToken(down)
    await down.close()
    try {
      await expectRefused(`Bearer ${token}`, 401, "Invalid token: could not be verified", isolated)
      expect(isolated.logs.some((l) => l.type === "auth" && l.level === "warn")).toBe(true)
    } finally {
      await isolated.close()
    }
  })
})

describe("401 texts case by case: the same answers whatever verifies the token (§3.1)", () => {
  const now = () => Math.floor(Date.now() / 1000)
  /** Signed with the published key; header and claims as given (what `signToken` cannot make). */
  const customToken = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT({ authorities: [RW_ROLE], ...claims })
      .setProtectedHeader({ alg: "RS256", kid: auth.key.kid, ...header })
      .sign(auth.key.privateKey)

  it("the header: the scheme in any case, then one space and the token", async () => {
    const token = await signToken(auth)
    for (const authorization of [`bearer ${token}`, `BEARER ${token}`, `Bearer ${token} `]) {
      expect((await request(server, "GET", "/office-locations", { headers: { authorization } })).status).toBe(200)
    }
    for (const authorization of [`Bearer  ${token}`, "Bearer", `Bearer ${token} x`, `Token ${token}`]) {
      const response = await expectRefused(authorization, 401, "Invalid Authorization header: expected Bearer <token>")
      expect(response.headers["www-authenticate"]).toBe("Bearer")
    }
  })

  it("a token not valid yet", async () => {
    const token = await customToken({ iss: auth.issuer, nbf: now() + 600, exp: now() + 3600 })
    const response = await expectRefused(`Bearer ${token}`, 401, "Invalid token: not yet valid")
    expect(response.headers["www-authenticate"]).toBe('Bearer error="invalid_token"')
  })

  it("claims are judged in a fixed order: nbf, exp, then the issuer", async () => {
    const elsewhere = "https://sign-in.example.com/auth/issuer"
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ iss: elsewhere, exp: now() - 60 }, "Invalid token: expired"],
      [{ iss: elsewhere, nbf: now() + 600, exp: now() - 60 }, "Invalid token: not yet valid"],
      [{ iss: elsewhere, nbf: "soon", exp: now() + 3600 }, "Invalid token: invalid nbf value"],
      [{ iss: elsewhere, exp: "later" }, "Invalid token: invalid exp value"],
      [{ exp: now() + 3600 }, `Invalid token: jwt issuer invalid. expected: ${auth.issuer}`]
    ]
    for (const [claims, message] of cases) await expectRefused(`Bearer ${await customToken(claims)}`, 401, message)
  })

  it("RS384 under the published key, and an RS256 token without its signature", async () => {
    const rs384 = await customToken({ iss: auth.issuer, exp: now() + 3600 }, { alg: "RS384" })
    await expectRefused(`Bearer ${rs384}`, 401, "Invalid token: invalid algorithm")
    const unsigned = (await signToken(auth)).replace(/[^.]+$/, "")
    await expectRefused(`Bearer ${unsigned}`, 401, "Invalid token: jwt signature is required")
  })

  it("a token without a key id is verified with the only key published", async () => {
    const token = await new SignJWT({ authorities: [RW_ROLE] })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(auth.issuer)
      .setExpirationTime("1h")
      .sign(auth.key.privateKey)
    expect((await request(server, "GET", "/office-locations", { token })).status).toBe(200)
  })
})

describe("HMPPS Auth's key set (§3.1)", () => {
  it("is fetched once and kept; an unknown key id refetches it, at most 10 times a minute", async () => {
    const rotating = await startAuthServer()
    const isolated = await startTestServer({ layer: coreLayer(db.url), auth: jwksAuth(rotating) })
    const answer = async (token: string) => {
      const response = await request(isolated, "GET", "/office-locations", { token })
      return response.status === 200 ? 200 : response.json.message
    }
    try {
      expect(await answer(await signToken(rotating))).toBe(200)
      expect(await answer(await signToken(rotating))).toBe(200)
      expect(rotating.jwksRequests()).toBe(1)
      // A key HMPPS Auth does not publish yet, then does: each request for it fetches the key set again.
      const next = await makeSigningKey("next-key")
      expect(await answer(await signToken(rotating, { key: next }))).toBe("Invalid token: unknown signing key")
      expect(rotating.jwksRequests()).toBe(2)
      rotating.publish(next)
      expect(await answer(await signToken(rotating, { key: next }))).toBe(200)
      expect(rotating.jwksRequests()).toBe(3)
      // Seven more unknown key ids use up the minute's 10 fetches; the eighth is not fetched for.
      for (let i = 1; i <= 7; i++) {
        const unknown = await makeSigningKey(`unknown-${i}`)
        expect(await answer(await signToken(rotating, { key: unknown }))).toBe("Invalid token: unknown signing key")
      }
      expect(rotating.jwksRequests()).toBe(10)
      const more = await makeSigningKey("unknown-8")
      expect(await answer(await signToken(rotating, { key: more }))).toBe("Invalid token: could not be verified")
      expect(rotating.jwksRequests()).toBe(10)
      expect(isolated.logs.some((l) => l.type === "auth" && l.level === "warn")).toBe(true)
      // Keys already known still verify, without a fetch.
      expect(await answer(await signToken(rotating))).toBe(200)
      expect(await answer(await signToken(rotating, { key: next }))).toBe(200)
      expect(rotating.jwksRequests()).toBe(10)
    } finally {
      await isolated.close()
      await rotating.close()
    }
  })
})

describe("403 for a valid token without an accepted role", () => {
  const denied =
    "Access denied: requires one of ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW, ROLE_CRS_REFERRAL"

  it("other roles, no authorities claim, or a malformed claim", async () => {
    await expectRefused(`Bearer ${await signToken(auth, { authorities: ["ROLE_OTHER", "ROLE_CRS"] })}`, 403, denied)
    await expectRefused(`Bearer ${await signToken(auth, { authorities: undefined })}`, 403, denied)
    await expectRefused(`Bearer ${await signToken(auth, { authorities: [] })}`, 403, denied)
    // Role names are compared verbatim (§3.1): no prefix is added to the token's authorities.
    await expectRefused(
      `Bearer ${await signToken(auth, { authorities: ["PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"] })}`,
      403,
      denied
    )
  })
})

describe("accepted roles", () => {
  it("the RW role, and ROLE_CRS_REFERRAL by default (decision Q7)", async () => {
    for (const role of [RW_ROLE, "ROLE_CRS_REFERRAL"]) {
      const token = await signToken(auth, { authorities: ["ROLE_OTHER", role] })
      expect((await request(server, "GET", "/office-locations", { token })).status).toBe(200)
    }
  })

  it("API_ROLES and HMPPS_AUTH_URL from the environment replace the defaults", async () => {
    process.env.HMPPS_AUTH_URL = `${auth.url}/`
    process.env.API_ROLES = "CUSTOM_ROLE, ROLE_SECOND"
    const configured = await startTestServer({ layer: coreLayer(db.url) })
    try {
      expect(configured.auth.acceptedRoles).toEqual(["ROLE_CUSTOM_ROLE", "ROLE_SECOND"])
      const custom = await signToken(auth, { authorities: ["ROLE_CUSTOM_ROLE"] })
      expect((await request(configured, "GET", "/office-locations", { token: custom })).status).toBe(200)
      const rw = await signToken(auth, { authorities: [RW_ROLE] })
      const refused = await request(configured, "GET", "/office-locations", { token: rw })
      expect(refused.status).toBe(403)
      expect(refused.json).toEqual({
        status: 403,
        message: "Access denied: requires one of ROLE_CUSTOM_ROLE, ROLE_SECOND"
      })
    } finally {
      await configured.close()
    }
  })
})

describe("HMPPS_AUTH_TOKEN_URL (an in-cluster token endpoint)", () => {
  it("inbound tokens are still verified against HMPPS_AUTH_URL's JWKS and issuer", async () => {
    process.env.HMPPS_AUTH_URL = auth.url
    // Nothing listens there: only the outbound client-credentials fetch would use it, never the inbound checks.
    process.env.HMPPS_AUTH_TOKEN_URL = "http://127.0.0.1:1/in-cluster/oauth/token"
    const configured = await startTestServer({ layer: coreLayer(db.url) })
    try {
      const token = await signToken(auth, { authorities: [RW_ROLE] })
      expect((await request(configured, "GET", "/office-locations", { token })).status).toBe(200)
      const forged = await signToken(auth, { authorities: [RW_ROLE], issuer: "http://127.0.0.1:1/in-cluster/issuer" })
      expect((await request(configured, "GET", "/office-locations", { token: forged })).status).toBe(401)
    } finally {
      await configured.close()
    }
  })
})

describe("unauthenticated endpoints (§3.1)", () => {
  it.each(["/health", "/health/liveness", "/health/readiness", "/health/ping", "/ping", "/info", "/v3/api-docs"])(
    "%s",
    async (path) => {
      const response = await request(server, "GET", path)
      expect(response.status).toBe(200)
    }
  )
})

describe("tokens never reach the logs", () => {
  it("no log line carries a token or the Authorization header", async () => {
    const token = await signToken(auth)
    await request(server, "GET", "/office-locations", { token })
    await request(server, "GET", "/office-locations", { token: `${token}x` })
    const logged = JSON.stringify(server.logs)
    expect(server.logs.length).toBeGreaterThan(0)
    expect(logged).not.toContain(token.split(".")[2]!)
    expect(logged.toLowerCase()).not.toContain("authorization")
    expect(logged).not.toContain("Bearer ")
  })
})

describe("dev mode (no HMPPS_AUTH_URL)", () => {
  let dir: string
  let file: string
  let dev: TestServer

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ram-delius-devkey-"))
    file = join(dir, "keys", "dev-signing-key.json")
    dev = await startTestServer({
      layer: coreLayer(db.url),
      config: { hmppsAuthUrl: undefined, production: false, devJwkFile: file }
    })
  })

  afterAll(async () => {
    await dev?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it("creates the key file (owner-only) and publishes the public key", async () => {
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const jwks = await request(dev, "GET", "/.well-known/jwks.json")
    expect(jwks.status).toBe(200)
    expect(jwks.json.keys).toHaveLength(1)
    expect(jwks.json.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" })
    expect(jwks.json.keys[0].d).toBeUndefined()
    // HMPPS Auth mode publishes no key of its own.
    expect((await request(server, "GET", "/.well-known/jwks.json")).status).toBe(404)
  })

  it("accepts a token from issueDevToken (file given, or DEV_JWK_FILE); ROLE_ is prefixed", async () => {
    const token = await issueDevToken({ roles: ["PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"], file })
    expect((await request(dev, "GET", "/office-locations", { token })).status).toBe(200)
    process.env.DEV_JWK_FILE = file
    const fromEnv = await issueDevToken({ roles: [RW_ROLE], subject: "support-engineer", expiresIn: 120 })
    expect((await request(dev, "GET", "/probation-case/T140223/identifiers", { token: fromEnv })).json).toEqual({
      crn: "T140223",
      nomsId: "A1234YZ"
    })
  })

  it("refuses other keys, expired tokens and missing roles", async () => {
    const other = join(dir, "other-key.json")
    const foreign = await issueDevToken({ roles: [RW_ROLE], file: other })
    await expectRefused(`Bearer ${foreign}`, 401, "Invalid token: invalid signature", dev)
    const expired = await issueDevToken({ roles: [RW_ROLE], file, expiresIn: -10 })
    await expectRefused(`Bearer ${expired}`, 401, "Invalid token: expired", dev)
    const noRole = await issueDevToken({ roles: ["ROLE_OTHER"], file })
    expect((await request(dev, "GET", "/office-locations", { token: noRole })).status).toBe(403)
  })

  it("refuses HS256, alg none and an unsigned token with the texts it always gave", async () => {
    const claims = { iss: DEV_ISSUER, authorities: [RW_ROLE], exp: Math.floor(Date.now() / 1000) + 3600 }
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode("a secret"))
    await expectRefused(`Bearer ${hs256}`, 401, "Invalid token: invalid algorithm", dev)
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`
    await expectRefused(`Bearer ${none}`, 401, "Invalid token: jwt signature is required", dev)
    const issued = await issueDevToken({ roles: [RW_ROLE], file })
    await expectRefused(`Bearer ${issued.replace(/[^.]+$/, "")}`, 401, "Invalid token: jwt signature is required", dev)
  })

  it("a second server on the same key file accepts the same tokens (the key persists)", async () => {
    const again = await startTestServer({
      layer: coreLayer(db.url),
      config: { hmppsAuthUrl: undefined, production: false, devJwkFile: file }
    })
    try {
      const token = await issueDevToken({ roles: [RW_ROLE], file })
      expect((await request(again, "GET", "/office-locations", { token })).status).toBe(200)
    } finally {
      await again.close()
    }
  })

  it("NODE_ENV=production without HMPPS_AUTH_URL refuses to start, naming HMPPS_AUTH_URL", async () => {
    process.env.NODE_ENV = "production"
    delete process.env.HMPPS_AUTH_URL
    await expect(
      startHttpServer({ port: 0, host: "127.0.0.1", layer: coreLayer(db.url), log: () => {} })
    ).rejects.toThrow(/HMPPS_AUTH_URL is not set/)
  })
})

describe("configuration", () => {
  it("an invalid variable stops start-up with a message naming it", async () => {
    process.env.REQUEST_TIMEOUT_MS = "soon"
    await expect(
      startHttpServer({ port: 0, host: "127.0.0.1", layer: coreLayer(db.url), log: () => {} })
    ).rejects.toThrow(/REQUEST_TIMEOUT_MS/)
  })
})
