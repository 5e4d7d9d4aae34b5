/**
 * Telemetry into Azure Application Insights (DESIGN.md, Running in production; spec §9), loaded only when
 * `APPLICATIONINSIGHTS_CONNECTION_STRING` is set (`Telemetry.layer` imports this module dynamically): without it, no
 * OpenTelemetry module is ever loaded.
 *
 * Why not `applicationinsights` 3 (or the `@azure/monitor-opentelemetry` distro it wraps): the spans we want are
 * Effect's own (`Effect.withSpan`, the statement spans, the R&M client's HTTP spans). The distro's value is
 * auto-instrumentation by patching `require` (http, pg, …), which does not see ESM imports without a loader hook, would
 * double-count what Effect already traces, and costs start-up time; it also installs global providers we would then
 * have to fight.
 *
 * Spans → requests and dependencies: `exportingTracer` (exportedSpans.ts) gives each ended span to the envelope writer
 * (envelopes.ts), which writes the items Microsoft's exporter wrote for it, and the sender (ingestion.ts) posts them in
 * batches. Microsoft's span path cost a seventh of the exporting host's CPU on referral starts (DESIGN.md).
 *
 * Custom events (spec §9) are OpenTelemetry log records carrying `microsoft.custom_event.name`: the exporter turns
 * those into App Insights `EventData` with that name and the record's other attributes as properties (see the
 * exporter's `logToEnvelope`). The role name is the resource's `service.name` (exporter: ai.cloud.role).
 *
 * Export is batched and asynchronous: a failing or unresponsive ingestion endpoint never delays a request or a
 * message. Disposing the layer (the hosts' runtime) flushes and shuts both providers down, bounded by
 * `SHUTDOWN_TIMEOUT` so a dead endpoint cannot hold a pod's shutdown.
 */
import { AzureMonitorLogExporter } from "@azure/monitor-opentelemetry-exporter"
import * as OtelResource from "@effect/opentelemetry/Resource"
import { hostname } from "node:os"
import { context as otelContext, trace } from "@opentelemetry/api"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs"
import { ConfigError, Duration, Effect, Layer } from "effect"
import { type EndedSpan, envelopeWriter } from "./envelopes.js"
import { exportedSpanContext, exportingTracer } from "./exportedSpans.js"
import { ingestionSender } from "./ingestion.js"
import { logLine, redactFields } from "./Log.js"
import { Telemetry, type TelemetryShape } from "./Telemetry.js"

/** `ai.cloud.role` in Application Insights: what HMPPS dashboards filter on. */
export const ROLE_NAME = "refer-and-monitor-and-delius"

/** How long disposing waits for the last batches (spans, events) before giving up on them. */
export const SHUTDOWN_TIMEOUT = Duration.seconds(5)

/** The custom-event marker the Azure Monitor exporter reads (its `ApplicationInsightsCustomEventName`). */
const CUSTOM_EVENT_NAME = "microsoft.custom_event.name"

export interface ApplicationInsightsOptions {
  readonly connectionString: string
  /** The JSON-lines telemetry also written locally (stdout for the hosts), so the logs keep the §9 events too. */
  readonly local: TelemetryShape
  /** Reported as `service.version` (the hosts' BUILD_NUMBER). */
  readonly serviceVersion?: string | undefined
}

/**
 * `Telemetry` (custom events) and Effect's tracer backed by OpenTelemetry, both exported to Application Insights.
 * Fails with a ConfigError naming the variable when the connection string has no instrumentation key.
 */
