import { logJson, onShutdownSignals, startQueueHost } from "./host.js"

/**
 * `node packages/sqs-host/dist/main.js`: consume the domain-event queue until SIGTERM / SIGINT, then drain and exit.
 * Configuration is the environment (config.ts and core's own variables, DESIGN.md Configuration).
 */
try {
  const host = await startQueueHost()
  onShutdownSignals(host.stop)
} catch (error) {
  logJson("Error", `The queue host could not start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
