/**
 * Core wired for tests as a host wires it: the test database, no implicit migration (the kit's databases are already
 * migrated and seeded), test telemetry whose events can be read back (`TelemetryEvents`), the embedded directory, and
 * an R&M client with the given options (default: dev mode, no token, no retries of its own — §5.3).
 */
import { Layer } from "effect"
import * as Database from "../delius/database.js"
import { UserDirectory } from "../directory/UserDirectory.js"
import { type CoreOptions, makeCoreLayer } from "../layers.js"
import { ReferAndMonitorClient, type ReferAndMonitorClientOptions } from "../refer-and-monitor/ReferAndMonitorClient.js"
import { Telemetry, TelemetryEvents } from "../telemetry/Telemetry.js"

export interface TestCoreOptions<EDb = never> {
  /** PostgreSQL pool size (concurrency tests). */
  readonly maxConnections?: number
  /** Replaces the database layer built from the URL (e.g. to shorten SQLite's busy timeout). */
  readonly database?: (url: string) => Layer.Layer<Layer.Layer.Success<typeof Database.layer>, EDb>
  readonly referAndMonitor?: ReferAndMonitorClientOptions
  /** Make spans (makeCoreLayer's `tracing`), as production does when it exports them; default off. */
  readonly tracing?: boolean
}

/**
 * Every option of `makeCoreLayer` but telemetry, for a benchmark that brings its own telemetry:
 * `makeCoreLayer({ ...testCoreOptions(url), telemetry })`.
 */
export const testCoreOptions = <EDb = never>(url: string, options: TestCoreOptions<EDb> = {}) => {
  const database: Layer.Layer<
    Layer.Layer.Success<typeof Database.layer>,
    EDb | Layer.Layer.Error<ReturnType<typeof Database.layerFromUrl>>
  > = options.database?.(url) ??
  Database.layerFromUrl(url, options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections })
  return {
    database,
    prepare: false,
    directory: UserDirectory.embedded(),
    referAndMonitor: ReferAndMonitorClient.layerWith(options.referAndMonitor ?? {}),
    ...(options.tracing === undefined ? {} : { tracing: options.tracing })
  } satisfies CoreOptions<unknown>
}

/**
 * The test core layer. `Telemetry.testLayer` is one layer value, so the copy given to core and the one merged beside it
 * are built once: `TelemetryEvents` reads what core tracked.
 */
export const testCoreLayer = <EDb = never>(url: string, options: TestCoreOptions<EDb> = {}) =>
  Layer.merge(makeCoreLayer({ ...testCoreOptions(url, options), telemetry: Telemetry.testLayer }), Telemetry.testLayer)

/** What a test running on `testCoreLayer` can use. */
export type TestCoreServices = Layer.Layer.Success<ReturnType<typeof testCoreLayer>> | TelemetryEvents
