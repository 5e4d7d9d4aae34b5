import { connect } from "node:net"
import { DevIds } from "@ram-delius/core"
import { describe, expect, it } from "vitest"
import { operations } from "../src/index.js"
import { request, type TestDatabase, type TestServer, useSeededServer } from "./support/harness.js"

/**
 * The HTTP edge, over a raw socket against the real server: what Node's HTTP layer answers before the app (a
 * malformed request line or path, an unsupported Expect, a head over the limit) carries the app's own error body, a
 * large head within the limit is served, and a request with more than one Authorization header is refused on every
 * endpoint.
 */

let server: TestServer
let db: TestDatabase
let token: string
useSeededServer((fixture) => {
  server = fixture.server
  db = fixture.db
  token = fixture.token
})

interface RawAnswer {
  readonly statusLine: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The socket error, if the connection was reset rather than closed. */
  readonly error: string | undefined
}

/**
 * Sends `head` (and `body`) as they are, and reads until the server closes the connection (the requests say
 * `Connection: close`; the client does not half-close first, which Node's server takes as an aborted request).
 */
const raw = (head: string | Buffer, body: Buffer | string = ""): Promise<RawAnswer> =>
  new Promise((resolve) => {
    const socket = connect(server.port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    let error: string | undefined
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message))
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      const [headText = "", ...rest] = text.split("\r\n\r\n")
      const [statusLine = "", ...headerLines] = headText.split("\r\n")
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(":")).toLowerCase(),
          line.slice(line.indexOf(":") + 1).trim()
        ])
      )
      resolve({ statusLine, headers, body: rest.join("\r\n\r\n"), error })
    })
    socket.write(head)
    socket.write(body)
  })

/** A request head of exactly `bytes` bytes (request line, headers and the blank line), padded with one header. */
const headOf = (bytes: number, requestLine = "GET /health/liveness HTTP/1.1", extra = ""): string => {
  const fixed = `${requestLine}\r\nHost: localhost\r\nConnection: close\r\n${extra}X-Padding: \r\n\r\n`
  return fixed.replace("X-Padding: ", `X-Padding: ${"a".repeat(bytes - fixed.length)}`)
}

