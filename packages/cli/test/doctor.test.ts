import { CreateQueueCommand } from "@aws-sdk/client-sqs"
import { type DevStack, startDevStack } from "@ram-delius/sqs-host/dev"
import { spawn } from "node:child_process"
import { copyFileSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { DatabaseSync } from "node:sqlite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "./support/ports.js"

/**
 * `ram-delius doctor` through the built binary: every check passing in dev mode and in a deployment-like setup (HMPPS
 * Auth, R&M and SQS on loopback), then each dependency missing in turn — the one line that fails names the setting.
 */
const BIN = fileURLToPath(new URL("../bin/ram-delius.mjs", import.meta.url))

let dir: string
let stack: DevStack
let dev: Record<string, string>
let deployed: Record<string, string>
const run = (env: Record<string, string>, ...args: Array<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, "doctor", ...args], { env: { ...process.env, ...env }, cwd: dir })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })
const lineOf = (stdout: string, name: string) => stdout.split("\n").find((l) => l.slice(6).startsWith(`${name} `)) ?? ""
const failed = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("FAIL"))
const sqlite = (name: string) => join(dir, name)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ram-doctor-"))
  const sqsPort = await freePort()
  stack = await startDevStack({ sqsPort, referAndMonitorPort: await freePort() })
  dev = {
    DATABASE_URL: `sqlite:${sqlite("delius.sqlite")}`,
    HMPPS_AUTH_URL: "",
    DEV_SQS_PORT: String(sqsPort),
    DEV_REFER_AND_MONITOR_PORT: String(stack.referAndMonitor.port),
    NODE_ENV: "test"
  }
  for (const command of [
    ["db", "migrate"],
    ["db", "seed"]
  ]) {
    const child = spawn(process.execPath, [BIN, ...command], { env: { ...process.env, ...dev }, cwd: dir })
    await new Promise((resolve) => child.on("close", resolve))
  }
  const rm = stack.referAndMonitor.url
  deployed = {
    ...dev,
    HMPPS_AUTH_URL: stack.referAndMonitor.authUrl,
    OAUTH2_CLIENT_ID: "refer-and-monitor-and-delius",
    OAUTH2_CLIENT_SECRET: "secret",
    MESSAGING_CONSUMER_DETAIL_URLS: rm,
    REFER_AND_MONITOR_URL: rm,
    AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${sqsPort}`,
    AWS_ACCESS_KEY_ID: "dev",
    AWS_SECRET_ACCESS_KEY: "dev",
    QUEUE_DEV_STACK: "false"
  }
}, 120_000)
afterAll(async () => {
  await stack?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("ram-delius doctor (built binary)", () => {
  it("dev mode: every check passes, the embedded defaults said to be embedded; --json for machines; nothing written", async () => {
    const before = new DatabaseSync(sqlite("delius.sqlite"), { readOnly: true })
      .prepare("SELECT COUNT(*) AS N FROM CONTACT")
      .get()
    const result = await run(dev)
    expect(result.code).toBe(0)
    expect(failed(result.stdout)).toEqual([])
    expect(lineOf(result.stdout, "dialect")).toBe("PASS  dialect            sqlite (the embedded database)")
    expect(lineOf(result.stdout, "LDAP")).toContain("the embedded directory")
    expect(lineOf(result.stdout, "HMPPS Auth")).toContain("dev auth mode")
    expect(lineOf(result.stdout, "CONTACT insert")).toMatch(
      /possible, id \d+ from CONTACT_ID_SEQ \(sqlite; rolled back\)/
    )
    expect(result.stdout.trim().split("\n").at(-1)).toBe("All checks passed.")
    const after = new DatabaseSync(sqlite("delius.sqlite"), { readOnly: true })
      .prepare("SELECT COUNT(*) AS N FROM CONTACT")
      .get()
    expect(after).toEqual(before)
    const json = JSON.parse((await run(dev, "--json")).stdout) as {
      ok: boolean
      checks: Array<{ name: string; embedded?: boolean }>
    }
    expect(json.ok).toBe(true)
    expect(json.checks.find((c) => c.name === "LDAP")?.embedded).toBe(true)
  }, 60_000)

  it("deployment-like: a token with ROLE_INTERVENTIONS_API_READ_ALL, R&M reachable, queue and DLQ with a redrive policy", async () => {
    const result = await run(deployed)
    expect(failed(result.stdout)).toEqual([])
    expect(result.code).toBe(0)
    expect(lineOf(result.stdout, "HMPPS Auth")).toContain("carries ROLE_INTERVENTIONS_API_READ_ALL")
    expect(lineOf(result.stdout, "Refer and Monitor")).toContain("GET /health/ping: 200")
    expect(lineOf(result.stdout, "SQS DLQ")).toContain("refer-and-monitor-and-delius-dlq reachable")
  }, 60_000)

  const missing: ReadonlyArray<readonly [string, () => Record<string, string>, string, string]> = [
    ["the database", () => ({ DATABASE_URL: `sqlite:${sqlite("none.sqlite")}` }), "database", "DATABASE_URL"],
    ["the audit user", () => ({ DELIUS_DB_USERNAME: "NoSuchUser" }), "audit user", "DELIUS_DB_USERNAME"],
    ["an NSI type", () => ({ CONTRACT_TYPE_NSI_TYPES: "FBD-XX=CRS99" }), "R_NSI_TYPE", "CONTRACT_TYPE_NSI_TYPES"],
    [
      "LDAP",
      () => ({ LDAP_URL: `ldap://127.0.0.1:${closedPort}`, LDAP_BIND_DN: "cn=x", LDAP_BIND_PASSWORD: "y" }),
      "LDAP",
      "LDAP_URL"
    ],
    ["HMPPS Auth", () => ({ HMPPS_AUTH_URL: `http://127.0.0.1:${closedPort}/auth` }), "HMPPS Auth", "HMPPS_AUTH_URL"],
    [
      "R&M",
      () => ({
        REFER_AND_MONITOR_URL: `http://127.0.0.1:${closedPort}`,
        MESSAGING_CONSUMER_DETAIL_URLS: `${stack.referAndMonitor.url},http://127.0.0.1:${closedPort}`
      }),
      "Refer and Monitor",
      "REFER_AND_MONITOR_URL"
    ],
    [
      "R&M's origin in the allow-list",
      () => ({ REFER_AND_MONITOR_URL: "https://elsewhere.example" }),
      "Refer and Monitor",
      "MESSAGING_CONSUMER_DETAIL_URLS"
    ],
    ["SQS", () => ({ AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${closedPort}` }), "SQS queue", "AWS_ENDPOINT_URL_SQS"],
    ["the DLQ", () => ({ MESSAGING_CONSUMER_QUEUE: "queue-without-dlq" }), "SQS DLQ", "redrive policy"]
  ]
  let closedPort = 0
  beforeAll(async () => {
    closedPort = await freePort()
    await stack.client.send(new CreateQueueCommand({ QueueName: "queue-without-dlq" }))
  })

  it.each(missing)(
    "%s missing: only its line fails, naming the fix; exit 1",
    async (_what, change, name, setting) => {
      const result = await run({ ...deployed, ...change() })
      expect(result.code).toBe(1)
      const failures = failed(result.stdout)
      expect(failures).toEqual([lineOf(result.stdout, name)])
      expect(lineOf(result.stdout, name)).toMatch(/^FAIL/)
      expect(lineOf(result.stdout, name)).toContain("→ fix:")
      expect(lineOf(result.stdout, name)).toContain(setting)
      expect(result.stdout.trim().split("\n").at(-1)).toBe(`${failures.length} check(s) failed.`)
    },
    60_000
  )

  it("R_NSI_TYPE missing a mapped row fails that line only", async () => {
    copyFileSync(sqlite("delius.sqlite"), sqlite("no-crs08.sqlite"))
    const db = new DatabaseSync(sqlite("no-crs08.sqlite"))
    db.prepare("DELETE FROM R_NSI_TYPE WHERE CODE = 'CRS08'").run()
    db.close()
    const result = await run({ ...deployed, DATABASE_URL: `sqlite:${sqlite("no-crs08.sqlite")}` })
    expect(result.code).toBe(1)
    expect(failed(result.stdout)).toEqual([
      "FAIL  R_NSI_TYPE         no row for CRS08 → fix: add the rows to R_NSI_TYPE, or correct CONTRACT_TYPE_NSI_TYPES"
    ])
  }, 60_000)
})