export const layer = (options: ApplicationInsightsOptions): Layer.Layer<Telemetry, ConfigError.ConfigError> =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const settings = parseConnectionString(options.connectionString)
      const instrumentationKey = settings.get("instrumentationkey")
      if (instrumentationKey === undefined || instrumentationKey === "") {
        return yield* Effect.fail(
          ConfigError.InvalidData(
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"],
            "expected InstrumentationKey=…;IngestionEndpoint=… (an Application Insights connection string)"
          )
        )
      }
      // Statsbeat is the exporter's own usage reporting to Microsoft's endpoints: not our telemetry, and one more
      // outbound connection from the pod. This variable is the only switch the exporter reads.
      process.env.APPLICATION_INSIGHTS_NO_STATSBEAT ??= "true"

      const resourceConfig = {
        serviceName: ROLE_NAME,
        ...(options.serviceVersion !== undefined ? { serviceVersion: options.serviceVersion } : {})
      }
      // The role instance (ai.cloud.role_instance) is the pod: its host name. Given once here; without it the exporter
      // asks the operating system for the host name for every envelope it builds.
      const roleInstance = hostname()
      const resource = resourceFromAttributes({
        ...OtelResource.configToAttributes(resourceConfig),
        "service.instance.id": roleInstance
      })
      const exporterOptions = { connectionString: options.connectionString }
      const writer = envelopeWriter({
        instrumentationKey,
        role: ROLE_NAME,
        roleInstance,
        serviceVersion: options.serviceVersion,
        sdkVersion: `node${process.versions.node.split(".")[0]}:${ROLE_NAME}`,
        applicationId: settings.get("applicationid")
      })
      const sender = ingestionSender({ endpoint: ingestionEndpoint(settings), head: () => writer.resource(new Date()) })
      const loggerProvider = new LoggerProvider({
        resource,
        processors: [new BatchLogRecordProcessor(new AzureMonitorLogExporter(exporterOptions))]
      })

      // Disposal flushes what is batched, then shuts down: bounded, and never a failure of the host's shutdown.
      const flush = (what: string, run: () => Promise<void>) =>
        Effect.tryPromise(run).pipe(
          // Finalizers run uninterruptibly: without this the timeout could not abandon a flush to a hung endpoint.
          Effect.interruptible,
          Effect.timeoutFail({
            duration: SHUTDOWN_TIMEOUT,
            onTimeout: () => new Error(`timed out after ${Duration.format(SHUTDOWN_TIMEOUT)}`)
          }),
          Effect.catchAll((error) =>
            Effect.sync(() =>
              logLine("warn", `Application Insights: the last ${what} could not be sent`, {
                type: "telemetry",
                reason: error instanceof Error ? error.message : String(error)
              })
            )
          )
        )
      yield* Effect.addFinalizer(() =>
        Effect.all(
          [
            flush("spans", () => sender.shutdown()),
            flush("custom events", () => loggerProvider.forceFlush().then(() => loggerProvider.shutdown()))
          ],
          { concurrency: "unbounded", discard: true }
        )
      )

      const eventLogger = loggerProvider.getLogger(ROLE_NAME)
      const telemetry: TelemetryShape = {
        trackEvent: (name, properties) =>
          Effect.zipRight(
            options.local.trackEvent(name, properties),
            // The current span (the request or message being handled) ties the event to its operation.
            Effect.withFiberRuntime<void>((fiber) => {
              const span = exportedSpanContext(fiber.currentSpan)
              eventLogger.emit({
                body: name,
                attributes: { ...(redactFields(properties) as Record<string, string>), [CUSTOM_EVENT_NAME]: name },
                ...(span !== undefined ? { context: trace.setSpanContext(otelContext.active(), span) } : {})
              })
              return Effect.void
            })
          )
      }

      // Effect's tracer, for the whole runtime built on this layer, writes each ended span's items for the sender.
      // Telemetry never fails what it observes: a span the writer cannot write is left out, and said once.
      let unwritten = false
      const write = (span: EndedSpan) => {
        try {
          writer.span(span, sender.add)
        } catch (error) {
          if (unwritten) return
          unwritten = true
          logLine("warn", "Application Insights: a span could not be written; such spans are left out", {
            type: "telemetry",
            span: span.name,
            reason: error instanceof Error ? error.message : String(error)
          })
        }
      }
      const tracer = Layer.setTracer(exportingTracer({ write }))
      return Layer.merge(Layer.succeed(Telemetry, telemetry), tracer)
    })
  )

/** The connection string's settings, names lower-cased (`InstrumentationKey=…;IngestionEndpoint=…;…`). */
const parseConnectionString = (connectionString: string): ReadonlyMap<string, string> =>
  new Map(
    connectionString
      .split(";")
      .map((part) => part.split("="))
      .filter((kv) => kv.length >= 2)
      .map(([key, ...value]) => [key!.trim().toLowerCase(), value.join("=").trim()])
  )

/** Where items go: `IngestionEndpoint`, else as Microsoft's parser builds it from `EndpointSuffix`, else its default. */
const ingestionEndpoint = (settings: ReadonlyMap<string, string>): string => {
  const endpoint = settings.get("ingestionendpoint")
  if (endpoint !== undefined && endpoint !== "") return endpoint
  const suffix = settings.get("endpointsuffix")
  if (suffix === undefined || suffix === "") return "https://dc.services.visualstudio.com"
  const location = settings.get("location")
  return `https://${location !== undefined && location !== "" ? `${location}.` : ""}dc.${suffix}`
}
