import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:https"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"

/**
 * A stand-in for Application Insights' ingestion endpoint on loopback: HTTPS with a throw-away self-signed
 * certificate (the Azure Monitor exporter always uses HTTPS), made with openssl at run time. The host under test
 * trusts it through NODE_EXTRA_CA_CERTS. It decodes what the exporter posts (gzip'd JSON envelopes) and records it;
 * `mode` makes it answer 200 (accepted), 500, or never answer.
 */
export interface Envelope {
  readonly name: string
  /** When the item started (ISO 8601). */
  readonly time?: string
  readonly tags?: Record<string, string>
  readonly data?: {
    readonly baseType?: string
    readonly baseData?: Record<string, unknown> & { properties?: Record<string, string> }
  }
}

export type IngestionMode = "ok" | "fail" | "hang"

export interface Ingestion {
  readonly connectionString: string
  readonly certFile: string
  /** Every envelope posted, whatever the answer. */
  readonly received: Array<Envelope>
  readonly close: () => Promise<void>
}

export const startIngestion = async (dir: string, mode: IngestionMode): Promise<Ingestion> => {
  const keyFile = join(dir, `ingestion-${mode}-key.pem`)
  const certFile = join(dir, `ingestion-${mode}-cert.pem`)
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1"
    ],
    { stdio: "ignore" }
  )
  const received: Array<Envelope> = []
  const server: Server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      let body = Buffer.concat(chunks)
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body)
      const text = body.toString("utf8").trim()
      const items = (
        text.startsWith("[")
          ? JSON.parse(text)
          : text
              .split("\n")
              .filter((l) => l.trim() !== "")
              .map((l) => JSON.parse(l))
      ) as Array<Envelope>
      received.push(...items)
      if (mode === "hang") return // never answers
      const accepted = mode === "ok" ? items.length : 0
      res.writeHead(mode === "ok" ? 200 : 500, { "content-type": "application/json" })
      res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: accepted, errors: [] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    connectionString: `InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=https://127.0.0.1:${port}/`,
    certFile,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
