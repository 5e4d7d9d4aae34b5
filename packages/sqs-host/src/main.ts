/**
 * `node packages/sqs-host/dist/main.js`: consume the domain-event queue until SIGTERM / SIGINT, then drain and exit.
 * Configuration is the environment (config.ts and core's own variables, DESIGN.md Configuration).
 */

import { Log } from "@ram-delius/core"
import { startHealthServer } from "./healthServer.js"
import { describeInFlight } from "@ram-delius/core"
import { logJson, onShutdownSignals, queueHostInfo, startQueueHost } from "./host.js"

try {
  const host = await startQueueHost()
  const health = await startHealthServer({
    port: host.config.healthPort,
    consumer: host.consumer,
    info: queueHostInfo()
  })
  logJson("Info", `Queue host health on port ${health.port}`)
  // The health server answers 503 while the consumer drains, and closes last.
  onShutdownSignals(
    async () => {
      await host.stop()
      await health.close()
    },
    undefined,
    { inFlight: () => describeInFlight("queue message", host.consumer.inFlight()) }
  )
} catch (error) {
  // One line naming the cause (e.g. "Invalid data at DATABASE_URL: …"), then exit 1; stacks only at LOG_LEVEL=debug.
  Log.logLine("error", `The queue host could not start: ${Log.describeError(error)}`, { type: "start" }, process.stderr)
  process.exit(1)
}
