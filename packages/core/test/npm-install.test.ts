import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { npmInstall } from "./support/npmInstall.js"

/**
 * The pack test installs from the npm registry. Behind a TLS-intercepting proxy whose CA Node is not given, every
 * fetch fails with a certificate error: the install must fail at once, saying so, not retry for its whole timeout.
 * A registry on loopback with a self-signed certificate (which nothing trusts) plays that proxy.
 */
let dir: string
let server: Server
let registry: string
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ram-delius-registry-"))
  await promisify(execFile)("openssl", [
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
    ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]
  ])
  server = createServer(
    { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
    (_, res) => res.writeHead(404).end()
  )
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  registry = `https://127.0.0.1:${(server.address() as { port: number }).port}/`
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", private: true, dependencies: { "left-pad": "1.3.0" } })
  )
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe("npm install for the pack test", () => {
  it("fails fast naming the registry and the certificate error when the registry cannot be reached", async () => {
    const args = [`--registry=${registry}`, `--cache=${join(dir, "cache")}`]
    const failure = await npmInstall(dir, args).then(
      () => undefined,
      (error: Error) => error.message
    )
    expect(failure).toMatch(new RegExp(`^the npm registry ${registry.replace(/[./]/g, "\\$&")} cannot be reached`))
    expect(failure).toMatch(/CERT/)
    expect(failure).toContain("NODE_EXTRA_CA_CERTS")
  }, 120_000)
})
