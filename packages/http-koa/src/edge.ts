/**
 * What Node's HTTP layer answers before the app sees a request — a request line, path or header it cannot parse, a
 * request head over the limit, an `Expect` it does not support — answered with the app's own error body
 * (`{"status": n, "message": "…"}`, spec §2.4), so a client reads every failure the same way. Node's defaults answer
 * these with an empty body, and close the connection with the client's bytes unread, which resets it.
 */

import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { Socket } from "node:net"
import type { ErrorBody } from "./errors.js"
import type { Logger } from "./logging.js"

/**
 * The largest request head (request line and headers) read: HMPPS Auth tokens with many roles, and cookies a browser
 * adds on the way, make heads far larger than Node's 16 KiB default; 64 KiB is what the ingress in front passes.
 */
export const MAX_HEAD_BYTES = 64 * 1024

/** How long a refused connection is kept reading (and discarding) what the client still sends, before it is cut. */
const LINGER_MS = 5_000

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Content Too Large",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large"
}

/** Node's parser error codes, in the client's words; any other parse failure is a 400 too. */
const PARSE_ERRORS: Readonly<Record<string, ErrorBody>> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    message: `Request header fields too large: the request line and headers may be at most ${MAX_HEAD_BYTES / 1024} KiB`
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, message: "Chunk extensions too large" },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: "Request timeout: the request was not received in time" },
  HPE_INVALID_METHOD: { status: 400, message: "Bad request: invalid method" },
  HPE_INVALID_URL: { status: 400, message: "Bad request: invalid request path" },
  HPE_INVALID_VERSION: { status: 400, message: "Bad request: invalid HTTP version" },
  HPE_INVALID_HEADER_TOKEN: { status: 400, message: "Bad request: invalid header" },
  HPE_INVALID_CONTENT_LENGTH: { status: 400, message: "Bad request: invalid Content-Length" },
  HPE_UNEXPECTED_CONTENT_LENGTH: { status: 400, message: "Bad request: invalid Content-Length" },
  HPE_INVALID_TRANSFER_ENCODING: { status: 400, message: "Bad request: invalid Transfer-Encoding" },
  HPE_INVALID_CHUNK_SIZE: { status: 400, message: "Bad request: invalid chunk size" }
}
const UNPARSABLE: ErrorBody = { status: 400, message: "Bad request: the request could not be parsed" }

const codeOf = (error: Error): string => {
  const code: unknown = Reflect.get(error, "code")
  return typeof code === "string" ? code : ""
}

/** A complete HTTP/1.1 response with a JSON error body, closing the connection. */
const rawResponse = (body: ErrorBody): string => {
  const json = JSON.stringify(body)
  return (
    `HTTP/1.1 ${body.status} ${REASONS[body.status] ?? "Error"}\r\n` +
    "Content-Type: application/json; charset=utf-8\r\n" +
    `Content-Length: ${Buffer.byteLength(json)}\r\n` +
    "Connection: close\r\n\r\n" +
    json
  )
}

/**
 * Answer Node's `clientError`s and unsupported expectations with the error body. `busy` says whether a response is
 * still being written on the socket (a pipelined request before the bad one): then nothing can be added to it, and the
 * connection is cut as Node would.
 */
export const answerEdgeErrors = (server: Server, log: Logger, busy: (socket: Socket) => boolean): void => {
  // The parser reports its error again for every chunk that follows: answer once.
  const answered = new WeakSet<Socket>()

  server.on("clientError", (error: Error, socket: Socket) => {
    const code = codeOf(error)
    if (answered.has(socket)) return
    answered.add(socket)
    if (code === "ECONNRESET" || code === "EPIPE" || !socket.writable || busy(socket)) {
      socket.destroy()
      return
    }
    const body = PARSE_ERRORS[code] ?? UNPARSABLE
    log({ level: "info", type: "clientError", status: body.status, code, message: body.message })
    // Half-close after the answer, and keep reading what the client still sends: closing with its bytes unread
    // would reset the connection, and the client might never see the answer.
    socket.end(rawResponse(body))
    socket.resume()
    socket.setTimeout(0)
    const linger = setTimeout(() => socket.destroy(), LINGER_MS)
    linger.unref()
    socket.once("close", () => clearTimeout(linger))
  })

  // `Expect: 100-continue` is Node's to answer (a 100, then the request); any other expectation is refused.
  server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) => {
    const expectation = String(req.headers.expect ?? "").slice(0, 100)
    const body: ErrorBody = { status: 417, message: `Expectation not supported: ${expectation}` }
    log({ level: "info", type: "clientError", status: 417, method: req.method, message: body.message })
    // The request's body (if any) is not read: the connection closes after the answer.
    const json = JSON.stringify(body)
    res.writeHead(417, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(json),
      Connection: "close"
    })
    res.end(json)
  })
}
