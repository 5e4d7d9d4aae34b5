/**
 * Inbound authentication (spec §3.1): an RS256 JWT from HMPPS Auth, checked against its JWKS and issuer; granted
 * authorities are the `authorities` claim, used verbatim. Any accepted role opens every endpoint (§3.2, decision Q7).
 */

import { createPublicKey, type KeyObject, verify as verifySignature } from "node:crypto"
import type Koa from "koa"
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type JWSHeaderParameters } from "jose"
import type { HttpConfig } from "./config.js"
import { DEV_ISSUER, loadDevSigningKey } from "./devAuth.js"
import { HttpProblem } from "./errors.js"
import type { Logger } from "./logging.js"
import { requestId } from "./logging.js"

export type TokenVerification =
  | {
      /** HMPPS Auth: keys fetched (and cached) from `jwksUri`. */
      readonly _tag: "Jwks"
      readonly jwksUri: string
      readonly issuer: string
    }
  | {
      /** A known public key (dev mode); `jwks` is published at `/.well-known/jwks.json` when given. */
      readonly _tag: "PublicKey"
      readonly publicKeyPem: string
      readonly issuer: string
      readonly jwks?: { readonly keys: ReadonlyArray<JWK> }
    }

export interface AuthOptions {
  readonly verification: TokenVerification
  /** `API_ROLES`: a token needs at least one of these authorities. */
  readonly acceptedRoles: ReadonlyArray<string>
}

/** `${HMPPS_AUTH_URL}/.well-known/jwks.json`, issuer `${HMPPS_AUTH_URL}/issuer` (§3.1, §10). */
export const hmppsAuthVerification = (hmppsAuthUrl: string): TokenVerification => {
  const base = hmppsAuthUrl.replace(/\/+$/, "")
  return { _tag: "Jwks", jwksUri: `${base}/.well-known/jwks.json`, issuer: `${base}/issuer` }
}

/** Dev mode: the local key of `DEV_JWK_FILE` (created on first use), issuer `ram-delius-dev`. */
export const devVerification = async (file: string): Promise<TokenVerification> => {
  const key = await loadDevSigningKey(file)
  return { _tag: "PublicKey", publicKeyPem: key.publicKeyPem, issuer: DEV_ISSUER, jwks: { keys: [key.publicJwk] } }
}

/** HMPPS Auth when `HMPPS_AUTH_URL` is set; else dev mode, which production refuses. */
export const resolveVerification = async (
  config: Pick<HttpConfig, "hmppsAuthUrl" | "production" | "devJwkFile">
): Promise<TokenVerification> => {
  if (config.hmppsAuthUrl !== undefined) return hmppsAuthVerification(config.hmppsAuthUrl)
  if (config.production) {
    throw new Error(
      "HMPPS_AUTH_URL is not set: with NODE_ENV=production the service will not start without HMPPS Auth " +
        "(set HMPPS_AUTH_URL, e.g. https://sign-in.hmpps.service.justice.gov.uk/auth)"
    )
  }
  return devVerification(config.devJwkFile)
}

/** How many `Authorization` headers the request has (Node keeps only the first in `headers`, all in `rawHeaders`). */
const authorizationHeaderCount = (rawHeaders: ReadonlyArray<string>): number => {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === "authorization") count++
  return count
}

/**
 * A request with more than one `Authorization` header is refused (401), whatever they carry: the header is not a list
 * (RFC 9110 §11.6.2), and answering with the first one would let a second, different credential go unseen by
 * whatever else reads the request (a proxy, a log). On every route, open ones included.
 */
export const singleAuthorization: Koa.Middleware = async (ctx, next) => {
  refuseRepeatedAuthorization(ctx)
  return next()
}

const refuseRepeatedAuthorization = (ctx: Koa.Context) => {
  if (authorizationHeaderCount(ctx.req.rawHeaders) > 1) {
    throw new HttpProblem(401, "Invalid Authorization header: more than one", {
      "WWW-Authenticate": 'Bearer error="invalid_request"'
    })
  }
}

/**
 * A refused credential: the text the client is told, and the underlying error when there is one (a 401 with an
 * `invalid_token` challenge; without one the header itself was at fault and the challenge is plain `Bearer`).
 */
class Refusal extends Error {
  constructor(
    message: string,
    readonly underlying?: unknown
  ) {
    super(message)
  }
}

const refusedToken = (message: string, cause: unknown = message) => new Refusal(`Invalid token: ${message}`, cause)

/**
 * The token of `Authorization: Bearer <token>`: the header trimmed and split on single spaces must give exactly the
 * scheme (any case) and the token, as the service has always accepted it.
 */
