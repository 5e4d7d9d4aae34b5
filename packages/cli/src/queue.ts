/**
 * The local queue not running: `events send` and the `dlq` commands talk to the SQS emulator that
 * `serve` starts in the dev stack; without it the AWS SDK fails with a bare ECONNREFUSED. These helpers turn that into
 * one sentence saying how to start it. Shared by bin.ts (for any command) and the queue commands.
 */
export interface Refused {
  readonly address: string
  readonly port: number | undefined
}

/** The refused connection in an error, its causes or an AggregateError's errors (Node tries each address). */
export const connectionRefused = (error: unknown, depth = 0): Refused | undefined => {
  if (error === null || typeof error !== "object" || depth > 5) return undefined
  const e = error as { code?: unknown; address?: unknown; port?: unknown; cause?: unknown; errors?: unknown }
  if (e.code === "ECONNREFUSED") {
    return {
      address: typeof e.address === "string" ? e.address : "",
      port: typeof e.port === "number" ? e.port : undefined
    }
  }
  for (const inner of [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = connectionRefused(inner, depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

const loopback = (address: string) =>
  address === "" || address === "::1" || address === "localhost" || address.startsWith("127.")

/** One sentence for a refused connection: for a loopback address, the local queue is not running. */
export const describeRefused = (refused: Refused): string => {
  const where = `${refused.address || "localhost"}${refused.port !== undefined ? `:${refused.port}` : ""}`
  return loopback(refused.address)
    ? `The local queue is not running (nothing answers on ${where}): start it with \`npm start\` or \`ram-delius serve\` in another terminal, then try again.`
    : `Could not connect to ${where} (connection refused): check AWS_ENDPOINT_URL_SQS and MESSAGING_CONSUMER_QUEUE.`
}