const expectErrorBody = (answer: RawAnswer, status: number) => {
  expect(answer.error).toBeUndefined()
  expect(answer.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `))
  expect(answer.headers["content-type"]).toMatch(/^application\/json/)
  const body = JSON.parse(answer.body) as Record<string, unknown>
  // The app's own error body: the same keys, `status` equal to the HTTP status.
  expect(Object.keys(body).sort()).toEqual(["message", "status"])
  expect(body.status).toBe(status)
  expect(typeof body.message).toBe("string")
  return body
}

describe("errors Node's HTTP layer answers", () => {
  it("a raw 0xFF byte in the path is a 400 with the error body", async () => {
    const head = Buffer.concat([
      Buffer.from("GET /probation-case/"),
      Buffer.from([0xff]),
      Buffer.from("/identifiers HTTP/1.1\r\nHost: localhost\r\n\r\n")
    ])
    expectErrorBody(await raw(head), 400)
  })

  it.each([
    ["a request line that is not HTTP", "GARBAGE\r\n\r\n"],
    ["an invalid method", "G@T /health HTTP/1.1\r\nHost: localhost\r\n\r\n"],
    ["an invalid HTTP version", "GET /health HTTP/9\r\nHost: localhost\r\n\r\n"],
    ["a header name with a space", "GET /health HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n"],
    [
      "two Content-Lengths that disagree",
      "PUT /ping HTTP/1.1\r\nHost: l\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
    ]
  ])("%s is a 400 with the error body", async (_, head) => {
    expectErrorBody(await raw(head), 400)
  })

  it("an unsupported Expect is a 417 with the error body; 100-continue is still served", async () => {
    const refused = expectErrorBody(
      await raw("GET /health/liveness HTTP/1.1\r\nHost: localhost\r\nExpect: teapot\r\nConnection: close\r\n\r\n"),
      417
    )
    expect(refused.message).toContain("teapot")
    const served = await raw(
      "GET /health/liveness HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    expect(served.error).toBeUndefined()
    expect(served.body).toContain('"status":"UP"')
  })

  it("a request head of 64 KiB is served; one of 80 KiB is a 431 with the error body, the connection not reset", async () => {
    const within = await raw(headOf(64 * 1024))
    expect(within.error).toBeUndefined()
    expect(within.statusLine).toMatch(/^HTTP\/1\.1 200 /)
    expect(JSON.parse(within.body)).toEqual({ status: "UP" })

    const over = expectErrorBody(await raw(headOf(80 * 1024)), 431)
    expect(over.message).toContain("64 KiB")
  })

  it("an 80 KiB head followed by a body is answered 431 and the body read, not reset", async () => {
    const answer = await raw(
      headOf(80 * 1024, "PUT /probation-case/X1/referrals HTTP/1.1", "Content-Length: 200000\r\n"),
      Buffer.alloc(200_000, "x")
    )
    expectErrorBody(answer, 431)
  })

  it("the server still serves after these", async () => {
    expect((await request(server, "GET", "/health/liveness")).status).toBe(200)
  })
})

describe("more than one Authorization header", () => {
  /** One raw request with the given Authorization header values (and a JSON body for the writes). */
  const withAuthorizations = (method: string, path: string, values: ReadonlyArray<string>, body?: unknown) => {
    const json = body === undefined ? "" : JSON.stringify(body)
    const head =
      `${method.toUpperCase()} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
      values.map((value) => `Authorization: ${value}\r\n`).join("") +
      (body === undefined ? "" : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n`) +
      "\r\n"
    return raw(head, json)
  }

  const concrete = (path: string) =>
    path
      .replace("{crn}", "X320741")
      .replace("{referralId}", "f56c5f7c-632f-4cad-a1b3-693541cb5f22")
      .replace("{id}", "2500295343")
      .replace("{username}", "JoeBloggs")
      .replace("{dlqName}", "refer-and-monitor-and-delius-dlq")
      .replace("{queueName}", "refer-and-monitor-and-delius-queue")

  const endpoints = [
    ...Object.values(operations).flatMap((operation) =>
      operation.methods.map((method) => [method, concrete(operation.path)] as const)
    ),
    ["get", "/health"] as const,
    ["get", "/info"] as const,
    ["get", "/v3/api-docs"] as const
  ]

  it.each(endpoints)("%s %s: the same valid token twice is a 401", async (method, path) => {
    const body = path.endsWith("/access") ? ["X320741"] : path.includes("/referrals") ? {} : undefined
    const answer = await withAuthorizations(method, path, [`Bearer ${token}`, `Bearer ${token}`], body)
    const error = expectErrorBody(answer, 401)
    expect(error.message).toBe("Invalid Authorization header: more than one")
  })

  it("a valid token then a bad one is a 401, and nothing is written", async () => {
    // A referral that the first token alone would create (as in api.test.ts, §4.1).
    const referralId = "0b6f4d0e-8a55-4f0c-9a3e-2f1d3c5b7a90"
    const referralStarted = {
      contractType: "ACC",
      startedAt: "2024-06-13T17:52:26.55647055+01:00",
      sentenceId: DevIds.event.withoutNsi,
      referralId,
      notes: "Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living"
    }
    const before = db.count("SELECT COUNT(*) FROM NSI")
    const answer = await withAuthorizations(
      "put",
      "/probation-case/S123456/referrals",
      [`Bearer ${token}`, "Bearer not-a-token"],
      referralStarted
    )
    expectErrorBody(answer, 401)
    expect(db.count("SELECT COUNT(*) FROM NSI")).toBe(before)
    expect(db.count("SELECT COUNT(*) FROM NSI WHERE EXTERNAL_REFERENCE LIKE ?", `%${referralId}`)).toBe(0)
  })

  it("one valid token is still served", async () => {
    const answer = await withAuthorizations("get", "/probation-case/X320741/identifiers", [`Bearer ${token}`])
    expect(answer.statusLine).toMatch(/^HTTP\/1\.1 200 /)
  })
})
