/**
 * A small JSON body reader: the host's bodies are small (the largest is a list of at most 500 CRNs, §4.11), so it
 * reads the whole body into memory with a size limit, and turns every way a body can be unreadable into a 4xx —
 * never a 500 (DESIGN.md, Errors).
 */

import type { IncomingMessage } from "node:http"
import { HttpProblem } from "./errors.js"

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024

/**
 * No request body nests anywhere near this deep (the merge body has depth 2). Deeper garbage is refused before it is
 * decoded: Schema's error messages print the value received, recursively, and a very deep value would overflow the
 * stack.
 */
const MAX_JSON_DEPTH = 32

/** Body absent or empty. */
export const NO_BODY: unique symbol = Symbol("NoBody")

const isJsonMediaType = (contentType: string) => {
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase()
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"))
}

const read = (req: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const cleanup = () => {
      req.off("data", onData)
      req.off("end", onEnd)
      req.off("error", onError)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        // Let the rest of the body drain unread so the 413 reaches a client that is still sending.
        req.resume()
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(Buffer.concat(chunks, size))
    }
    const onError = (error: Error) => {
      cleanup()
      reject(new HttpProblem(400, `Request body could not be read: ${error.message}`))
    }
    req.on("data", onData)
    req.on("end", onEnd)
    req.on("error", onError)
  })

const tooLarge = (limit: number) => new HttpProblem(413, `Request body larger than ${limit} bytes`)

/** Deepest nesting of arrays/objects in a parsed JSON value, stopping as soon as `max` is exceeded (no recursion). */
const depthExceeds = (value: unknown, max: number): boolean => {
  const stack: Array<[unknown, number]> = [[value, 0]]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [current, depth] = next
    if (current === null || typeof current !== "object") continue
    if (depth + 1 > max) return true
    for (const child of Object.values(current)) stack.push([child, depth + 1])
  }
  return false
}

/** The parsed JSON body, or `NO_BODY`. Fails with `HttpProblem` 400 / 413 / 415. */
export const readJsonBody = async (
  req: IncomingMessage,
  limit: number = DEFAULT_BODY_LIMIT_BYTES
): Promise<unknown> => {
  const contentType = req.headers["content-type"]
  if (contentType !== undefined && !isJsonMediaType(contentType)) {
    req.resume()
    throw new HttpProblem(415, `Content type '${contentType.slice(0, 100)}' not supported; send application/json`)
  }
  const encoding = req.headers["content-encoding"]
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
    req.resume()
    throw new HttpProblem(415, `Content encoding '${encoding.slice(0, 100)}' not supported`)
  }
  const declared = Number(req.headers["content-length"] ?? "0")
  if (declared > limit) {
    req.resume()
    throw tooLarge(limit)
  }
  const bytes = await read(req, limit)
  let text: string
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    throw new HttpProblem(400, "Malformed JSON request body: not UTF-8")
  }
  if (text.trim() === "") return NO_BODY
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new HttpProblem(400, "Malformed JSON request body")
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) {
    throw new HttpProblem(400, `Malformed JSON request body: nested deeper than ${MAX_JSON_DEPTH} levels`)
  }
  return value
}
