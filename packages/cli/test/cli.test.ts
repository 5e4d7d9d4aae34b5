import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs"
import { type DevStack, startDevStack } from "@ram-delius/sqs-host/dev"
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer as createHttpServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { DatabaseSync } from "node:sqlite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "./support/ports.js"

/** The built binary, run as a support engineer would: real SQLite file, real SQS emulator. */
const BIN = fileURLToPath(new URL("../bin/ram-delius.mjs", import.meta.url))
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url))

let dir: string
let env: Record<string, string>
/** Asynchronous, so that the SQS emulator running in this test process can answer the child meanwhile. */
const run = (...args: Array<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd: dir })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })
const db = () => new DatabaseSync(join(dir, "delius.sqlite"), { readOnly: true })
const count = (sql: string) => Object.values(db().prepare(sql).get()!)[0] as number

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ram-cli-"))
  env = {
    DATABASE_URL: `sqlite:${join(dir, "delius.sqlite")}`,
    DEV_JWK_FILE: join(dir, "dev-key.json"),
    HMPPS_AUTH_URL: "",
    NODE_ENV: "test"
  }
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("ram-delius (built binary)", () => {
  it("--help lists every command", async () => {
    const { code, stdout } = await run("--help")
    expect(code).toBe(0)
    for (const command of [
      "serve",
      "db migrate",
      "db seed",
      "referral show",
      "referral reconcile",
      "reconcile",
      "doctor",
      "appointment show",
      "event process",
      "dlq list",
      "dlq show",
      "dlq redrive",
      "dlq purge",
      "events send",
      "token"
    ]) {
      expect(stdout).toContain(command)
    }
  })

  it("db migrate creates the Delius tables; db seed loads the dev dataset", async () => {
    expect((await run("db", "migrate")).code).toBe(0)
    expect(
      count(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('OFFENDER','NSI','CONTACT','AUDITED_INTERACTION','R_CONTACT_TYPE')"
      )
    ).toBe(5)
    const again = await run("db", "migrate", "--json")
    expect(JSON.parse(again.stdout)).toEqual({ applied: [] })
    expect((await run("db", "seed", "--dataset", "dev")).code).toBe(0)
    expect(count("SELECT COUNT(*) FROM CONTACT")).toBe(4)
  })

  it("referral show prints the NSI, its history, manager and contacts; unknown → exit 2", async () => {
    const shown = await run("referral", "show", "--json", "T140223", "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080")
    expect(shown.code).toBe(0)
    const body = JSON.parse(shown.stdout)
    expect(body.nsis[0]).toMatchObject({ nsiId: 1, nsiType: "CRS01", status: "INPROG", rarCount: 3 })
    expect(body.managers[0]).toMatchObject({ provider: "CRS", team: "CRSUAT", staff: "CRSUATU" })
    expect(body.contacts.map((c: { contactId: number }) => c.contactId)).toEqual([1, 2, 3, 4])
    const text = await run("referral", "show", "T140223", "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080")
    expect(text.stdout).toContain("Status history")
    expect(text.stdout).toContain("CRSUATU")
    const missing = await run("referral", "show", "T140223", "00000000-0000-0000-0000-000000000000")
    expect(missing.code).toBe(2)
  })

  it("event process --dry-run prints the rows it would write and rolls back; without it the rows are written", async () => {
    const file = join(FIXTURES, "events/action-plan-submitted.json")
    const before = count("SELECT COUNT(*) FROM CONTACT")
    const dry = await run("event", "process", "--dry-run", "--json", file)
    expect(dry.code).toBe(0)
    const report = JSON.parse(dry.stdout)
    expect(report.result.outcome).toBe("Success")
    expect(report.changes.filter((c: { table: string }) => c.table === "CONTACT")).toHaveLength(1)
    expect(report.changes[0].row.notes).toContain("Action Plan Submitted for Accommodation Referral FE4536C")
    expect(count("SELECT COUNT(*) FROM CONTACT")).toBe(before)
    const real = await run("event", "process", file)
    expect(real.code).toBe(0)
    expect(count("SELECT COUNT(*) FROM CONTACT")).toBe(before + 1)
    // Replaying is safe: the handler is idempotent.
    expect((await run("event", "process", file)).code).toBe(0)
    expect(count("SELECT COUNT(*) FROM CONTACT")).toBe(before + 1)
  })

  it("event process exits 1 on a failure (missing detailUrl) and 3 on an unhandled type", async () => {
    const noDetail = join(dir, "no-detail.json")
    writeFileSync(
      noDetail,
      JSON.stringify({ eventType: "intervention.action-plan.approved", version: 1, occurredAt: "2024-01-01T00:00:00Z" })
    )
    expect((await run("event", "process", noDetail)).code).toBe(1)
    const unhandled = join(dir, "unhandled.json")
    writeFileSync(
      unhandled,
      JSON.stringify({
        eventType: "intervention.referral.sent",
        version: 1,
        detailUrl: "http://x/y",
        occurredAt: "2024-01-01T00:00:00Z"
      })
    )
    expect((await run("event", "process", unhandled)).code).toBe(3)
  })

  it("event process calls R&M only at MESSAGING_CONSUMER_DETAIL_URLS' origins (§5.3): another origin → exit 1, no request", async () => {
    const seen: Array<string | undefined> = []
    const foreign = await new Promise<import("node:http").Server>((resolve) => {
      const server = createHttpServer((req, res) => {
        seen.push(req.headers.authorization)
        res.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
      server.listen(0, "127.0.0.1", () => resolve(server))
    })
    try {
      const origin = `http://127.0.0.1:${(foreign.address() as { port: number }).port}`
      const file = join(dir, "foreign-detail-url.json")
      writeFileSync(
        file,
        readFileSync(join(FIXTURES, "events/session-appointment-feedback-submitted-compliant.json"), "utf8").replace(
          /http:\/\/localhost:\{(?:dev\.)?wiremock\.port\}/g,
          origin
        )
      )
      const result = await run("event", "process", "--json", file)
      expect(result.code).toBe(1)
      const report = JSON.parse(result.stdout)
      expect(report).toMatchObject({ outcome: "Failure", telemetryName: "RestClientException" })
      expect(report.message).toContain(`Refused to call ${origin}/referral/`)
      expect(seen).toEqual([])
    } finally {
      await new Promise((resolve) => foreign.close(resolve))
    }
  })

  it("a malformed CONTRACT_TYPE_NSI_TYPES refuses to run, naming the entry, exit 1", async () => {
    const file = join(FIXTURES, "events/action-plan-submitted.json")
    const before = count("SELECT COUNT(*) FROM CONTACT")
    const child = spawnSync(process.execPath, [BIN, "event", "process", file], {
      env: { ...process.env, ...env, CONTRACT_TYPE_NSI_TYPES: "FBD-XX:CRS08" },
      cwd: dir,
      encoding: "utf8"
    })
    expect(child.status).toBe(1)
    // One sentence on stderr (the CLI's error report), naming the variable and the entry; nothing on stdout.
    expect(child.stdout).toBe("")
    const lines = child.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('CONTRACT_TYPE_NSI_TYPES: malformed entry "FBD-XX:CRS08"')
    expect(count("SELECT COUNT(*) FROM CONTACT")).toBe(before)
  })

  it("appointment show by Delius contact id", async () => {
    const shown = await run("appointment", "show", "--json", "T140223", "2")
    expect(shown.code).toBe(0)
    expect(JSON.parse(shown.stdout).contacts[0]).toMatchObject({ contactId: 2, type: "CRSAPT" })
    expect((await run("appointment", "show", "N049975", "2")).code).toBe(2) // another person's contact is not shown
  })

  it("token prints a dev token; refused when HMPPS_AUTH_URL is set", async () => {
    const token = await run("token", "--roles", "ROLE_A,ROLE_B")
    expect(token.code).toBe(0)
    const payload = JSON.parse(Buffer.from(token.stdout.trim().split(".")[1]!, "base64url").toString())
    expect(payload.authorities).toEqual(["ROLE_A", "ROLE_B"])
    expect(payload.iss).toBe("ram-delius-dev")
    const refused = spawnSync(process.execPath, [BIN, "token"], {
      env: { ...process.env, ...env, HMPPS_AUTH_URL: "https://sign-in.example/auth" },
      encoding: "utf8",
      cwd: dir
    })
    expect(refused.status).toBe(4)
  })
})

describe("ram-delius against the SQS emulator", () => {
  let stack: DevStack
  beforeAll(async () => {
    const sqsPort = await freePort()
    const stubPort = await freePort()
    stack = await startDevStack({ sqsPort, referAndMonitorPort: stubPort })
    env = { ...env, DEV_SQS_PORT: String(sqsPort), DEV_REFER_AND_MONITOR_PORT: String(stubPort) }
  })
  afterAll(() => stack?.close())

  const attribute = async (url: string) =>
    Number(
      (
        await stack.client.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] })
        )
      ).Attributes?.ApproximateNumberOfMessages ?? 0
    )

  it("events send fills the stub port in and sends the fixture to the queue", async () => {
    const sent = await run("events", "send", join(FIXTURES, "events/action-plan-approved.json"))
    expect(sent.code).toBe(0)
    const received = await stack.client.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queueUrl, MaxNumberOfMessages: 1, MessageAttributeNames: ["All"] })
    )
    const body = received.Messages?.[0]?.Body ?? ""
    expect(body).toContain(`localhost:${stack.referAndMonitor.port}/action-plan`)
    expect(received.Messages?.[0]?.MessageAttributes?.eventType?.StringValue).toBe("intervention.action-plan.approved")
  })

  it("event process --dry-run of a referral end lists the NSI update and the bulk-withdrawn appointment, and rolls back", async () => {
    const file = join(dir, "referral-withdrawn.json")
    writeFileSync(
      file,
      readFileSync(join(FIXTURES, "events/referral-withdrawn.json"), "utf8").replaceAll(
        "{wiremock.port}",
        String(stack.referAndMonitor.port)
      )
    )
    const before = db().prepare("SELECT CONTACT_ID, CONTACT_OUTCOME_TYPE_ID FROM CONTACT ORDER BY CONTACT_ID").all()
    const dry = await run("event", "process", "--dry-run", "--json", file)
    expect(dry.code).toBe(0)
    const report = JSON.parse(dry.stdout) as {
      result: { outcome: string }
      changes: Array<{ table: string; change: string; row: Record<string, unknown> }>
    }
    expect(report.result.outcome).toBe("Success")
    const summary = report.changes.map(
      (c) => `${c.change} ${c.table}${c.table === "CONTACT" ? ` ${String(c.row.contactId)}` : ""}`
    )
    expect(summary).toContain("updated NSI")
    expect(summary).toContain("inserted NSI_STATUS_HISTORY")
    // Contact 2 (today, no outcome) is withdrawn by the bulk update, which leaves LAST_UPDATED_DATETIME alone.
    expect(summary).toContain("updated CONTACT 2")
    expect(db().prepare("SELECT CONTACT_ID, CONTACT_OUTCOME_TYPE_ID FROM CONTACT ORDER BY CONTACT_ID").all()).toEqual(
      before
    )
  })

  it("dlq list, show, redrive with progress, purge", async () => {
    const body = readFileSync(join(FIXTURES, "events/action-plan-submitted.json"), "utf8")
    await stack.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: body }))
    await stack.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: "not json" }))
    const listed = JSON.parse((await run("dlq", "list", "--json")).stdout) as Array<{ messageId: string }>
    expect(listed).toHaveLength(2)
    const shown = await run("dlq", "show", "--json", listed[0]!.messageId)
    expect(shown.code).toBe(0)
    expect((await run("dlq", "show", "no-such-id")).code).toBe(2)
    const redriven = await run("dlq", "redrive", listed[0]!.messageId)
    expect(redriven.code).toBe(0)
    expect(redriven.stderr).toContain("1/1")
    expect(await attribute(stack.dlqUrl)).toBe(1)
    expect((await run("dlq", "redrive")).code).toBe(4) // neither ids nor --all
    expect((await run("dlq", "purge", "--yes")).code).toBe(0)
    expect(await attribute(stack.dlqUrl)).toBe(0)
  })

  it("dlq list shows event type, CRN, referral id, receive count and first received in columns; show names the CRN", async () => {
    const body = readFileSync(join(FIXTURES, "events/action-plan-submitted.json"), "utf8")
    const id = (await stack.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: body })))
      .MessageId!
    const listed = await run("dlq", "list")
    expect(listed.code).toBe(0)
    // Two whole UUIDs, the event type, CRN, receives and time are wider than 120 columns, so each message is a
    // `key: value` block (no id cut); this message's block (earlier tests may leave others on the DLQ).
    const block = listed.stdout.split("\n\n").find((b) => b.includes(id))!
    const fields = Object.fromEntries(
      block
        .trim()
        .split("\n")
        .map((line) => [line.split(/\s{2,}/)[0], line.split(/\s{2,}/)[1]])
    )
    expect(Object.keys(fields)).toEqual([
      "MESSAGE ID",
      "EVENT TYPE",
      "CRN",
      "REFERRAL ID",
      "RECEIVES",
      "FIRST RECEIVED"
    ])
    expect([fields["MESSAGE ID"], fields["EVENT TYPE"], fields.CRN, fields["REFERRAL ID"]]).toEqual([
      id,
      "intervention.action-plan.submitted",
      "T140223",
      "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080"
    ])
    expect(Number(fields.RECEIVES)).toBeGreaterThanOrEqual(1)
    expect(fields["FIRST RECEIVED"]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/)
    expect(Math.max(...listed.stdout.split("\n").map((line) => line.length))).toBeLessThanOrEqual(120)
    expect(listed.stdout).not.toContain("[object Object]")

    const shown = await run("dlq", "show", id)
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/CRN: +T140223/)
    expect(shown.stdout).toMatch(/Event type: +intervention.action-plan.submitted/)
    expect((JSON.parse((await run("dlq", "show", "--json", id)).stdout) as { crn: string }).crn).toBe("T140223")
    await run("dlq", "purge", "--yes")
  })

  it("dlq show --body writes exactly the message body to stdout, for `> body.json`", async () => {
    const body = readFileSync(join(FIXTURES, "events/action-plan-approved.json"), "utf8")
    const id = (await stack.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: body })))
      .MessageId!
    const shown = await run("dlq", "show", id, "--body")
    expect(shown.code).toBe(0)
    expect(shown.stdout).toBe(body)
    expect(shown.stderr).toBe("")
    await run("dlq", "purge", "--yes")
  })

  it("dlq redrive of an id not on the DLQ exits 2 and names it on stderr; the others are still moved", async () => {
    const id = (await stack.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: "{}" })))
      .MessageId!
    const redriven = await run("dlq", "redrive", "--json", id, "no-such-id")
    expect(redriven.code).toBe(2)
    expect(JSON.parse(redriven.stdout)).toEqual({ moved: [id], notFound: ["no-such-id"] })
    expect(redriven.stderr).toContain("Not on the DLQ: no-such-id")
    expect(await attribute(stack.dlqUrl)).toBe(0)
    expect((await run("dlq", "redrive", "only-missing")).code).toBe(2)
    await stack.client.send(new ReceiveMessageCommand({ QueueUrl: stack.queueUrl, MaxNumberOfMessages: 10 }))
  })

  it("dlq purge without --yes on a non-terminal stdin refuses at once: exit 4, nothing deleted", async () => {
    await stack.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: "keep me" }))
    // `run` gives the child a pipe for stdin (not a terminal) and never writes to it: a prompt would wait forever.
    const refused = await run("dlq", "purge")
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain("--yes")
    expect(refused.stdout).toBe("")
    expect(await attribute(stack.dlqUrl)).toBe(1)
    expect((await run("dlq", "purge", "--yes")).code).toBe(0)
  })
})
