/**
 * Inbound authentication (spec §3.1): an RS256 JWT from HMPPS Auth, checked against its JWKS and issuer; granted
 * authorities are the `authorities` claim, used verbatim. Any accepted role opens every endpoint (§3.2, decision Q7).
 */

import { createPublicKey } from "node:crypto"
import type Koa from "koa"
import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
  jwtVerify,
  type JWTPayload,
  type KeyLike
} from "jose"
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
class Refusal {
  constructor(
    readonly message: string,
    readonly cause?: unknown
  ) {}
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
const COMPACT_JWS = /^[a-zA-Z0-9\-_]+?\.[a-zA-Z0-9\-_]+?\.([a-zA-Z0-9\-_]+)?$/

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
const jwksKeys = (jwksUri: string): ((header: TokenHeader) => Promise<KeyLike>) => {
  const perMinute = 10
  const maxAgeMs = 600_000
  const fetches: Array<number> = []
  let keys: ReturnType<typeof createLocalJWKSet> | undefined
  let fetchedAt = 0
  let pending: Promise<ReturnType<typeof createLocalJWKSet>> | undefined
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
    if (keys === undefined || Date.now() - fetchedAt >= maxAgeMs) return (await reload())(wanted)
    try {
      return await keys(wanted)
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error
      return (await reload())(wanted)
    }
  }
}

/** The claims of a correctly signed token, checked in the order (and with the answers) the service always gave. */
const claimsRefusal = (payload: JWTPayload, issuer: string, fallback: unknown): Refusal => {
  const now = Math.floor(Date.now() / 1000)
  if (payload.nbf !== undefined && typeof payload.nbf !== "number") return refusedToken("invalid nbf value")
  if (typeof payload.nbf === "number" && payload.nbf > now) return refusedToken("not yet valid", fallback)
  if (payload.exp !== undefined && typeof payload.exp !== "number") return refusedToken("invalid exp value")
  if (typeof payload.exp === "number" && now >= payload.exp) return refusedToken("expired", fallback)
  if (payload.iss !== issuer) return refusedToken(`jwt issuer invalid. expected: ${issuer}`)
  // The clock passed a second boundary since the verifier looked (or it refused a claim not checked above, such as a
  // non-numeric `iat`): what the verifier found stands.
  const claim = (fallback as { claim?: string }).claim
  if (claim === "exp") return refusedToken("expired", fallback)
  if (claim === "nbf") return refusedToken("not yet valid", fallback)
  return new Refusal("Invalid token: could not be verified", fallback)
}

/** Any error from key lookup or verification → what the client is told. */
const refusalFor = (error: unknown, issuer: string): Refusal => {
  if (error instanceof Refusal) return error
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return refusedToken("unknown signing key", error)
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return refusedToken("invalid signature", error)
  if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) {
    return claimsRefusal(error.payload, issuer, error)
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return refusedToken("malformed", error)
  return new Refusal("Invalid token: could not be verified", error)
}

/**
 * The verification of spec §3.1: RS256 only (no `none`, no HMAC, no other algorithm whatever the key), the issuer,
 * and `exp`/`nbf` when present, with no clock tolerance. Resolves to the decoded claims.
 */
const tokenVerifier = (verification: TokenVerification): ((token: string) => Promise<JWTPayload>) => {
  const { issuer } = verification
  let keyFor: (header: TokenHeader) => Promise<KeyLike>
  if (verification._tag === "Jwks") {
    const fromJwks = jwksKeys(verification.jwksUri)
    keyFor = (header) => {
      if (!LOOKUP_ALGORITHMS.has(header.alg as string)) throw refusedToken("algorithm not accepted")
      return fromJwks(header)
    }
  } else {
    // Imported once: parsing the PEM per request would cost as much again as the verification.
    const key = createPublicKey(verification.publicKeyPem)
    keyFor = async () => key
  }
  const options = { issuer, algorithms: ["RS256"] }
  return async (token) => {
    try {
      const header = tokenHeader(token)
      const key = await keyFor(header)
      if (token.endsWith(".")) throw refusedToken("jwt signature is required")
      if (header.alg !== "RS256") throw refusedToken("invalid algorithm")
      return (await jwtVerify(token, key, options)).payload
    } catch (error) {
      throw refusalFor(error, issuer)
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
      if (refusal.cause !== undefined && refusal.message === "Invalid token: could not be verified") {
        log({
          level: "warn",
          type: "auth",
          requestId: requestId(ctx),
          message: "token verification failed",
          reason: String(refusal.cause)
        })
      }
      const challenge = refusal.cause === undefined ? "Bearer" : 'Bearer error="invalid_token"'
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
