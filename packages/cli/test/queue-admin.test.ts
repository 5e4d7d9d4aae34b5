import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs"
import { type DevStack, startDevStack } from "@ram-delius/sqs-host/dev"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "./support/ports.js"

/**
 * hmpps-sqs's queue-admin endpoints on the HTTP host (DESIGN.md, Running in production): the built
 * `ram-delius serve --http` over the SQS emulator, called with real dev-mode RS256 tokens from `ram-delius token`.
 */

const BIN = fileURLToPath(new URL("../bin/ram-delius.mjs", import.meta.url))
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url))
const DLQ = "refer-and-monitor-and-delius-dlq"
const QUEUE = "refer-and-monitor-and-delius-queue"

let dir: string
let stack: DevStack
let env: Record<string, string>
const children: Array<ChildProcessWithoutNullStreams> = []

/** PORT must be a real port number (0 is refused): a free one, picked just before. */
const waitFor = async (what: string, check: () => boolean, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const run = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd: dir })
    let stdout = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.on("close", (code) => resolve({ code, stdout }))
  })

/** `serve --http` with extra variables; resolves with its base URL once it listens. */
const serve = async (extra: Record<string, string> = {}) => {
  const child = spawn(process.execPath, [BIN, "serve", "--http"], {
    env: { ...process.env, ...env, PORT: String(await freePort()), ...extra },
    cwd: dir
  })
  children.push(child)
  let output = ""
  child.stdout.on("data", (chunk) => (output += chunk))
  child.stderr.on("data", (chunk) => (output += chunk))
  let port: string | undefined
  await waitFor("serve to listen", () => {
    if (child.exitCode !== null) throw new Error(`serve exited:\n${output}`)
    port = /listening on port (\d+)/.exec(output)?.[1]
    return port !== undefined
  })
  return `http://127.0.0.1:${port}`
}

const token = async (roles: string) => {
  const result = await run(["token", "--roles", roles])
  expect(result.code).toBe(0)
  return result.stdout.trim()
}

const call = async (base: string, method: string, path: string, bearer?: string) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }
  })
  const text = await response.text()
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) }
}

const count = async (url: string) => {
  const a = (
    await stack.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
      })
    )
  ).Attributes
  return Number(a?.ApproximateNumberOfMessages ?? 0) + Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0)
}