const bearerToken = (authorization: string | undefined): string => {
  if (!authorization) throw new Refusal("Authentication required: no bearer token")
  const parts = authorization.trim().split(" ")
  if (parts.length !== 2 || !/^Bearer$/i.test(parts[0]!)) {
    throw new Refusal("Invalid Authorization header: expected Bearer <token>")
  }
  return parts[1]!
}

/** Three dot-separated base64url parts, the signature possibly empty (checked later, with its own answer). */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]*$/

interface TokenHeader {
  readonly alg?: unknown
  readonly kid?: unknown
  readonly typ?: unknown
}

/**
 * The token's header, or "malformed". Checked before any key is looked up or fetched, so that garbage never costs a
 * JWKS request; a header declaring `typ: JWT` over a payload that is not JSON is refused here too.
 */
const tokenHeader = (token: string): TokenHeader => {
  let header: TokenHeader | undefined
  try {
    if (COMPACT_JWS.test(token)) header = JSON.parse(Buffer.from(token.split(".", 1)[0]!, "base64").toString("latin1"))
  } catch {
    header = undefined
  }
  if (!header) throw refusedToken("malformed")
  if (header.typ === "JWT") {
    try {
      JSON.parse(Buffer.from(token.split(".")[1]!, "base64").toString("utf8"))
    } catch (error) {
      throw new Refusal("Invalid token: could not be verified", error)
    }
  }
  return header
}

type LocalKeys = ReturnType<typeof createLocalJWKSet>

/** Algorithms a JWKS key may be looked up for; anything else (`none`, HMAC, …) is refused before any fetch. */
const LOOKUP_ALGORITHMS = new Set([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES256K",
  "ES384",
  "ES512",
  "EdDSA"
])

/**
 * HMPPS Auth's keys: the JWKS is fetched on first use and kept 10 minutes; a key id it does not hold refetches it (a
 * key rotation). Fetches are at most 10 in any minute, failed ones included, each given 5 s: a flood of unknown key
 * ids, or HMPPS Auth being down, never turns into a flood of requests to it. Past the limit, or when the fetch fails,
 * the token "could not be verified".
 */
const jwksKeys = (jwksUri: string): ((header: TokenHeader) => Promise<KeyObject>) => {
  const perMinute = 10
  const maxAgeMs = 600_000
  const fetches: Array<number> = []
  let keys: LocalKeys | undefined
  let fetchedAt = 0
  let pending: Promise<LocalKeys> | undefined
  const fetchKeys = async () => {
    const now = Date.now()
    while (fetches.length > 0 && fetches[0]! <= now - 60_000) fetches.shift()
    if (fetches.length >= perMinute) throw new Error("Too many requests to the JWKS endpoint")
    fetches.push(now)
    const response = await fetch(jwksUri, { signal: AbortSignal.timeout(5_000) })
    if (!response.ok) throw new Error(`JWKS answered HTTP ${response.status}`)
    keys = createLocalJWKSet((await response.json()) as JSONWebKeySet)
    fetchedAt = Date.now()
    return keys
  }
  const reload = () => (pending ??= fetchKeys().finally(() => (pending = undefined)))
  return async (header) => {
    // The key is looked up for RS256 whatever the token claims: no other algorithm is verified (it is refused once
    // the key is found). A key id that is there but not a string names no key.
    if (header.kid !== undefined && header.kid !== null && typeof header.kid !== "string") {
      throw new errors.JWKSNoMatchingKey()
    }
    const wanted: JWSHeaderParameters =
      typeof header.kid === "string" ? { alg: "RS256", kid: header.kid } : { alg: "RS256" }
    // jose's Node build imports a JWK as a KeyObject.
    const lookUp = async (set: LocalKeys) => (await set(wanted)) as KeyObject
    if (keys === undefined || Date.now() - fetchedAt >= maxAgeMs) return lookUp(await reload())
    try {
      return await lookUp(keys)
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error
      return lookUp(await reload())
    }
  }
}

/**
 * The claims of a correctly signed token, in the order (and with the answers) the service has always given: `nbf`,
 * `exp` (each only when present, no clock tolerance), then the issuer. A payload that is not a JSON object has none
 * of them, so it fails on the issuer.
 */
