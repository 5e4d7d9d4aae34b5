/**
 * The one way the project turns a failure it did not make (a driver error, a fetch rejection, an SDK exception, an
 * Effect data type) into one line of text, e.g. `PgClient: Failed to connect (connect ECONNREFUSED 127.0.0.1:1)`:
 * its message (or tag), then its causes' in parentheses, never a stack. Used for error messages (DatabaseError,
 * ReferAndMonitorError, DirectoryError, SqsError) and by `Log`, which redacts secrets from whatever it writes.
 */

const hasOwnToString = (value: object) => {
  const toString = (value as { toString?: unknown }).toString
  return (
    typeof toString === "function" && toString !== Object.prototype.toString && toString !== Error.prototype.toString
  )
}

/** Node's and the drivers' error codes (`SQLITE_BUSY`, `ECONNREFUSED`, AWS's `Code`) when the message omits them. */
const codeOf = (error: Error): string | undefined => {
  const { Code, code } = error as { Code?: unknown; code?: unknown }
  const value = Code ?? code
  return typeof value === "string" && value !== "" && !error.message.includes(value) ? value : undefined
}

const describe = (error: unknown, depth: number): string => {
  if (error instanceof Error) {
    const tag = (error as { _tag?: unknown })._tag
    const message = error.message !== "" ? error.message : typeof tag === "string" ? tag : error.name
    const code = codeOf(error)
    const text = code === undefined ? message : `${code}: ${message}`
    const cause = (error as { cause?: unknown }).cause
    if (cause === undefined || cause === null || depth > 3) return text
    const inner = describe(cause, depth + 1)
    return inner === "" || text.includes(inner) ? text : `${text} (${inner})`
  }
  if (typeof error === "object" && error !== null) {
    // ConfigError and Effect's other data types say what they are through toString, e.g. "(Invalid data at DATABASE_URL: …)".
    if (hasOwnToString(error)) return String(error)
    const { _tag, message } = error as { _tag?: unknown; message?: unknown }
    if (typeof message === "string" && message !== "") return message
    if (typeof _tag === "string") return _tag
    try {
      return JSON.stringify(error)
    } catch {
      return String(error)
    }
  }
  return String(error)
}

/** One failure and its cause chain (up to five deep) as one line; a cause already quoted in its parent is not repeated. */
export const describeFailure = (error: unknown): string => describe(error, 0)

/** What kind of failure it is, for a line that names it: its `_tag`, else its class name (`QueueDoesNotExist`). */
export const failureName = (error: unknown): string =>
  typeof (error as { _tag?: unknown } | null)?._tag === "string"
    ? (error as { _tag: string })._tag
    : error instanceof Error
      ? error.name
      : typeof error
