import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { ConfigProvider } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { fillPlaceholders } from "../src/devStack.js"
import { startQueueHost } from "../src/host.js"
import { fixtureFile, startHarness, waitFor, type Harness } from "./support/harness.js"

/**
 * §5.3 "Allowed hosts": the consumer's bearer token reads every referral, so it goes only to the origins of
 * `MESSAGING_CONSUMER_DETAIL_URLS` (dev mode: the local R&M stub). A forged or mistaken `detailUrl` is never called; the
 * message is a Failure — three receives, then the DLQ — with telemetry naming the URL.
 */
let h: Harness | undefined
let foreign: Server | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
  foreign?.closeAllConnections()
  await new Promise<void>((resolve) => (foreign === undefined ? resolve() : foreign.close(() => resolve())))
  foreign = undefined
})

/** A loopback server playing the attacker: it counts the requests and Authorization headers it receives. */
const startForeignServer = async () => {
  const seen = { requests: 0, authorizations: [] as Array<string> }
  foreign = createServer((req, res) => {
    seen.requests++
    if (req.headers.authorization !== undefined) seen.authorizations.push(req.headers.authorization)
    res.writeHead(200, { "content-type": "application/json" }).end("{}")
  })
  await new Promise<void>((resolve) => foreign!.listen(0, "127.0.0.1", resolve))
  return { seen, origin: `http://127.0.0.1:${(foreign.address() as AddressInfo).port}` }
}

describe("MESSAGING_CONSUMER_DETAIL_URLS (§5.3)", () => {
  it("a detailUrl of another origin: no request, no token sent; Failure three times, then the DLQ, telemetry naming the URL", async () => {
    h = await startHarness()
    const { seen, origin } = await startForeignServer()
    const path = "/referral/68df9f6c-3fcb-4ec6-8fcf-96551cd9b080/sessions/2"
    const body = fillPlaceholders(
      readFileSync(fixtureFile("session-appointment-feedback-submitted-compliant"), "utf8"),
      h.stub.port
    )
    const forged = body.replace(`http://localhost:${h.stub.port}`, origin)
    expect(forged).toContain(`${origin}${path}`)
    const consumer = await h.start()
    await h.sendBody(forged)
    // The counters move after the visibility change that lets the DLQ move happen: wait for both.
    await waitFor("the message in the DLQ", () => h!.queue("dlq").total === 1 && consumer.stats.failed === 3)

    expect(seen).toEqual({ requests: 0, authorizations: [] })
    // Nor did the consumer fetch a token for it.
    expect(h.stub.requests).toEqual([])
    expect(consumer.stats).toMatchObject({ received: 3, failed: 3, succeeded: 0 })
    const failures = await h.telemetry()
    expect(failures).toHaveLength(3)
    for (const failure of failures) {
      expect(failure.name).toBe("RestClientException")
      expect(failure.properties.message).toContain(`Refused to call ${origin}${path}`)
      expect(failure.properties.message).toContain("not in MESSAGING_CONSUMER_DETAIL_URLS")
    }
  })

  it("the fixtures' localhost detail URLs reach the dev stub (its localhost and 127.0.0.1 origins are the default)", async () => {
    h = await startHarness()
    const consumer = await h.start()
    await h.sendFixture("session-appointment-feedback-submitted-compliant")
    await waitFor("processed", () => consumer.stats.succeeded === 1)
    expect(h.stub.requests.map((r) => r.path)).toContain("/referral/68df9f6c-3fcb-4ec6-8fcf-96551cd9b080/sessions/2")
  })

  it("HMPPS_AUTH_URL set and MESSAGING_CONSUMER_DETAIL_URLS unset: the queue host refuses to start, naming the variable", async () => {
    await expect(
      startQueueHost({
        configProvider: ConfigProvider.fromMap(
          new Map([
            ["HMPPS_AUTH_URL", "https://sign-in.hmpps.service.justice.gov.uk/auth"],
            ["AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:1"]
          ])
        )
      })
    ).rejects.toThrow("MESSAGING_CONSUMER_DETAIL_URLS is not set")
  })
})
