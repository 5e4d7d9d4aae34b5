/**
 * Graceful shutdown for every way the hosts are started (`ram-delius serve`, each host's own `main`; DESIGN.md, Running
 * in production). Kubernetes sends SIGTERM on every rollout and kills the pod 30 s later: on the first SIGTERM / SIGINT
 * the hosts stop taking work and finish what they hold, bounded by `SHUTDOWN_TIMEOUT_SECONDS` (default 25, inside the
 * grace period). Past it the process exits non-zero naming what was still in flight (a message not acknowledged is
 * redelivered; a request cut is retried by R&M); a second signal exits at once.
 *
 * Process-free: the caller passes the signal source and the exit function (`process`, `process.exit`), so this stays
 * usable (and testable) outside a Node entry point.
 */

import { Config, Effect, Either } from "effect"

export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 25

/** `SHUTDOWN_TIMEOUT_SECONDS`: the bound on the whole drain (default 25). */
export const shutdownTimeoutSeconds: Config.Config<number> = Config.number("SHUTDOWN_TIMEOUT_SECONDS").pipe(
  Config.validate({
    message: "SHUTDOWN_TIMEOUT_SECONDS must be a positive number of seconds",
    validation: (n) => n > 0
  }),
  Config.withDefault(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS)
)

/** `SHUTDOWN_TIMEOUT_SECONDS` from the environment in milliseconds; an invalid value throws an error naming it. */
export const loadShutdownTimeoutMs = (): number => {
  const result = Effect.runSync(Effect.either(shutdownTimeoutSeconds))
  if (Either.isLeft(result)) throw new Error(`Invalid configuration: ${String(result.left)}`)
  return result.right * 1000
}

export type ShutdownSignal = "SIGTERM" | "SIGINT"

export interface SignalSource {
  readonly on: (signal: ShutdownSignal, listener: (signal: ShutdownSignal) => void) => unknown
  readonly off: (signal: ShutdownSignal, listener: (signal: ShutdownSignal) => void) => unknown
}

export interface ShutdownOptions {
  /** Stop taking work, finish what is in flight, release resources (pools, telemetry). */
  readonly drain: () => Promise<void>
  /** What is still in flight, in words, for the timeout's log line ("2 HTTP request(s): PUT /…; 1 queue message(s): …"). */
  readonly inFlight: () => string
  readonly timeoutMs: number
  readonly log: (level: "info" | "warn" | "error", message: string) => void
  readonly exit: (code: number) => void
  readonly signals: SignalSource
}

/** `"2 HTTP request(s): PUT /a, GET /b"`, or `"0 HTTP request(s)"`. */
export const describeInFlight = (what: string, items: ReadonlyArray<string>): string =>
  `${items.length} ${what}(s)${items.length === 0 ? "" : `: ${items.join(", ")}`}`

/** Exit code when the drain did not finish in time or failed, and on a second signal. */
export const SHUTDOWN_FAILED_EXIT_CODE = 1

/**
 * Runs `drain` on the first SIGTERM / SIGINT and exits 0 when it finishes; exits 1 when it fails, when it outlasts
 * `timeoutMs` (logging what was still in flight) and at once on a second signal. Returns a function that removes the
 * listeners (for tests and embedders).
 */
export const handleShutdownSignals = (options: ShutdownOptions): (() => void) => {
  let stopping = false
  const onSignal = (signal: ShutdownSignal) => {
    if (stopping) {
      options.log("warn", `${signal} again: exiting at once; still in flight: ${options.inFlight()}`)
      return options.exit(SHUTDOWN_FAILED_EXIT_CODE)
    }
    stopping = true
    const seconds = options.timeoutMs / 1000
    options.log(
      "info",
      `${signal} received: draining (readiness DOWN, no new work, up to ${seconds} s for what is in flight)`
    )
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), options.timeoutMs)
    })
    Promise.race([options.drain().then(() => "drained" as const), timedOut]).then(
      (result) => {
        clearTimeout(timer)
        if (result === "timeout") {
          options.log("error", `Shutdown timed out after ${seconds} s; still in flight: ${options.inFlight()}`)
          return options.exit(SHUTDOWN_FAILED_EXIT_CODE)
        }
        options.log("info", "Drained; exiting")
        options.exit(0)
      },
      (error: unknown) => {
        clearTimeout(timer)
        options.log("error", `Shutdown failed: ${error instanceof Error ? error.message : String(error)}`)
        options.exit(SHUTDOWN_FAILED_EXIT_CODE)
      }
    )
  }
  options.signals.on("SIGTERM", onSignal)
  options.signals.on("SIGINT", onSignal)
  return () => {
    options.signals.off("SIGTERM", onSignal)
    options.signals.off("SIGINT", onSignal)
  }
}
