/**
 * One HTTP exchange with the API: bearer token, JSON in and out, a timeout, optional retries of reads, and every
 * failure turned into a `RamDeliusApiError`. Typed structurally, so the package's declarations need neither the DOM
 * library nor @types/node, and the global `fetch` of Node 18+ (or any compatible one) fits.
 */
import { parseErrorBody, RamDeliusApiError, type RamDeliusApiErrorDetails } from "./errors.js"
import { type OperationId, operations } from "./operations.js"

/** What the client needs of a `fetch` response. */
export interface FetchResponse {
  readonly status: number
  readonly headers: { get(name: string): string | null }
  text(): Promise<string>
}

/** What the client passes to `fetch`: `signal` is an `AbortSignal`. */
export interface FetchInit {
  method: string
  headers: Record<string, string>
  body?: string
  /** Redirects are not followed: the token goes to `baseUrl` and nowhere else, and a 3xx is an error. */
  redirect: "manual"
  signal?: any
}

export type Fetch = (url: string, init: FetchInit) => Promise<FetchResponse>

export interface RetryOptions {
  /** Further attempts after the first (default 2). */
  readonly retries?: number
  /** Wait before retry n is n × delayMs (default 200). A `Retry-After` in seconds is honoured up to 10 s. */
  readonly delayMs?: number
}

export interface RamDeliusClientOptions {
  /** The service's base URL, e.g. `https://refer-and-monitor-and-delius.hmpps.service.justice.gov.uk`. */
  readonly baseUrl: string
  /** The bearer token (an HMPPS Auth system token), asked for on every call, so it can be cached and renewed. */
  readonly getToken: () => string | Promise<string>
  /** The transport (default: the global `fetch`): inject one for an agent, a proxy, tests or your own retries. */
  readonly fetch?: Fetch
  /**
   * Give up after this long, per attempt (default 20000: R&M's response timeout, above the server's own 10 s, whose
   * 503 then arrives instead of a timeout).
   */
  readonly timeoutMs?: number
  /** Extra headers on every request (a correlation id…). Authorization, Accept and Content-Type are the client's. */
  readonly headers?: Readonly<Record<string, string>>
  /**
   * Retry the reads (never the PUTs: R&M's writes abort on failure by design, client-contract.md §2.1) after no
   * answer, 502, 503 or 504. Off by default.
   */
  readonly retry?: RetryOptions | boolean
}

export const DEFAULT_TIMEOUT_MS = 20_000
const RETRYABLE_STATUSES = new Set([0, 502, 503, 504])
const MAX_RETRY_AFTER_MS = 10_000
const CLIENT_HEADERS = new Set(["authorization", "accept", "content-type"])

interface Call {
  readonly operation: OperationId
  readonly path: string
  readonly body?: unknown
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const retryDelay = (error: RamDeliusApiError, attempt: number, delayMs: number) => {
  const seconds = error.retryAfter === undefined ? Number.NaN : Number(error.retryAfter)
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : attempt * delayMs
}

/** `send(call)` resolves with the parsed JSON body (undefined when empty) or rejects with `RamDeliusApiError`. */
export const makeTransport = (options: RamDeliusClientOptions) => {
  const baseUrl = options.baseUrl.replace(/\/+$/, "")
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const retry = options.retry === true ? {} : options.retry === false ? undefined : options.retry
  const retries = retry === undefined ? 0 : Math.max(0, retry.retries ?? 2)
  const delayMs = retry?.delayMs ?? 200
  // Header names are case-insensitive: a caller's `authorization` beside the client's `Authorization` would be sent
  // as one combined value.
  const extraHeaders = Object.fromEntries(
    Object.entries(options.headers ?? {}).filter(([name]) => !CLIENT_HEADERS.has(name.toLowerCase()))
  )

  const attempt = async (call: Call): Promise<unknown> => {
    const { method } = operations[call.operation]
    const fail = (status: number, message: string, extra: Partial<RamDeliusApiErrorDetails> = {}) =>
      new RamDeliusApiError({ operation: call.operation, method, path: call.path, status, message, ...extra })
    const fetchImpl: Fetch = options.fetch ?? (globalThis as unknown as { fetch: Fetch }).fetch
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    let response: FetchResponse
    let text: string
    try {
      const token = await options.getToken()
      const headers: Record<string, string> = {
        ...extraHeaders,
        Accept: "application/json",
        Authorization: `Bearer ${token}`
      }
      const init: FetchInit = { method, headers, redirect: "manual", signal: controller.signal }
      if (call.body !== undefined) {
        headers["Content-Type"] = "application/json"
        init.body = JSON.stringify(call.body)
      }
      response = await fetchImpl(`${baseUrl}${call.path}`, init)
      text = await response.text()
    } catch (cause) {
      const message = controller.signal.aborted
        ? `${method} ${call.path}: no answer within ${timeoutMs} ms`
        : `${method} ${call.path}: ${cause instanceof Error ? cause.message : String(cause)}`
      throw fail(0, message, { cause })
    } finally {
      clearTimeout(timer)
    }
    if (response.status < 200 || response.status > 299) {
      const { message, fields } = parseErrorBody(text)
      const retryAfter = response.headers.get("retry-after") ?? undefined
      throw fail(response.status, message ?? `${method} ${call.path} answered ${response.status}`, {
        body: text,
        ...(fields === undefined ? {} : { fields }),
        ...(retryAfter === undefined ? {} : { retryAfter })
      })
    }
    if (text.trim() === "") return undefined
    try {
      return JSON.parse(text)
    } catch (cause) {
      throw fail(response.status, `${method} ${call.path} answered ${response.status} with a body that is not JSON`, {
        body: text,
        cause
      })
    }
  }

  return async (call: Call): Promise<unknown> => {
    const attempts = operations[call.operation].idempotentRead ? retries + 1 : 1
    for (let n = 1; ; n++) {
      try {
        return await attempt(call)
      } catch (error) {
        if (n >= attempts || !RamDeliusApiError.is(error) || !RETRYABLE_STATUSES.has(error.status)) throw error
        await sleep(retryDelay(error, n, delayMs))
      }
    }
  }
}
