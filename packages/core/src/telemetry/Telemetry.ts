/**
 * Application Insights custom events (spec §9). Names and property keys are exact: dashboards and alerts in HMPPS key
 * on them. `Telemetry.layer` (core's default) writes one JSON line per event and, when
 * `APPLICATIONINSIGHTS_CONNECTION_STRING` is set, also sends them — with Effect's spans as requests and dependencies —
 * to Application Insights (ApplicationInsights.ts). The test layer collects them so tests can assert names and
 * properties.
 */

import { Config, type ConfigError, Context, Effect, Layer, Option, Ref } from "effect"
import { type Writable, writeLine } from "./Log.js"

export interface TelemetryEvent {
  readonly name: string
  readonly properties: Readonly<Record<string, string>>
}

export interface TelemetryShape {
  readonly trackEvent: (name: string, properties: Readonly<Record<string, string>>) => Effect.Effect<void>
}

/**
 * The log shape (Log.ts) with the event's name as the message: `{"time","level":"info","message":name,"type":"telemetry","name","properties"}`.
 * An `info` line like any other, so `LOG_LEVEL=warn` leaves it out (the export to Application Insights is not a log
 * line and is unaffected). `writeLine` never throws: telemetry never fails the work it describes.
 */
const jsonLines = (stream: Writable): TelemetryShape => ({
  trackEvent: (name, properties) =>
    Effect.sync(() => writeLine(stream, "info", name, { type: "telemetry", name, properties }))
})

/** `APPLICATIONINSIGHTS_CONNECTION_STRING`, blank as absent: telemetry (and spans, layers.ts) are exported only with it. */
export const connectionString = Config.option(Config.string("APPLICATIONINSIGHTS_CONNECTION_STRING")).pipe(
  Config.map(Option.filter((value) => value.trim() !== ""))
)

export class Telemetry extends Context.Tag("@ram-delius/core/Telemetry")<Telemetry, TelemetryShape>() {
  /**
   * The default: JSON lines on stdout, plus Application Insights when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set.
   * The exporter and OpenTelemetry are imported only then, so without the variable they cost nothing. Disposing the
   * runtime built on this layer flushes what is still batched (bounded: ApplicationInsights.SHUTDOWN_TIMEOUT).
   */
  static readonly layer: Layer.Layer<Telemetry, ConfigError.ConfigError> = Layer.unwrapEffect(
    Effect.gen(function* () {
      const connection = yield* connectionString
      if (Option.isNone(connection)) return Telemetry.logLayer
      const serviceVersion = Option.getOrUndefined(yield* Config.option(Config.string("BUILD_NUMBER")))
      const ApplicationInsights = yield* Effect.promise(() => import("./ApplicationInsights.js"))
      return ApplicationInsights.layer({
        connectionString: connection.value,
        local: jsonLines(process.stdout),
        serviceVersion
      })
    })
  )

  /** JSON lines on stdout: `{"level":"info","type":"telemetry","name":…,"properties":…}`. */
  static readonly logLayer = Layer.succeed(Telemetry, jsonLines(process.stdout))

  /** The log lines of the events on any stream (tests, embedders with a log stream of their own). */
  static readonly writing = (stream: Writable): TelemetryShape => jsonLines(stream)

  /** The same JSON lines on stderr, for tools whose stdout is their output (the CLI's `--json`). */
  static readonly stderrLayer = Layer.succeed(Telemetry, jsonLines(process.stderr))

  /** Collects events in memory; `TelemetryEvents` reads them back. */
  static readonly testLayer = Layer.effectContext(
    Effect.gen(function* () {
      const ref = yield* Ref.make<ReadonlyArray<TelemetryEvent>>([])
      return Context.make(Telemetry, {
        trackEvent: (name, properties) =>
          Ref.update(ref, (events) => [...events, { name, properties: { ...properties } }])
      }).pipe(
        Context.add(TelemetryEvents, {
          all: Ref.get(ref),
          clear: Ref.set(ref, [])
        })
      )
    })
  )
}

/** Read side of `Telemetry.testLayer`. */
export class TelemetryEvents extends Context.Tag("@ram-delius/core/TelemetryEvents")<
  TelemetryEvents,
  { readonly all: Effect.Effect<ReadonlyArray<TelemetryEvent>>; readonly clear: Effect.Effect<void> }
>() {}

export const trackEvent = (name: string, properties: Readonly<Record<string, string>>) =>
  Effect.flatMap(Telemetry, (t) => t.trackEvent(name, properties))
