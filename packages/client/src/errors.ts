import type { FieldError } from "./types.js"
import type { HttpMethod, OperationId } from "./operations.js"

const BRAND = Symbol.for("@ram-delius/client/RamDeliusApiError")

export interface RamDeliusApiErrorDetails {
  readonly operation: OperationId
  readonly method: HttpMethod
  /** The path called, without the base URL. */
  readonly path: string
  /** The HTTP status, or 0 when no answer came: a timeout or a network failure. */
  readonly status: number
  /** The server's `message`, or what went wrong when there is none. */
  readonly message: string
  readonly fields?: ReadonlyArray<FieldError>
  /** The response body as received ("" when there was none). */
  readonly body?: string
  /** The `Retry-After` header of the answer, when it had one (a 503 may). */
  readonly retryAfter?: string
  readonly cause?: unknown
}

/**
 * Every failed call rejects with this error: a non-2xx answer (`status` is its status, `message` and `fields` the
 * server's, `body` the raw body — some 404s have none, spec §4.5, §4.10), or no answer at all (`status` 0, `cause`
 * the timeout or network error). `RamDeliusApiError.is` recognises it across copies of the package (its CommonJS and
 * ESM builds loaded side by side), where `instanceof` would not.
 */
export class RamDeliusApiError extends Error {
  readonly operation: OperationId
  readonly method: HttpMethod
  readonly path: string
  readonly status: number
  readonly fields: ReadonlyArray<FieldError> | undefined
  readonly body: string
  readonly retryAfter: string | undefined
  /** For status 0: the timeout or network error. */
  declare readonly cause: unknown

  constructor(details: RamDeliusApiErrorDetails) {
    super(details.message)
    this.name = "RamDeliusApiError"
    this.operation = details.operation
    this.method = details.method
    this.path = details.path
    this.status = details.status
    this.fields = details.fields
    this.body = details.body ?? ""
    this.retryAfter = details.retryAfter
    Object.defineProperty(this, "cause", { value: details.cause, enumerable: false, writable: false })
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** True for a `RamDeliusApiError` from any copy of this package. */
  static is(error: unknown): error is RamDeliusApiError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true
  }

  /** No answer came (timeout, refused connection, DNS failure…). */
  get isNetworkError(): boolean {
    return this.status === 0
  }
}

const isFieldError = (value: unknown): value is FieldError =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as FieldError).field === "string" &&
  typeof (value as FieldError).message === "string"

/** The server's `message` and `fields` from an error body, when it is the API's JSON error body (spec §2.4). */
export const parseErrorBody = (body: string): { message?: string; fields?: ReadonlyArray<FieldError> } => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return {}
  }
  if (typeof json !== "object" || json === null) return {}
  const { message, fields } = json as { message?: unknown; fields?: unknown }
  return {
    ...(typeof message === "string" ? { message } : {}),
    ...(Array.isArray(fields) && fields.every(isFieldError) ? { fields } : {})
  }
}
