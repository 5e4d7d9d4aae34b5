// A stand-in for Application Insights' ingestion endpoint on loopback, for the bench's host that exports its telemetry
// as production does (APPLICATIONINSIGHTS_CONNECTION_STRING set): HTTPS with a throw-away self-signed certificate made
// with openssl (the Azure Monitor exporter only speaks HTTPS), every batch accepted and counted.
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:https"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"

/** Starts the endpoint; `env` is what the exporting host needs (the connection string, its CA bundle). */
export const startIngestion = async (dir) => {
  const [keyFile, certFile, caFile] = ["ingestion-key.pem", "ingestion-cert.pem", "ingestion-ca.pem"].map((f) =>
    join(dir, f)
  )
  const subject = ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", ...subject],
    {
      stdio: "ignore"
    }
  )
  // The machine's own extra CAs (a TLS proxy, say) stay trusted beside this certificate.
  const extra = process.env.NODE_EXTRA_CA_CERTS
  writeFileSync(caFile, `${extra ? readFileSync(extra, "utf8") : ""}\n${readFileSync(certFile, "utf8")}`)
  let items = 0
  const names = new Map()
  const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
    const chunks = []
    req.on("data", (chunk) => chunks.push(chunk))
    req.on("end", () => {
      // Gzip'd envelopes, a JSON array or one per line: the answer must count them for the exporter to be satisfied.
      let body = Buffer.concat(chunks)
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body)
      const text = body.toString("utf8").trim()
      const envelopes = text.startsWith("[")
        ? JSON.parse(text)
        : text
            .split("\n")
            .filter((l) => l.trim())
            .map((l) => JSON.parse(l))
      const count = envelopes.length
      items += count
      for (const { data } of envelopes) {
        const key = `${data?.baseType} ${data?.baseData?.name}`
        names.set(key, (names.get(key) ?? 0) + 1)
      }
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ itemsReceived: count, itemsAccepted: count, errors: [] }))
    })
  })
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  const endpoint = `https://127.0.0.1:${server.address().port}/`
  return {
    env: {
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=${endpoint}`,
      NODE_EXTRA_CA_CERTS: caFile
    },
    items: () => items,
    /** Envelopes received by type and name, most first. */
    names: () => [...names].sort((a, b) => b[1] - a[1]),
    close: () => new Promise((resolve) => server.close(resolve))
  }
}
