// First: V8 flags that must be set before the rest loads (heap.ts).
import "./heap.js"
import { ValidationError } from "@effect/cli"
// Deep imports: the package index also loads its HTTP client (undici) and workers.
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
// Only core's logger: the rest of core (and its drivers) loads with the commands that need it.
import * as Log from "@ram-delius/core/log"
import { Cause, Effect } from "effect"
import { run } from "./cli.js"
import { withCliConsole } from "./console.js"
import { CliError, ExitCode } from "./output.js"
import { connectionRefused, describeRefused } from "./queue.js"

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim()
const messageOf = (error: unknown) =>
  error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
    ? String((error as { message: unknown }).message)
    : String(error)

/**
 * Every failure ends as one sentence on stderr and a documented exit code (output.ts lists the codes):
 * stdout carries only data, so `--json` output stays valid JSON or empty. A stack only with LOG_LEVEL=debug.
 */
const report = (cause: Cause.Cause<unknown>) =>
  Effect.sync(() => {
    if (Cause.isInterruptedOnly(cause)) {
      process.exitCode = 130
      return
    }
    const error = [...Cause.failures(cause), ...Cause.defects(cause)][0]
    const say = (code: number, sentence: string) => {
      process.exitCode = code
      process.stderr.write(`${oneLine(sentence)}\n`)
    }
    // @effect/cli has already printed what was wrong with the command line (on stderr).
    if (ValidationError.isValidationError(error)) return void (process.exitCode = ExitCode.badInput)
    if (error instanceof CliError) return say(error.exitCode, error.message)
    const refused = connectionRefused(error)
    if (refused !== undefined) return say(ExitCode.failure, describeRefused(refused))
    const tag = (error as { _tag?: unknown } | undefined)?._tag
    if (tag === "InvalidData" || tag === "MissingData" || tag === "SourceUnavailable" || tag === "Unsupported") {
      // A ConfigError: its message already names the variable (e.g. "DATABASE_URL: unsupported database …").
      const path = ((error as { path?: ReadonlyArray<string> }).path ?? []).join(".")
      const message = messageOf(error)
      return say(ExitCode.failure, `Configuration error: ${message.startsWith(path) ? message : `${path}: ${message}`}`)
    }
    if (tag === "And" || tag === "Or") return say(ExitCode.failure, `Configuration error: ${String(error)}`)
    if (process.env.LOG_LEVEL === "debug") process.stderr.write(`${Cause.pretty(cause)}\n`)
    const message = messageOf(error)
    if (tag === "DatabaseError" || tag === "SqlError") {
      const hint = /no such table/i.test(message) ? " (is the database migrated? `ram-delius db migrate`)" : ""
      return say(ExitCode.failure, `Database error: ${message}${hint}`)
    }
    return say(ExitCode.failure, `ram-delius failed: ${message}`)
  })

// `ram-delius … | head`: once the reader has gone, a write fails with EPIPE. Stop quietly with the reader's verdict, as
// Unix tools do, rather than crash with a stack (nothing for a user to read but data and one sentence).
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0)
  process.stderr.write(`ram-delius failed: cannot write its output: ${error.message}\n`)
  process.exit(1)
})

run(process.argv).pipe(
  Effect.catchAllCause(report),
  withCliConsole(process.argv),
  // Logs go to stderr, in the hosts' one JSON shape (core Log.ts, LOG_LEVEL): stdout is the command's output.
  Effect.provide(Log.layer(process.stderr)),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
)
