import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { run } from "./cli.js"

run(process.argv).pipe(
  Effect.tapErrorCause(() => Effect.sync(() => {
    if (!process.exitCode) process.exitCode = 1
  })),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: false, disablePrettyLogger: true })
)
