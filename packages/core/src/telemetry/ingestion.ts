/**
 * Sends envelopes (envelopes.ts) to Application Insights' ingestion endpoint (`POST {IngestionEndpoint}v2.1/track`, a
 * JSON array), batched as OpenTelemetry's batch span processor batched them for the exporter before: a batch goes when
 * 512 items wait or 5 s after the first, one request at a time; at most 2,048 items wait, and what arrives beyond that
 * is dropped and counted, so a slow or dead endpoint costs memory only up to a bound and never delays a request.
 *
 * A batch is gzip'd (level 1, on libuv's thread pool), as the classic Application Insights SDKs send it: about 1 µs an
 * item for a twentieth of the bytes. Sent as it was, a batch of 512 is ~470 KB of JSON to encrypt and write, which cost
 * the host more on its one JavaScript thread than the compression costs beside it.
 *
 * Answers are read as Microsoft's exporter reads them (its `BaseSender`): 200 is done; 206 names the items refused,
 * and those refused for a reason that may pass (408, 429, 439, 500, 502, 503, 504) wait for the next batch; the same
 * statuses, 401, 403, a network failure or no answer within 30 s put the whole batch back to wait, and nothing more is
 * sent for a minute; 307 or 308 moves to the `Location` given (at most 10 times in a row); any other status drops the
 * batch. Where Microsoft's exporter kept a failed batch on disk for a later process, this one keeps it in memory: a
 * pod that stops while the endpoint is down loses what waits (the logs keep every custom event regardless).
 * Failures are logged as warnings, at most one a minute, with what was dropped since the last. No proxy setting is
 * read (the exporter's REST client honoured HTTPS_PROXY): the items go straight to the endpoint the connection string
 * names, and only there (or where it redirects).
 */
import { Agent, request as httpsRequest } from "node:https"
import { request as httpRequest, Agent as HttpAgent } from "node:http"
import { promisify } from "node:util"
import { gzip } from "node:zlib"
import { logLine } from "./Log.js"

const gzipAsync = promisify(gzip)

export interface IngestionOptions {
  /** The connection string's `IngestionEndpoint`. */
  readonly endpoint: string
  /** The item sent at the head of every batch (the resource item). */
  readonly head: () => string
  readonly maxBatch?: number
  readonly maxQueue?: number
  readonly delayMs?: number
  readonly timeoutMs?: number
  readonly retryAfterMs?: number
}

/** Statuses after which the same items may be accepted later (the exporter's `isRetriable`). */
const RETRIABLE = new Set([401, 403, 408, 429, 439, 500, 502, 503, 504])
const RETRIABLE_ITEM = new Set([408, 429, 439, 500, 502, 503, 504])
const MAX_REDIRECTS = 10
const WARN_EVERY_MS = 60_000

export interface IngestionSender {
  readonly add: (item: string) => void
  /** Sends everything waiting (and waits for what is in flight). */
  readonly flush: () => Promise<void>
  /** Flushes, then closes the connection; later items are dropped. */
  readonly shutdown: () => Promise<void>
}