const snsBody = readFileSync(join(FIXTURES, "events/action-plan-submitted.json"), "utf8")

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ram-queue-admin-"))
  stack = await startDevStack({ sqsPort: 0, referAndMonitorPort: 0 })
  env = {
    DATABASE_URL: `sqlite:${join(dir, "delius.sqlite")}`,
    DEV_JWK_FILE: join(dir, "dev-key.json"),
    HMPPS_AUTH_URL: "",
    NODE_ENV: "test",
    AWS_ENDPOINT_URL_SQS: stack.connection.endpoint,
    AWS_REGION: "eu-west-2",
    AWS_ACCESS_KEY_ID: "dev",
    AWS_SECRET_ACCESS_KEY: "dev",
    MESSAGING_CONSUMER_QUEUE: QUEUE
  }
  expect((await run(["db", "migrate"])).code).toBe(0)
  expect((await run(["db", "seed", "--dataset", "dev"])).code).toBe(0)
}, 120_000)

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL")
  await stack?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("/queue-admin (hmpps-sqs endpoints)", { timeout: 180_000 }, () => {
  it("get-dlq-messages, retry-dlq, purge-queue, retry-all-dlqs: hmpps-sqs's shapes; 401, 403 and 404 as documented", async () => {
    const base = await serve()
    const admin = await token("ROLE_QUEUE_ADMIN")
    const other = await token("ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW")
    const json = (await stack.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: snsBody })))
      .MessageId
    const raw = (await stack.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: "not json" })))
      .MessageId
    const expected = expect.arrayContaining([
      { body: JSON.parse(snsBody), messageId: json },
      { body: "not json", messageId: raw }
    ])

    // 401 without a token, 403 without the role, 404 for a name the service does not have.
    expect(await call(base, "GET", `/queue-admin/get-dlq-messages/${DLQ}`)).toMatchObject({ status: 401 })
    expect(await call(base, "GET", `/queue-admin/get-dlq-messages/${DLQ}`, other)).toMatchObject({ status: 403 })
    for (const [method, path] of [
      ["GET", "/queue-admin/get-dlq-messages/nope-dlq"],
      ["PUT", "/queue-admin/retry-dlq/nope-dlq"],
      ["PUT", "/queue-admin/purge-queue/nope-dlq"]
    ] as const) {
      expect(await call(base, method, path, admin)).toEqual({
        status: 404,
        body: { status: 404, message: "nope-dlq not found" }
      })
    }
    expect(await call(base, "GET", `/queue-admin/get-dlq-messages/${DLQ}?maxMessages=0`, admin)).toMatchObject({
      status: 400
    })

    // Peek: both messages, left on the DLQ.
    const peeked = await call(base, "GET", `/queue-admin/get-dlq-messages/${DLQ}?maxMessages=100`, admin)
    expect(peeked.status).toBe(200)
    expect(peeked.body).toEqual({ messagesFoundCount: 2, messagesReturnedCount: 2, messages: expected })
    expect(await count(stack.dlqUrl)).toBe(2)
    const one = await call(base, "GET", `/queue-admin/get-dlq-messages/${DLQ}?maxMessages=1`, admin)
    expect(one.body).toMatchObject({ messagesReturnedCount: 1 })

    // Retry: both back on the main queue, DLQ empty.
    const retried = await call(base, "PUT", `/queue-admin/retry-dlq/${DLQ}`, admin)
    expect(retried).toEqual({ status: 200, body: { messagesFoundCount: 2, messages: expected } })
    expect(await count(stack.dlqUrl)).toBe(0)
    const back = await stack.client.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 })
    )
    expect((back.Messages ?? []).map((m) => m.Body).sort()).toEqual([snsBody, "not json"].sort())

    // Purge the main queue by its name.
    expect(await call(base, "PUT", `/queue-admin/purge-queue/${QUEUE}`, other)).toMatchObject({ status: 403 })
    expect(await call(base, "PUT", `/queue-admin/purge-queue/${QUEUE}`, admin)).toEqual({
      status: 200,
      body: { messagesFoundCount: 2 }
    })
    expect(await count(stack.queueUrl)).toBe(0)

    // retry-all-dlqs is open by default: one result per DLQ.
    await stack.client.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: "again" }))
    const all = await call(base, "PUT", "/queue-admin/retry-all-dlqs")
    expect(all).toEqual({
      status: 200,
      body: [{ messagesFoundCount: 1, messages: [{ body: "again", messageId: expect.any(String) }] }]
    })
    expect(await count(stack.dlqUrl)).toBe(0)
    expect(await count(stack.queueUrl)).toBe(1)
    expect(await call(base, "PUT", `/queue-admin/purge-queue/${QUEUE}`, admin)).toMatchObject({ status: 200 })
  })

  it("QUEUE_ADMIN_PROTECT_RETRY_ALL=true guards retry-all-dlqs; QUEUE_ADMIN_ROLE changes the role", async () => {
    const base = await serve({ QUEUE_ADMIN_PROTECT_RETRY_ALL: "true", QUEUE_ADMIN_ROLE: "ROLE_SUPPORT" })
    const support = await token("ROLE_SUPPORT")
    const queueAdmin = await token("ROLE_QUEUE_ADMIN")
    expect(await call(base, "PUT", "/queue-admin/retry-all-dlqs")).toMatchObject({ status: 401 })
    expect(await call(base, "PUT", "/queue-admin/retry-all-dlqs", queueAdmin)).toMatchObject({ status: 403 })
    expect(await call(base, "PUT", "/queue-admin/retry-all-dlqs", support)).toEqual({
      status: 200,
      body: [{ messagesFoundCount: 0, messages: [] }]
    })
    expect(await call(base, "GET", `/queue-admin/get-dlq-messages/${DLQ}`, support)).toEqual({
      status: 200,
      body: { messagesFoundCount: 0, messagesReturnedCount: 0, messages: [] }
    })
  })
})