const checkedClaims = (encoded: string, issuer: string): Record<string, unknown> => {
  let payload: Record<string, unknown> = {}
  try {
    const parsed: unknown = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"))
    if (parsed !== null && typeof parsed === "object") payload = parsed as Record<string, unknown>
  } catch {
    // Not JSON: no claims.
  }
  const now = Math.floor(Date.now() / 1000)
  const { nbf, exp } = payload
  if (nbf !== undefined && typeof nbf !== "number") throw refusedToken("invalid nbf value")
  if (typeof nbf === "number" && nbf > now) throw refusedToken("not yet valid")
  if (exp !== undefined && typeof exp !== "number") throw refusedToken("invalid exp value")
  if (typeof exp === "number" && now >= exp) throw refusedToken("expired")
  if (payload.iss !== issuer) throw refusedToken(`jwt issuer invalid. expected: ${issuer}`)
  return payload
}

/**
 * The RS256 signature over the token's first two parts. Checked synchronously: the asynchronous form hands every
 * verification to the thread pool and back, which costs the process more CPU than the RSA check itself.
 */
const signatureValid = (token: string, key: KeyObject): boolean => {
  const lastDot = token.lastIndexOf(".")
  const signature = Buffer.from(token.slice(lastDot + 1), "base64")
  return verifySignature("sha256", Buffer.from(token.slice(0, lastDot)), key, signature)
}

/**
 * The verification of spec §3.1: RS256 only (no `none`, no HMAC, no other algorithm whatever the key), the issuer,
 * and `exp`/`nbf` when present. Resolves to the decoded claims; every refusal is a `Refusal`.
 */
const tokenVerifier = (verification: TokenVerification): ((token: string) => Promise<Record<string, unknown>>) => {
  const { issuer } = verification
  let keyFor: (header: TokenHeader) => Promise<KeyObject>
  if (verification._tag === "Jwks") {
    const fromJwks = jwksKeys(verification.jwksUri)
    keyFor = async (header) => {
      if (!LOOKUP_ALGORITHMS.has(header.alg as string)) throw refusedToken("algorithm not accepted")
      try {
        return await fromJwks(header)
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
          throw refusedToken("unknown signing key", error)
        }
        throw error
      }
    }
  } else {
    // Imported once: parsing the PEM per request would cost as much again as the verification.
    const key = createPublicKey(verification.publicKeyPem)
    if (key.asymmetricKeyType !== "rsa") throw new Error("The token verification key is not an RSA public key")
    keyFor = async () => key
  }
  return async (token) => {
    try {
      const header = tokenHeader(token)
      const key = await keyFor(header)
      if (token.endsWith(".")) throw refusedToken("jwt signature is required")
      if (header.alg !== "RS256") throw refusedToken("invalid algorithm")
      if (!signatureValid(token, key)) throw refusedToken("invalid signature")
      return checkedClaims(token.split(".", 2)[1]!, issuer)
    } catch (error) {
      throw error instanceof Refusal ? error : new Refusal("Invalid token: could not be verified", error)
    }
  }
}

/** The token's signature, issuer and expiry (spec §3.1). Decoded claims → `ctx.state.jwt`. */
export const authenticate = (verification: TokenVerification, log: Logger): Koa.Middleware => {
  const verify = tokenVerifier(verification)
  return async function verifyBearerToken(ctx, next) {
    // Also here, for an app that uses this middleware without `singleAuthorization` in front.
    refuseRepeatedAuthorization(ctx)
    try {
      ctx.state.jwt = await verify(bearerToken(ctx.req.headers.authorization))
    } catch (error) {
      const refusal = error instanceof Refusal ? error : new Refusal("Invalid token: could not be verified", error)
      if (refusal.underlying !== undefined && refusal.message === "Invalid token: could not be verified") {
        log({
          level: "warn",
          type: "auth",
          requestId: requestId(ctx),
          message: "token verification failed",
          reason: String(refusal.underlying)
        })
      }
      const challenge = refusal.underlying === undefined ? "Bearer" : 'Bearer error="invalid_token"'
      throw new HttpProblem(401, refusal.message, { "WWW-Authenticate": challenge })
    }
    return next()
  }
}

/** 403 unless the token's `authorities` include an accepted role (§3.2). */
export const requireRole =
  (acceptedRoles: ReadonlyArray<string>): Koa.Middleware =>
  async (ctx, next) => {
    const authorities = (ctx.state as { jwt?: { authorities?: unknown } }).jwt?.authorities
    const granted = Array.isArray(authorities) && authorities.some((role) => acceptedRoles.includes(role as string))
    if (!granted) throw new HttpProblem(403, `Access denied: requires one of ${acceptedRoles.join(", ")}`)
    return next()
  }

/** Authentication then authorisation, for every API route. */
export const authenticated = (options: AuthOptions, log: Logger): ReadonlyArray<Koa.Middleware> => [
  authenticate(options.verification, log),
  requireRole(options.acceptedRoles)
]
