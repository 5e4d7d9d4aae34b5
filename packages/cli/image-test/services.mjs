// What the container talks to in the image test, all on loopback: a fake HMPPS Auth (a JWKS whose answer can be
// held back, an issuer, a token endpoint) signing real RS256 tokens, and the SQS emulator with the queue and its DLQ.
import { startDevStack } from "@ram-delius/sqs-host/dev"
import { exportJWK, generateKeyPair, SignJWT } from "jose"
import { createServer } from "node:http"

export const startFakeAuth = async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256")
  const jwk = { ...(await exportJWK(publicKey)), kid: "image-test", alg: "RS256", use: "sig" }
  const published = [jwk]
  let held = []
  let holding = false
  const jwksRequests = []
  const server = createServer((req, res) => {
    if (req.url === "/.well-known/jwks.json") {
      const answer = () => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ keys: published }))
      }
      jwksRequests.push(Date.now())
      if (holding) held.push(answer)
      else answer()
    } else if (req.url === "/oauth/token" && req.method === "POST") {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ access_token: "image-test-token", token_type: "bearer", expires_in: 3600 }))
    } else {
      res.writeHead(404)
      res.end()
    }
  })
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${server.address().port}/auth`
  // The server is mounted under /auth, as HMPPS Auth is: strip it before routing.
  const route = server.listeners("request")[0]
  server.removeAllListeners("request")
  server.on("request", (req, res) => {
    req.url = req.url.replace(/^\/auth/, "")
    route(req, res)
  })
  return {
    url,
    issuer: `${url}/issuer`,
    jwksRequests,
    /** Publishes the key under a new key id too (a service that cached the JWKS must fetch it again for this id). */
    rotate: () => {
      const kid = `image-test-${published.length}`
      published.push({ ...jwk, kid })
      return kid
    },
    /** From now on JWKS requests wait until `release`: a request needing the keys stays in flight meanwhile. */
    hold: () => (holding = true),
    release: () => {
      holding = false
      for (const answer of held) answer()
      held = []
    },
    /** An HMPPS Auth-shaped client-credentials token (client-contract.md §2.1): R&M's client, no user. */
    token: (roles, kid = "image-test") =>
      new SignJWT({ authorities: roles, client_id: "interventions", grant_type: "client_credentials" })
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setIssuer(`${url}/issuer`)
        .setSubject("interventions")
        .setIssuedAt(Math.floor(Date.now() / 1000) - 60)
        .setExpirationTime("10m")
        .sign(privateKey),
    close: () => new Promise((resolve) => server.close(resolve))
  }
}

/** The SQS emulator (fauxqs) with the service's queue and DLQ, and the local R&M stub, on free loopback ports. */
export const startQueue = () => startDevStack({ sqsPort: 0, referAndMonitorPort: 0 })
