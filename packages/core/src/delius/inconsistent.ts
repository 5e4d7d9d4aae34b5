import { Effect } from "effect"
import { InconsistentData } from "../errors.js"
import type { TelemetryShape } from "../telemetry/Telemetry.js"

/**
 * Fail with `InconsistentData` and raise the §9-style custom event `DeliusDataInconsistent` {…properties, message}, so
 * that support sees the Delius data to repair whichever host the request came through (the HTTP host has no failure
 * telemetry of its own). The caller's transaction rolls back: nothing is written.
 */
export const inconsistentData = (
  telemetry: TelemetryShape,
  message: string,
  properties: Readonly<Record<string, string>>
): Effect.Effect<never, InconsistentData> =>
  Effect.zipRight(
    telemetry.trackEvent("DeliusDataInconsistent", { ...properties, message }),
    Effect.fail(new InconsistentData({ message }))
  )
