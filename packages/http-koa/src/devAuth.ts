/**
 * Dev mode (no `HMPPS_AUTH_URL`, not production): tokens are RS256 JWTs signed with a local key pair kept in a JWK
 * file, so `ram-delius token` and the server agree on the key across processes and restarts. The server verifies them
 * directly against the public key (no JWKS fetch) with the issuer `ram-delius-dev`, and publishes the public key at
 * `/.well-known/jwks.json` for other local tools.
 */

import { randomUUID } from "node:crypto"
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises"
import { dirname } from "node:path"
import {
  calculateJwkThumbprint,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JWK,
  type KeyLike,
  SignJWT
} from "jose"
import { DEFAULT_DEV_JWK_FILE, loadDevJwkFile, normaliseRoles } from "./config.js"

export const DEV_ISSUER = "ram-delius-dev"

export interface DevSigningKey {
  readonly kid: string
  readonly privateKey: KeyLike
  /** PEM (SPKI) form: the server imports it once at start and verifies every token against it. */
  readonly publicKeyPem: string
  /** Public JWK (`kty`, `n`, `e`, `kid`, `alg`, `use`). */
  readonly publicJwk: JWK
}

const fromStoredJwk = async (stored: JWK): Promise<DevSigningKey> => {
  const { kty, d, kid, n, e } = stored
  if (kty !== "RSA" || d === undefined || kid === undefined || n === undefined || e === undefined) {
    throw new Error("The dev signing key file does not hold an RSA private JWK with a kid")
  }
  const privateKey = (await importJWK(stored, "RS256")) as KeyLike
  const publicJwk: JWK = { kty: "RSA", n, e, kid, alg: "RS256", use: "sig" }
  const publicKey = (await importJWK(publicJwk, "RS256")) as KeyLike
  return { kid, privateKey, publicKeyPem: await exportSPKI(publicKey), publicJwk }
}

const readKeyFile = async (file: string): Promise<DevSigningKey> => {
  const text = await readFile(file, "utf8")
  try {
    return await fromStoredJwk(JSON.parse(text) as JWK)
  } catch (error) {
    throw new Error(
      `DEV_JWK_FILE ${file} is not a usable RS256 key: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error
      }
    )
  }
}

/**
 * The key in `file`, created on first use. Creation writes a temporary file and hard-links it into place, so two
 * processes starting at once (server and CLI) end up with one key, and neither ever reads a half-written file.
 */
export const loadDevSigningKey = async (file: string = DEFAULT_DEV_JWK_FILE): Promise<DevSigningKey> => {
  try {
    return await readKeyFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
  }
  const { privateKey } = await generateKeyPair("RS256", { extractable: true })
  const jwk = await exportJWK(privateKey)
  const stored: JWK = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: "RS256", use: "sig" }
  await mkdir(dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`
  // The private key is a credential for this machine's dev server only; keep it readable by the owner alone.
  await writeFile(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 })
  try {
    await link(temporary, file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
  } finally {
    await unlink(temporary)
  }
  return readKeyFile(file)
}

export interface DevTokenOptions {
  /** Authorities to grant; `ROLE_` is prefixed when missing (e.g. `CRS_REFERRAL` → `ROLE_CRS_REFERRAL`). */
  readonly roles: ReadonlyArray<string>
  /** `sub` and `client_id`; default `ram-delius-dev` (a client-credentials token, like R&M's, client-contract §2.1). */
  readonly subject?: string
  /** A jose time span (`"1h"`, `"15m"`) or a number of seconds from now; default one hour. */
  readonly expiresIn?: string | number
  /** Key file; default `DEV_JWK_FILE` (default ./data/dev-signing-key.json), the one the dev server uses. */
  readonly file?: string
}

/** Issue a dev-mode token, shaped like an HMPPS Auth client-credentials token (client-contract §6). */
export const issueDevToken = async (options: DevTokenOptions): Promise<string> => {
  const key = await loadDevSigningKey(options.file ?? loadDevJwkFile())
  const subject = options.subject ?? "ram-delius-dev"
  const expiresIn = options.expiresIn ?? "1h"
  return new SignJWT({
    authorities: normaliseRoles(options.roles),
    client_id: subject,
    grant_type: "client_credentials",
    scope: ["read", "write"],
    auth_source: "none"
  })
    .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
    .setIssuer(DEV_ISSUER)
    .setSubject(subject)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(typeof expiresIn === "number" ? Math.floor(Date.now() / 1000) + expiresIn : expiresIn)
    .sign(key.privateKey)
}
