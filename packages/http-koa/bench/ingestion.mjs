// A stand-in for Application Insights' ingestion endpoint on loopback, for the bench's host that exports its telemetry
// as production does (APPLICATIONINSIGHTS_CONNECTION_STRING set): HTTPS with a throw-away self-signed certificate made
// with openssl (the hosts only send over HTTPS to it), every batch accepted.
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:https"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"

// The real endpoint is Azure's, off the machine; this one shares the bench's two cores with the host it measures, and
// what it spends is taken from the exporting host's throughput, not the floor's. So it does no more than it must: the
// TLS connection and the answer. The host's span batches arrive gzip'd: one in SAMPLE is decompressed and its
// envelopes counted, to show they arrive and what they hold (decompressing every one cost 80-100 µs of the machine's
// CPU per referral start, a tenth of the host's own). Counting does not parse: every envelope (JSON without spaces) has
// exactly one "iKey" key, and that text cannot occur unescaped inside a JSON string. With `byName` (the profile) every
// batch is decompressed and parsed.
const SAMPLE = 16
const IKEY = Buffer.from('"iKey":')
const countEnvelopes = (body) => {
  let count = 0
  for (let at = body.indexOf(IKEY); at !== -1; at = body.indexOf(IKEY, at + IKEY.length)) count++
  return count
}

// Gzip'd envelopes, a JSON array or one per line: the answer must count them for the exporter to be satisfied.
const countByName = (body, names) => {
  const text = body.toString("utf8").trim()
  const envelopes = text.startsWith("[")
    ? JSON.parse(text)
    : text
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l))
  for (const { data } of envelopes) {
    const key = `${data?.baseType} ${data?.baseData?.name}`
    names.set(key, (names.get(key) ?? 0) + 1)
  }
  return envelopes.length
}

/**
 * Starts the endpoint; `env` is what the exporting host needs (the connection string, its CA bundle). With `byName`,
 * each batch is parsed and `names()` tells what was sent.
 */
export const startIngestion = async (dir, { byName = false } = {}) => {
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
  const seen = { batches: 0, counted: 0, countedBatches: 0 }
  const names = new Map()
  const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
    const chunks = []
    req.on("data", (chunk) => chunks.push(chunk))
    req.on("end", () => {
      let body = Buffer.concat(chunks)
      const gzipped = req.headers["content-encoding"] === "gzip"
      res.writeHead(200, { "content-type": "application/json" })
      const index = seen.batches++
      if (!byName && gzipped && index % SAMPLE !== 0) return res.end('{"errors":[]}')
      if (gzipped) body = gunzipSync(body)
      const count = byName ? countByName(body, names) : countEnvelopes(body)
      seen.counted += count
      seen.countedBatches++
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
    /** Batches received; envelopes counted in the batches decompressed (all when not gzip'd or with `byName`). */
    received: () => ({ ...seen }),
    /** Envelopes received by type and name, most first. */
    names: () => [...names].sort((a, b) => b[1] - a[1]),
    close: () => new Promise((resolve) => server.close(resolve))
  }
}
