/**
 * Reconcile a referral between Refer and Monitor and Delius: read both views, list the differences, and — when asked
 * — put Delius right through the same idempotent workflows the PUTs and the events use (Referral, Appointment,
 * ActionPlan), never through statements written for the repair. A difference no workflow can fix (a contact a Delius
 * user edited after the fact, an NSI R&M cannot re-create) is reported and left alone. The sweep (`since`) is a loop
 * over the same read-only reconciliation.
 */

import { SqlClient } from "@effect/sql"
import { Context, type ConfigError, Effect, Layer } from "effect"
import { ActionPlan } from "../action-plan/ActionPlan.js"
import { Appointment } from "../appointment/Appointment.js"
import { DeliusUser } from "../delius/DeliusContext.js"
import { describeFailure } from "../describe.js"
import { type DatabaseError, NotFound, type ReferAndMonitorError } from "../errors.js"
import { EventHandlerConfig } from "../events/handleDomainEvent.js"
import { ReferAndMonitorClient } from "../refer-and-monitor/ReferAndMonitorClient.js"
import { readReferAndMonitorReferral, referAndMonitorUrls } from "../refer-and-monitor/ReferralView.js"
import { Referral } from "../referral/Referral.js"
import { Telemetry } from "../telemetry/Telemetry.js"
import { traced } from "../telemetry/spans.js"
import { readDeliusReferral } from "./DeliusView.js"
import { compareReferral } from "./differences.js"
import type { Difference, Repair } from "./model.js"
import { type SweepOptions, type SweepResult, sweep } from "./sweep.js"

export interface AppliedRepair {
  readonly kind: Difference["kind"]
  readonly subject: string
  readonly workflow: string
  readonly outcome: "written" | "failed"
  /** What was written, or why it failed. */
  readonly message: string
}

export interface ReconcileResult {
  readonly crn: string
  readonly referralId: string
  /** No difference remains. */
  readonly inSync: boolean
  /** The differences found (without `apply`) or those that remain after the repairs (with `apply`). */
  readonly differences: ReadonlyArray<Omit<Difference, "repair">>
  /** With `apply`: each repair run, in order. */
  readonly applied: ReadonlyArray<AppliedRepair>
}

export type ReconcileError = NotFound | ReferAndMonitorError | DatabaseError

export interface ReconciliationShape {
  readonly referral: (
    crn: string,
    referralId: string,
    options?: { readonly apply?: boolean }
  ) => Effect.Effect<ReconcileResult, ReconcileError>
  /** Read-only reconciliation of every CRS referral whose NSI or contacts changed since `options.since`. */
  readonly since: (options: SweepOptions) => Effect.Effect<SweepResult, DatabaseError>
}

// Repairs in the order R&M's own calls happen: appointments, then their feedback, the plan's notes, the ending.
const ORDER: ReadonlyArray<Repair["_tag"]> = ["MergeAppointment", "RecordFeedback", "RecordActionPlan", "EndReferral"]

const runRepair = (repair: Repair) =>
  Effect.gen(function* () {
    switch (repair._tag) {
      case "MergeAppointment": {
        const { appointmentId } = yield* (yield* Appointment).merge(repair.crn, repair.request)
        return `contact ${appointmentId} merged`
      }
      case "RecordFeedback":
        yield* (yield* Appointment).recordFeedback(repair.update)
        return `outcome recorded on contact ${repair.update.deliusId}`
      case "RecordActionPlan":
        yield* (yield* ActionPlan).record(repair.event)
        return `CRSNOTE "Action Plan ${repair.event.type}" recorded`
      case "EndReferral": {
        yield* (yield* Referral).end(repair.end)
        return `NSI ended ${repair.end.endType} with outcome ${repair.end.outcomeCode}`
      }
    }
  })

const strip = ({ repair: _repair, ...difference }: Difference): Omit<Difference, "repair"> => difference

/** What the reconciliation reads and the workflows its repairs run through, resolved once when the layer is built. */
type ReconciliationServices =
  | ReferAndMonitorClient
  | SqlClient.SqlClient
  | DeliusUser
  | EventHandlerConfig
  | Appointment
  | ActionPlan
  | Referral
  | Telemetry

const make = Effect.gen(function* () {
  const urls = yield* referAndMonitorUrls
  const context = yield* Effect.context<ReconciliationServices>()
  const compare = (crn: string, referralId: string) =>
    Effect.gen(function* () {
      const referAndMonitor = yield* readReferAndMonitorReferral(urls.api, referralId)
      // A mistyped CRN would otherwise read as "no NSI in Delius": say what R&M has instead.
      const rmCrn = referAndMonitor.sent.serviceUserCRN
      if (rmCrn !== undefined && rmCrn.toUpperCase() !== crn.toUpperCase()) {
        return yield* new NotFound({
          message: `Refer and Monitor's referral ${referralId} is for ${rmCrn}, not ${crn}`
        })
      }
      const delius = yield* readDeliusReferral(crn, referralId)
      return compareReferral({
        crn,
        referralId,
        referAndMonitor,
        delius,
        ui: urls.ui,
        serviceUserId: (yield* DeliusUser).userId,
        withdrawalReasonEnabled: (yield* EventHandlerConfig).withdrawalReasonEnabled
      })
    })

  const referral: ReconciliationShape["referral"] = (crn, referralId, options = {}) =>
    Effect.gen(function* () {
      const found = yield* compare(crn, referralId)
      if (options.apply !== true || !found.some((d) => d.fixable)) {
        return { crn, referralId, inSync: found.length === 0, differences: found.map(strip), applied: [] }
      }
      const applied: Array<AppliedRepair> = []
      for (const tag of ORDER) {
        for (const difference of found) {
          if (difference.repair?._tag !== tag) continue
          const outcome = yield* Effect.either(runRepair(difference.repair))
          const { kind, subject, workflow } = difference
          applied.push(
            outcome._tag === "Right"
              ? { kind, subject, workflow, outcome: "written", message: outcome.right }
              : { kind, subject, workflow, outcome: "failed", message: describeFailure(outcome.left) }
          )
        }
      }
      const remaining = yield* compare(crn, referralId)
      return { crn, referralId, inSync: remaining.length === 0, differences: remaining.map(strip), applied }
    }).pipe(Effect.provide(context), traced("Reconciliation.referral"))

  return {
    referral,
    since: (options) => sweep(referral, options).pipe(Effect.provide(context), traced("Reconciliation.since"))
  } satisfies ReconciliationShape
})

export class Reconciliation extends Context.Tag("@ram-delius/core/Reconciliation")<
  Reconciliation,
  ReconciliationShape
>() {
  /** Reads `REFER_AND_MONITOR_URL` / `REFER_AND_MONITOR_UI_URL` once, when the layer is built. */
  static readonly make = make
  static readonly layer: Layer.Layer<Reconciliation, ConfigError.ConfigError, ReconciliationServices> = Layer.effect(
    Reconciliation,
    make
  )
}