export const ingestionSender = (options: IngestionOptions): IngestionSender => {
  const maxBatch = options.maxBatch ?? 512
  const maxQueue = options.maxQueue ?? 2048
  const delayMs = options.delayMs ?? 5000
  const timeoutMs = options.timeoutMs ?? 30_000
  const retryAfterMs = options.retryAfterMs ?? 60_000
  let url = new URL("v2.1/track", options.endpoint.endsWith("/") ? options.endpoint : `${options.endpoint}/`)
  const agents = { https: new Agent({ keepAlive: true, maxSockets: 1 }), http: new HttpAgent({ keepAlive: true }) }

  let queue: Array<string> = []
  let timer: NodeJS.Timeout | undefined
  let inFlight: Promise<void> | undefined
  let retryAt = 0
  let redirects = 0
  let closed = false
  let dropped = 0
  let lastWarning = 0

  const warn = (reason: string) => {
    const now = Date.now()
    if (now - lastWarning < WARN_EVERY_MS) return
    lastWarning = now
    logLine("warn", "Application Insights: telemetry not accepted", {
      type: "telemetry",
      reason,
      ...(dropped > 0 ? { dropped } : {})
    })
    dropped = 0
  }

  /** Puts items back at the head of the queue, keeping the bound (the oldest beyond it are dropped). */
  const requeue = (items: ReadonlyArray<string>) => {
    const over = Math.max(0, items.length - Math.max(0, maxQueue - queue.length))
    dropped += over
    queue = [...items.slice(over), ...queue]
  }

  const post = (body: Buffer): Promise<{ status: number; location?: string; text: string }> =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === "https:"
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: "POST",
          agent: secure ? agents.https : agents.http,
          headers: {
            "content-type": "application/json",
            "content-encoding": "gzip",
            "content-length": body.byteLength
          },
          timeout: timeoutMs
        },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              ...(res.headers.location !== undefined ? { location: res.headers.location } : {}),
              text: Buffer.concat(chunks).toString("utf8")
            })
          )
          res.on("error", reject)
        }
      )
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
      req.on("error", reject)
      req.end(body)
    })

  const send = async (batch: Array<string>): Promise<void> => {
    let answer
    try {
      answer = await post(await gzipAsync(`[${options.head()},${batch.join(",")}]`, { level: 1 }))
    } catch (error) {
      retryAt = Date.now() + retryAfterMs
      requeue(batch)
      return warn(error instanceof Error ? error.message : String(error))
    }
    const { status } = answer
    if (status === 200) {
      redirects = 0
      return
    }
    if ((status === 307 || status === 308) && answer.location !== undefined && redirects < MAX_REDIRECTS) {
      redirects++
      url = new URL(answer.location, url)
      return send(batch)
    }
    redirects = 0
    if (status === 206) {
      const { refused, retriable } = partial(answer.text)
      // The head item is index 0 of what was posted.
      const again = retriable.flatMap((index) => (index >= 1 && index <= batch.length ? [batch[index - 1]!] : []))
      dropped += refused - again.length
      if (again.length > 0) requeue(again)
      return warn(`HTTP 206: ${refused} items refused, ${again.length} to be sent again`)
    }
    if (RETRIABLE.has(status)) {
      retryAt = Date.now() + retryAfterMs
      requeue(batch)
      return warn(`HTTP ${status}`)
    }
    dropped += batch.length
    warn(`HTTP ${status}`)
  }

  /** Sends batches while enough wait (or all of them, when flushing), one request at a time. */
  const drain = (all: boolean): Promise<void> => {
    if (inFlight !== undefined) return inFlight
    inFlight = (async () => {
      while (queue.length > 0 && (all || (queue.length >= maxBatch && Date.now() >= retryAt))) {
        const batch = queue.splice(0, maxBatch)
        await send(batch)
        if (all && Date.now() < retryAt) break
      }
    })().finally(() => {
      inFlight = undefined
      if (!closed && queue.length > 0) schedule()
    })
    return inFlight
  }

  const schedule = () => {
    if (timer !== undefined) return
    const wait = Math.max(delayMs, retryAt - Date.now())
    timer = setTimeout(() => {
      timer = undefined
      void drain(true)
    }, wait)
    // Telemetry waiting to be sent never keeps the process alive: disposal flushes it.
    timer.unref()
  }

  /** Waits for a request in flight, then sends all that waits (once more, if the endpoint has just failed). */
  const flush = async () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    while (inFlight !== undefined) await inFlight
    retryAt = 0
    await drain(true)
  }

  return {
    add: (item) => {
      if (closed) return
      if (queue.length >= maxQueue) {
        dropped++
        return warn(`more than ${maxQueue} items waiting`)
      }
      queue.push(item)
      if (queue.length >= maxBatch && Date.now() >= retryAt) void drain(false)
      else schedule()
    },
    flush,
    shutdown: async () => {
      try {
        await flush()
      } finally {
        closed = true
        queue = []
        agents.https.destroy()
        agents.http.destroy()
      }
    }
  }
}

/** How many items a 206 answer refused, and the indexes of those refused for a reason that may pass later. */
const partial = (text: string): { refused: number; retriable: Array<number> } => {
  try {
    const answer = JSON.parse(text) as { errors?: Array<{ index?: number; statusCode?: number }> }
    const errors = answer.errors ?? []
    return {
      refused: errors.length,
      retriable: errors.flatMap((e) =>
        typeof e.index === "number" && RETRIABLE_ITEM.has(e.statusCode ?? 0) ? [e.index] : []
      )
    }
  } catch {
    return { refused: 0, retriable: [] }
  }
}
