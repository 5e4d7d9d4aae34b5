import { describe, expect, it } from "vitest"
import { createRamDeliusClient, type Fetch, type FetchInit, RamDeliusApiError } from "../src/index.js"

/**
 * The client's own handling of an exchange — headers, retries, bodies that are not the API's — with a scripted
 * transport in place of the network (the contract tests run the same client against the real host).
 */

interface Sent {
  readonly url: string
  readonly init: FetchInit
}

/** A transport answering each request with the next of `answers` (status, body, headers), recording what was sent. */
const scripted = (answers: ReadonlyArray<readonly [number, string?, Record<string, string>?]>) => {
  const sent: Array<Sent> = []
  const fetch: Fetch = async (url, init) => {
    const [status, body = "", headers = {}] = answers[Math.min(sent.length, answers.length - 1)]!
    sent.push({ url, init })
    return { status, headers: { get: (name) => headers[name.toLowerCase()] ?? null }, text: async () => body }
  }
  return { sent, fetch }
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => {
      expect(RamDeliusApiError.is(error)).toBe(true)
      return error as RamDeliusApiError
    }
  )

describe("requests", () => {
  it("bearer token from getToken on every call, JSON accept, content type only with a body, extra headers kept", async () => {
    const { sent, fetch } = scripted([[200, "{}"]])
    let calls = 0
    const client = createRamDeliusClient({
      baseUrl: "https://delius.example//",
      getToken: async () => `token-${++calls}`,
      fetch,
      headers: { "X-Correlation-Id": "abc", authorization: "Basic nope", "content-type": "text/plain" }
    })
    await client.getIdentifiers("X1")
    await client.getUserAccess("john smith", ["X1"])
    expect(sent.map((s) => [s.url, s.init.method, s.init.body])).toEqual([
      ["https://delius.example/probation-case/X1/identifiers", "GET", undefined],
      ["https://delius.example/users/john%20smith/access", "POST", '["X1"]']
    ])
    expect(sent[0]!.init.headers).toEqual({
      "X-Correlation-Id": "abc",
      Accept: "application/json",
      Authorization: "Bearer token-1"
    })
    expect(sent[1]!.init.headers).toMatchObject({ Authorization: "Bearer token-2", "Content-Type": "application/json" })
  })

  it("an empty, '.' or '..' path variable rejects the call before anything is sent", async () => {
    const { sent, fetch } = scripted([[200, "{}"]])
    const client = createRamDeliusClient({ baseUrl: "https://delius.example", getToken: () => "t", fetch })
    for (const crn of ["", ".", ".."]) await expect(client.getCaseDetails(crn)).rejects.toThrow(TypeError)
    expect(sent).toEqual([])
  })
})

describe("answers", () => {
  it("a 2xx body that is not JSON rejects with the status and the raw body", async () => {
    const client = createRamDeliusClient({
      baseUrl: "http://x",
      getToken: () => "t",
      fetch: scripted([[200, "<html>"]]).fetch
    })
    const error = await rejection(client.getOfficeLocations())
    expect(error).toMatchObject({
      status: 200,
      body: "<html>",
      message: "GET /office-locations answered 200 with a body that is not JSON"
    })
  })

  it("an error body that is not the API's: the status and the raw body, a message of the client's", async () => {
    const client = createRamDeliusClient({
      baseUrl: "http://x",
      getToken: () => "t",
      fetch: scripted([[502, "Bad Gateway", { "retry-after": "5" }]]).fetch
    })
    const error = await rejection(client.getManagedCases("u"))
    expect(error).toMatchObject({
      status: 502,
      body: "Bad Gateway",
      message: "GET /users/u/managed-cases answered 502",
      retryAfter: "5"
    })
    expect(error.fields).toBeUndefined()
    expect(error.name).toBe("RamDeliusApiError")
  })

  it("getToken failing is a call with no answer: status 0 with the cause", async () => {
    const cause = new Error("HMPPS Auth unreachable")
    const client = createRamDeliusClient({
      baseUrl: "http://x",
      getToken: () => Promise.reject(cause),
      fetch: scripted([[200, "{}"]]).fetch
    })
    const error = await rejection(client.getIdentifiers("X1"))
    expect(error).toMatchObject({ status: 0, message: "GET /probation-case/X1/identifiers: HMPPS Auth unreachable" })
    expect(error.cause).toBe(cause)
  })
})

describe("retries", () => {
  it("none by default", async () => {
    const { sent, fetch } = scripted([
      [503, '{"status":503,"message":"Delius database unavailable"}'],
      [200, "{}"]
    ])
    const client = createRamDeliusClient({ baseUrl: "http://x", getToken: () => "t", fetch })
    expect(await rejection(client.getIdentifiers("X1"))).toMatchObject({
      status: 503,
      message: "Delius database unavailable"
    })
    expect(sent).toHaveLength(1)
  })

  it("with `retry`, a read is sent again after 502/503/504 or no answer, up to `retries` more times", async () => {
    const { sent, fetch } = scripted([[503], [504], [502], [200, '{"crn":"X1"}']])
    const client = createRamDeliusClient({
      baseUrl: "http://x",
      getToken: () => "t",
      fetch,
      retry: { retries: 3, delayMs: 1 }
    })
    await expect(client.getIdentifiers("X1")).resolves.toEqual({ crn: "X1" })
    expect(sent).toHaveLength(4)
    const giveUp = scripted([[503]])
    const limited = createRamDeliusClient({
      baseUrl: "http://x",
      getToken: () => "t",
      fetch: giveUp.fetch,
      retry: { retries: 2, delayMs: 1 }
    })
    expect((await rejection(limited.getIdentifiers("X1"))).status).toBe(503)
    expect(giveUp.sent).toHaveLength(3)
  })

  it("never a write, never a 4xx", async () => {
    const write = scripted([[503]])
    const writer = createRamDeliusClient({ baseUrl: "http://x", getToken: () => "t", fetch: write.fetch, retry: true })
    await rejection(writer.putReferral("X1", {} as never))
    await rejection(writer.putAppointment("X1", "r", {} as never))
    expect(write.sent).toHaveLength(2)
    const notFound = scripted([[404]])
    const reader = createRamDeliusClient({
      baseUrl: "http://x",
      getToken: () => "t",
      fetch: notFound.fetch,
      retry: true
    })
    await rejection(reader.getCaseDetails("X1"))
    expect(notFound.sent).toHaveLength(1)
  })

  it("the access check, a POST that only reads, is retried", async () => {
    const { sent, fetch } = scripted([[503], [200, '{"access":[]}']])
    const client = createRamDeliusClient({ baseUrl: "http://x", getToken: () => "t", fetch, retry: { delayMs: 1 } })
    await expect(client.getUserAccess("u", ["X1"])).resolves.toEqual({ access: [] })
    expect(sent).toHaveLength(2)
  })
})
