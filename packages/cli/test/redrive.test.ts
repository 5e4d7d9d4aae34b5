import {
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand
} from "@aws-sdk/client-sqs"
import { type DevStack, startDevStack } from "@ram-delius/sqs-host/dev"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { freePort } from "./support/ports.js"

/**
 * `dlq redrive` aimed by filters, through the built binary against the SQS emulator: only the selected messages move,
 * the others stay on the DLQ untouched, a dry run moves nothing, and killing it mid-way loses no message.
 */
const BIN = fileURLToPath(new URL("../bin/ram-delius.mjs", import.meta.url))
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url))

let dir: string
let stack: DevStack
let env: Record<string, string>
const start = (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd: dir })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk) => (stdout += chunk))
  child.stderr.on("data", (chunk) => (stderr += chunk))
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  )
  return { child, done, stderr: () => stderr }
}
const run = (...args: Array<string>) => start(args).done

const SUBMITTED = "intervention.action-plan.submitted"
const APPROVED = "intervention.action-plan.approved"
const body = (name: string, crn = "T140223") =>
  readFileSync(join(FIXTURES, `events/${name}.json`), "utf8").replaceAll("T140223", crn)

const count = async (url: string) => {
  const { Attributes } = await stack.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    })
  )
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    hidden: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  }
}
/** The bodies on a queue (received and left hidden: the test reads each queue once, at its end). */
const bodies = async (url: string) => {
  const out: Array<string> = []
  for (;;) {
    const { Messages } = await stack.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 })
    )
    if (Messages === undefined || Messages.length === 0) return out
    out.push(...Messages.map((m) => m.Body ?? ""))
  }
}
const putOnDlq = async (...messages: Array<string>) => {
  for (const message of messages) {
    await stack.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: message }))
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ram-redrive-"))
  const sqsPort = await freePort()
  stack = await startDevStack({ sqsPort, referAndMonitorPort: await freePort() })
  env = { DEV_SQS_PORT: String(sqsPort), HMPPS_AUTH_URL: "", NODE_ENV: "test" }
}, 60_000)
afterAll(async () => {
  await stack?.close()
  rmSync(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  await stack.client.send(new PurgeQueueCommand({ QueueUrl: stack.queueUrl }))
  await stack.client.send(new PurgeQueueCommand({ QueueUrl: stack.dlqUrl }))
})

describe("ram-delius dlq redrive, aimed (built binary)", () => {
  const mixed = [
    body("action-plan-submitted"),
    body("action-plan-submitted", "N049975"),
    body("action-plan-approved"),
    body("action-plan-approved", "N049975")
  ]

  it("--event-type moves only that type; the other messages stay on the DLQ untouched", async () => {
    await putOnDlq(...mixed)
    const result = await run("dlq", "redrive", "--event-type", SUBMITTED)
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe("Moved 2 of 4 DLQ message(s) to the queue; the others are untouched.")
    expect(await count(stack.dlqUrl)).toEqual({ visible: 2, hidden: 0 })
    expect((await bodies(stack.queueUrl)).sort()).toEqual([mixed[0], mixed[1]].sort())
    expect((await bodies(stack.dlqUrl)).sort()).toEqual([mixed[2], mixed[3]].sort())
  })

  it("--crn with --dry-run lists the person's messages and moves nothing; --crn --limit 1 moves one", async () => {
    await putOnDlq(...mixed)
    const dry = await run("dlq", "redrive", "--crn", "N049975", "--dry-run")
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain("DRY RUN — nothing moved: 2 of 4 DLQ message(s) would move.")
    expect(dry.stdout).toContain(SUBMITTED)
    expect(dry.stdout).toContain(APPROVED)
    expect(await count(stack.dlqUrl)).toEqual({ visible: 4, hidden: 0 })
    expect(await count(stack.queueUrl)).toEqual({ visible: 0, hidden: 0 })
    const json = await run("dlq", "redrive", "--crn", "N049975", "--event-type", APPROVED, "--dry-run", "--json")
    expect(JSON.parse(json.stdout)).toMatchObject({
      dryRun: true,
      examined: 4,
      selected: [{ crn: "N049975", eventType: APPROVED }]
    })
    const one = await run("dlq", "redrive", "--crn", "N049975", "--limit", "1")
    expect(one.code).toBe(0)
    expect(one.stdout.trim()).toBe("Moved 1 of 4 DLQ message(s) to the queue; the others are untouched.")
    const moved = await bodies(stack.queueUrl)
    expect(moved).toHaveLength(1)
    expect(moved[0]).toContain("N049975")
    expect(await count(stack.dlqUrl)).toEqual({ visible: 3, hidden: 0 })
  })

  it("--older-than selects by when a message was first sent; bad values are exit 4 with one line", async () => {
    await putOnDlq(...mixed)
    const none = await run("dlq", "redrive", "--older-than", "1h")
    expect(none.code).toBe(0)
    expect(none.stdout.trim()).toBe("Moved 0 of 4 DLQ message(s) to the queue; the others are untouched.")
    expect(await count(stack.dlqUrl)).toEqual({ visible: 4, hidden: 0 })
    const bad = await run("dlq", "redrive", "--older-than", "yesterday")
    expect(bad.code).toBe(4)
    expect(bad.stderr.trim()).toBe("--older-than yesterday is not a duration such as 2h or 1d")
    const both = await run("dlq", "redrive", "--crn", "N049975", "some-message-id")
    expect(both.code).toBe(4)
    expect(both.stderr.trim()).toBe("Give message ids or filters (--event-type, --crn, …), not both")
  })

  it("killed mid-way at --rate 4: nothing is lost — every message is on the queue or still on the DLQ", async () => {
    const messages = Array.from({ length: 12 }, (_, i) => body("action-plan-submitted").replace("FE4536C", `FE${i}`))
    await putOnDlq(...messages)
    const redrive = start(["dlq", "redrive", "--event-type", SUBMITTED, "--rate", "4"])
    // Wait until some have moved (the progress bar on stderr), then kill it without warning.
    for (let i = 0; i < 600 && !/\] [2-9]\/12/.test(redrive.stderr()); i++) await new Promise((r) => setTimeout(r, 50))
    redrive.child.kill("SIGKILL")
    await redrive.done
    const queue = await count(stack.queueUrl)
    const dlq = await count(stack.dlqUrl)
    expect(queue.visible).toBeGreaterThanOrEqual(2)
    expect(queue.visible).toBeLessThan(12)
    // Each message is on one queue or the other (one sent but not yet deleted is on both: a harmless duplicate).
    expect(queue.visible + dlq.visible + dlq.hidden).toBeGreaterThanOrEqual(12)
    expect(queue.visible + dlq.visible + dlq.hidden).toBeLessThanOrEqual(13)
    const onQueue = new Set(await bodies(stack.queueUrl))
    expect([...onQueue].every((b) => messages.includes(b))).toBe(true)
  }, 60_000)
})
