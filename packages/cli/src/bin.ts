import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Log } from "@ram-delius/core"
import { Effect } from "effect"
import { run } from "./cli.js"

// The AWS SDK version is pinned to one that supports Node 20; its per-process notice about future releases needing
// Node 22 is noise in every support engineer's command output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

run(process.argv).pipe(
  Effect.tapErrorCause(() => Effect.sync(() => {
    if (!process.exitCode) process.exitCode = 1
  })),
  // Logs go to stderr, in the hosts' one JSON shape (core Log.ts, LOG_LEVEL): stdout is the command's output.
  Effect.provide(Log.layer(process.stderr)),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: false, disablePrettyLogger: true })
)
