import { type ReferAndMonitorStub, startReferAndMonitorStub } from "@ram-delius/sqs-host/dev"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { DatabaseSync } from "node:sqlite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "./support/ports.js"

/**
 * `referral reconcile`, `reconcile --since` and `appointment show` through the built binary, as a support engineer runs
 * them: a real SQLite file with the dev dataset and the dev R&M stub (which serves R&M's API for the dev dataset's
 * referrals) on a free loopback port, in dev mode.
 */
const BIN = fileURLToPath(new URL("../bin/ram-delius.mjs", import.meta.url))
const WITHDRAWN = "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080"
const NO_APPOINTMENTS = "09c62549-bcd3-49a9-8120-7811b76925e5"
const TERMINATED = "cb293dcb-c201-4743-aa9d-acb14c8a1ddd"

let dir: string
let stub: ReferAndMonitorStub
let env: Record<string, string>
const run = (...args: Array<string>) => run_({}, ...args)
const run_ = (extra: Record<string, string>, ...args: Array<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, ...extra }, cwd: dir })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })
const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter((l) => l !== "")
/** stderr without the JSON log lines (the dev-mode warning, telemetry): what a user reads as the error. */
const errorLines = (text: string) => lines(text).filter((l) => !l.startsWith("{"))
const query = (sql: string) => new DatabaseSync(join(dir, "delius.sqlite"), { readOnly: true }).prepare(sql).all()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ram-reconcile-"))
  stub = await startReferAndMonitorStub()
  env = {
    DATABASE_URL: `sqlite:${join(dir, "delius.sqlite")}`,
    HMPPS_AUTH_URL: "",
    DEV_REFER_AND_MONITOR_PORT: String(stub.port),
    NODE_ENV: "test"
  }
  expect((await run("db", "migrate")).code).toBe(0)
  expect((await run("db", "seed")).code).toBe(0)
}, 120_000)
afterAll(async () => {
  await stub.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("ram-delius referral reconcile (built binary)", () => {
  it("in sync → exit 0, one line on stdout", async () => {
    const result = await run("referral", "reconcile", "N049975", NO_APPOINTMENTS)
    expect(result.code).toBe(0)
    expect(lines(result.stdout)).toEqual([`In sync: N049975 referral ${NO_APPOINTMENTS}.`])
    expect(errorLines(result.stderr)).toEqual([])
  })

  it("differences → exit 3, one line each on stdout, nothing written", async () => {
    const before = query("SELECT * FROM CONTACT ORDER BY CONTACT_ID")
    const result = await run("referral", "reconcile", "T140223", WITHDRAWN)
    expect(result.code).toBe(3)
    const out = lines(result.stdout)
    expect(out.map((l) => l.split(" ").slice(0, 3).join(" "))).toEqual([
      "OutcomeMissing appointment urn:hmpps:interventions-appointment:c8801fa4-4487-4b38-9169-efabd4be98c9:",
      "OutcomeMissing appointment urn:hmpps:interventions-appointment:48911ad2-1213-4bd3-8312-3824dc29f131:",
      "OutcomeMissing appointment urn:hmpps:interventions-appointment:3fa85f64-5717-4562-b3fc-2c963f66afa6:",
      "ActionPlanNoteMissing action plan",
      "ActionPlanNoteMissing action plan",
      "5 difference(s) remain"
    ])
    expect(out[1]).toContain(
      "R&M session 2 appointment at 2023-02-15T09:00:00.000Z, outcome ATTC; Delius contact 2 outcome none → intervention.session-appointment.session-feedback-submitted (Appointment.recordFeedback)"
    )
    expect(errorLines(result.stderr)).toEqual([])
    expect(query("SELECT * FROM CONTACT ORDER BY CONTACT_ID")).toEqual(before)
    const json = await run("referral", "reconcile", "--json", "T140223", WITHDRAWN)
    expect(json.code).toBe(3)
    const body = JSON.parse(json.stdout) as { inSync: boolean; differences: Array<{ kind: string; fixable: boolean }> }
    expect(body.inSync).toBe(false)
    expect(body.differences.map((d) => d.kind)).toEqual([
      "OutcomeMissing",
      "OutcomeMissing",
      "OutcomeMissing",
      "ActionPlanNoteMissing",
      "ActionPlanNoteMissing"
    ])
  })

  it("--apply writes through the workflows, prints what it wrote, exit 0; a second run is in sync", async () => {
    const applied = await run("referral", "reconcile", "--apply", "T140223", WITHDRAWN)
    expect(applied.code).toBe(0)
    const out = lines(applied.stdout)
    expect(out.filter((l) => l.startsWith("WROTE "))).toHaveLength(5)
    expect(out.at(-1)).toBe(`In sync: T140223 referral ${WITHDRAWN}.`)
    expect(
      query(
        "SELECT c.CONTACT_ID, o.CODE FROM CONTACT c JOIN R_CONTACT_OUTCOME_TYPE o ON o.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID ORDER BY c.CONTACT_ID"
      )
    ).toEqual([
      { CONTACT_ID: 1, CODE: "AFTC" },
      { CONTACT_ID: 2, CODE: "ATTC" },
      { CONTACT_ID: 4, CODE: "ATSS" }
    ])
    const again = await run("referral", "reconcile", "T140223", WITHDRAWN)
    expect(again.code).toBe(0)
    expect(lines(again.stdout)).toEqual([`In sync: T140223 referral ${WITHDRAWN}.`])
  })

  it("errors: not a UUID → exit 4; R&M without the referral → exit 1; an R&M URL the token may not go to → exit 1 naming both settings", async () => {
    const bad = await run("referral", "reconcile", "T140223", "not-a-uuid")
    expect(bad.code).toBe(4)
    expect(errorLines(bad.stderr)).toEqual(["not-a-uuid is not a referral id (a UUID)."])
    const missing = await run("referral", "reconcile", "T140223", "11111111-2222-4333-8444-555555555555")
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe("")
    expect(errorLines(missing.stderr)).toEqual([
      "ram-delius failed: Refer and Monitor has no sent referral 11111111-2222-4333-8444-555555555555"
    ])
    env.REFER_AND_MONITOR_URL = "https://elsewhere.example"
    const refused = await run("referral", "reconcile", "T140223", TERMINATED)
    delete env.REFER_AND_MONITOR_URL
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe("")
    const [message] = errorLines(refused.stderr)
    expect(message).toContain("REFER_AND_MONITOR_URL (https://elsewhere.example)")
    expect(message).toContain("MESSAGING_CONSUMER_DETAIL_URLS")
    expect(stub.requests.some((r) => r.path.includes("elsewhere"))).toBe(false)
    const closed = await freePort()
    const down = await run_(
      { DEV_REFER_AND_MONITOR_PORT: String(closed) },
      "referral",
      "reconcile",
      "T140223",
      TERMINATED
    )
    expect(down.code).toBe(1)
    expect(errorLines(down.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Refer and Monitor could not be read: GET http://localhost:${closed}/sent-referral/${TERMINATED} failed: .*ECONNREFUSED.*Check REFER_AND_MONITOR_URL`
        )
      )
    ])
  })
})

