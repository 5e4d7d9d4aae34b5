/**
 * Inbound authentication (spec §3.1): an RS256 JWT from HMPPS Auth, checked against its JWKS and issuer; granted
 * authorities are the `authorities` claim, used verbatim. Any accepted role opens every endpoint (§3.2, decision Q7).
 */

import { createPublicKey, type KeyObject } from "node:crypto"
import { koaJwtSecret, type TokenHeader } from "jwks-rsa"
import type Koa from "koa"
import koaJwt from "koa-jwt"
import type { JWK } from "jose"
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

/** What the client is told for each way a token can be refused; the underlying reason is logged. */
const unauthorizedMessage = (error: unknown): string => {
  const original = (error as { originalError?: unknown }).originalError
  if (original === undefined) {
    // koa-jwt's own checks: no token, or an Authorization header that is not `Bearer <token>`.
    const message = error instanceof Error ? error.message : ""
    return message === "Token not found"
      ? "Authentication required: no bearer token"
      : "Invalid Authorization header: expected Bearer <token>"
  }
  const name = original instanceof Error ? original.name : ""
  const detail = original instanceof Error ? original.message : String(original)
  switch (name) {
    case "TokenExpiredError":
      return "Invalid token: expired"
    case "NotBeforeError":
      return "Invalid token: not yet valid"
    case "JsonWebTokenError":
      return `Invalid token: ${detail}`
    case "SigningKeyNotFoundError":
      return "Invalid token: unknown signing key"
    default:
      if (detail === "Invalid token") return "Invalid token: malformed"
      if (detail === "Missing / invalid token algorithm") return "Invalid token: algorithm not accepted"
      return "Invalid token: could not be verified"
  }
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
 * koa-jwt: the token's signature (RS256 only — no `none`, no HMAC), issuer and expiry. Decoded claims →
 * `ctx.state.jwt`.
 */
export const authenticate = (verification: TokenVerification, log: Logger): Koa.Middleware => {
  // jsonwebtoken parses a PEM into a KeyObject on every verification; handing it the KeyObject saves that per request.
  const keys = new Map<string, KeyObject>()
  const keyObject = (pem: string) => {
    let key = keys.get(pem)
    if (key === undefined) keys.set(pem, (key = createPublicKey(pem)))
    return key
  }
  let publicKeyFor: (header: TokenHeader) => Promise<string>
  if (verification._tag === "Jwks") {
    // Keys are cached; an unknown kid refetches the JWKS, at most 10 times a minute.
    publicKeyFor = koaJwtSecret({
      jwksUri: verification.jwksUri,
      cache: true,
      rateLimit: true,
      jwksRequestsPerMinute: 10,
      timeout: 5_000
    })
  } else {
    const pem = verification.publicKeyPem
    publicKeyFor = async () => pem
  }
  // koa-jwt types the secret as a string or Buffer; it hands it to jsonwebtoken, which takes a KeyObject too.
  const secret: koaJwt.SecretLoader = async (header) => keyObject(await publicKeyFor(header)) as unknown as string
  const verify = koaJwt({ secret, algorithms: ["RS256"], issuer: verification.issuer, key: "jwt", debug: true })
  return async (ctx, next) => {
    // Also here, for an app that uses this middleware without `singleAuthorization` in front.
    refuseRepeatedAuthorization(ctx)
    try {
      // A no-op `next`: koa-jwt's failure handling covers the token only, never the route after it.
      await verify(ctx, async () => {})
    } catch (error) {
      const message = unauthorizedMessage(error)
      const original = (error as { originalError?: unknown }).originalError
      if (original !== undefined && message === "Invalid token: could not be verified") {
        log({
          level: "warn",
          type: "auth",
          requestId: requestId(ctx),
          message: "token verification failed",
          reason: String(original)
        })
      }
      const challenge = original === undefined ? "Bearer" : 'Bearer error="invalid_token"'
      throw new HttpProblem(401, message, { "WWW-Authenticate": challenge })
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
