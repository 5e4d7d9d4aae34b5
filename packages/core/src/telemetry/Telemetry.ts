import { Context, Effect, Layer, Ref } from "effect"

/**
 * Application Insights-style custom events (spec §9). Names and property keys are exact: dashboards and alerts in
 * HMPPS key on them. The default layer writes one structured JSON line per event to stdout; the test layer collects
 * them so tests can assert names and properties.
 */
export interface TelemetryEvent {
  readonly name: string
  readonly properties: Readonly<Record<string, string>>
}

export interface TelemetryShape {
  readonly trackEvent: (name: string, properties: Readonly<Record<string, string>>) => Effect.Effect<void>
}

const jsonLines = (stream: { write: (line: string) => unknown }): TelemetryShape => ({
  trackEvent: (name, properties) =>
    Effect.sync(() => {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), level: "info", type: "telemetry", name, properties })}\n`)
    })
})

export class Telemetry extends Context.Tag("@ram-delius/core/Telemetry")<Telemetry, TelemetryShape>() {
  /** JSON lines on stdout: `{"level":"info","type":"telemetry","name":…,"properties":…}`. */
  static readonly logLayer = Layer.succeed(Telemetry, jsonLines(process.stdout))

  /** The same JSON lines on stderr, for tools whose stdout is their output (the CLI's `--json`). */
  static readonly stderrLayer = Layer.succeed(Telemetry, jsonLines(process.stderr))

  /** Collects events in memory; `TelemetryEvents` reads them back. */
  static readonly testLayer = Layer.effectContext(
    Effect.gen(function* () {
      const ref = yield* Ref.make<ReadonlyArray<TelemetryEvent>>([])
      return Context.make(Telemetry, {
        trackEvent: (name, properties) => Ref.update(ref, (events) => [...events, { name, properties: { ...properties } }])
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
