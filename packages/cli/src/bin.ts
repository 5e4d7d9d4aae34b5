import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect, Logger } from "effect"
import { run } from "./cli.js"

run(process.argv).pipe(
  Effect.tapErrorCause(() => Effect.sync(() => {
    if (!process.exitCode) process.exitCode = 1
  })),
  // Logs go to stderr: stdout is the command's output (tables, --json).
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: false, disablePrettyLogger: true })
)