describe("ram-delius reconcile --since (built binary)", () => {
  it("read-only sweep of the referrals changed in the window: summary, ReferralDrift telemetry, exit 3", async () => {
    const before = query("SELECT * FROM NSI ORDER BY NSI_ID")
    const result = await run("reconcile", "--since", "7d", "--rate", "20")
    expect(result.code).toBe(3)
    const out = lines(result.stdout)
    expect(out[0]).toBe(`DRIFT T140223 ${TERMINATED}: ReferralEndBehind`)
    expect(out.at(-1)).toMatch(/^Reconciled 3 referral\(s\) changed since .+: 2 in sync, 1 drifted, 0 failed\.$/)
    const telemetry = lines(result.stderr)
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { name?: string; properties?: Record<string, string> })
      .filter((e) => e.name !== undefined)
    expect(telemetry.map((e) => [e.name, e.properties?.referralId ?? e.properties?.drifted])).toEqual([
      ["ReferralDrift", TERMINATED],
      ["ReconciliationCompleted", "1"]
    ])
    expect(query("SELECT * FROM NSI ORDER BY NSI_ID")).toEqual(before)
    const bad = await run("reconcile", "--since", "a week")
    expect(bad.code).toBe(4)
    expect(errorLines(bad.stderr)).toEqual(["--since a week is not a duration such as 7d, 12h or 30m."])
  })
})

describe("ram-delius appointment show (built binary)", () => {
  it("prints the external reference as the full URN and wraps long notes within 120 columns, a URL whole", async () => {
    const url = `https://refer-monitor-intervention.service.justice.gov.uk/probation-practitioner/referrals/${WITHDRAWN}/progress`
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ")
    const notes = `\nService Delivery Appointment for Accommodation Referral FE4536C ${words} ${url} ${words}`
    const writable = new DatabaseSync(join(dir, "delius.sqlite"))
    writable.prepare("UPDATE CONTACT SET NOTES = ? WHERE CONTACT_ID = 2").run(notes)
    writable.close()
    const result = await run("appointment", "show", "T140223", "2")
    expect(result.code).toBe(0)
    const out = result.stdout.split("\n")
    expect(out).toContain("externalReference  urn:hmpps:interventions-appointment:48911ad2-1213-4bd3-8312-3824dc29f131")
    // A line longer than 120 columns only when it is one URL longer than that: cutting it would break the link.
    for (const line of out) if (!/^\s*https:\/\/\S+$/.test(line)) expect(line.length).toBeLessThanOrEqual(120)
    const noteLines = out.slice(out.indexOf("notes") + 1, out.indexOf("", out.indexOf("notes")))
    expect(noteLines.length).toBeGreaterThan(2)
    // Every word kept in order, the URL on one line, uncut.
    expect(noteLines.map((l) => l.trim()).join(" ")).toBe(notes.trim())
    expect(noteLines.some((l) => l.trim().split(" ").includes(url))).toBe(true)
  })
})
