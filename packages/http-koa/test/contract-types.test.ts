import { spawnSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import { createServer, type AddressInfo } from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { DevIds } from "@ram-delius/core"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import {
  type AuthServer,
  coreLayer,
  createSeededDatabase,
  jwksAuth,
  request,
  signToken,
  startAuthServer,
  startTestServer,
  type TestDatabase
} from "./support/harness.js"

/**
 * Spec §6.2 over a real server: FBD-O (Finance, Benefit and Debt (Oldham)) maps to CRS08, and
 * `CONTRACT_TYPE_NSI_TYPES` adds rows that are checked against R_NSI_TYPE at start-up.
 */
const savedEnv = { ...process.env }
let db: TestDatabase
let auth: AuthServer
beforeAll(async () => {
  db = await createSeededDatabase()
  auth = await startAuthServer()
})
afterEach(() => {
  process.env = { ...savedEnv }
})
afterAll(async () => {
  db.drop()
  await auth.close()
})

const started = (contractType: string, referralId = randomUUID()) => ({
  referralId,
  startedAt: "2024-06-13T17:52:26Z",
  contractType,
  sentenceId: DevIds.event.withoutNsi,
  notes: `Referral for ${contractType}`
})

const nsiTypeOf = (referralId: string) =>
  db.rows<{ CODE: string }>(
    "SELECT t.CODE FROM NSI n JOIN R_NSI_TYPE t ON t.NSI_TYPE_ID = n.NSI_TYPE_ID WHERE n.EXTERNAL_REFERENCE = ?",
    `urn:hmpps:interventions-referral:${referralId}`
  )

const withServer = async (run: (put: (body: unknown) => ReturnType<typeof request>) => Promise<void>) => {
  const server = await startTestServer({ layer: coreLayer(db.url), auth: jwksAuth(auth) })
  const token = await signToken(auth)
  try {
    await run((body) => request(server, "PUT", "/probation-case/S123456/referrals", { token, body }))
  } finally {
    await server.close()
  }
}

describe("contract types (§6.2)", () => {
  it("FBD-O → 204 and an NSI of type CRS08", async () => {
    await withServer(async (put) => {
      const body = started("FBD-O")
      const response = await put(body)
      expect(response.status).toBe(204)
      expect(nsiTypeOf(body.referralId)).toEqual([{ CODE: "CRS08" }])
    })
  })

  it("CONTRACT_TYPE_NSI_TYPES adds mappings end to end; a contract type in neither table stays a 400", async () => {
    process.env.CONTRACT_TYPE_NSI_TYPES = "FBD-XX=CRS08, DNR-ZZ=CRS04"
    await withServer(async (put) => {
      const fbd = started("FBD-XX")
      expect((await put(fbd)).status).toBe(204)
      expect(nsiTypeOf(fbd.referralId)).toEqual([{ CODE: "CRS08" }])
      const dnr = started("DNR-ZZ")
      expect((await put(dnr)).status).toBe(204)
      expect(nsiTypeOf(dnr.referralId)).toEqual([{ CODE: "CRS04" }])
      const nsis = db.count("SELECT COUNT(*) FROM NSI")
      const unknown = await put(started("FBD-YY"))
      expect(unknown.status).toBe(400)
      expect(unknown.json).toEqual({ status: 400, message: "Unexpected contract type: FBD-YY" })
      expect(db.count("SELECT COUNT(*) FROM NSI")).toBe(nsis)
    })
  })

  it("an NSI type code not in R_NSI_TYPE refuses to start, naming the entry", async () => {
    process.env.CONTRACT_TYPE_NSI_TYPES = "FBD-XX=CRS08,DNR-ZZ=CRS99"
    await expect(startTestServer({ layer: coreLayer(db.url), auth: jwksAuth(auth) })).rejects.toThrow(
      "CONTRACT_TYPE_NSI_TYPES: DNR-ZZ=CRS99: NSI type CRS99 is not in R_NSI_TYPE"
    )
  })

  it("the built host with a malformed entry exits 1 with one start-up error line naming it", async () => {
    const main = fileURLToPath(new URL("../dist/main.js", import.meta.url))
    // A free port, in case the host did start (then the timeout ends it and the exit status fails the test).
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const free = (probe.address() as AddressInfo).port
        probe.close(() => resolve(free))
      })
    })
    const result = spawnSync(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: db.url,
        PORT: String(port),
        DEV_JWK_FILE: join(dirname(db.file), "dev-key.json"),
        CONTRACT_TYPE_NSI_TYPES: "FBD-XX=CRS08,DNR-ZZ"
      },
      cwd: dirname(db.file),
      encoding: "utf8",
      timeout: 60_000
    })
    expect(result.status).toBe(1)
    expect(result.stdout).toBe("")
    const lines = result.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    const line = JSON.parse(lines[0]!) as { level: string; message: string }
    expect(line.level).toBe("error")
    expect(line.message).toContain(
      'CONTRACT_TYPE_NSI_TYPES: malformed entry "DNR-ZZ" (expected CONTRACT_TYPE=NSI_TYPE)'
    )
  })
})
