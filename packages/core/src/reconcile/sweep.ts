/**
 * The scheduled sweep: the read-only reconciliation of every CRS referral whose Delius NSI or contacts changed in a
 * window, found from the NSI's external reference (the referral URN, §6.3), one referral at a time at a bounded rate so
 * that it never loads Delius. One `ReferralDrift` custom event per drifted referral and one `ReconciliationCompleted`.
 */

import { SqlClient } from "@effect/sql"
import { Duration, Effect } from "effect"
import { londonDateTime } from "../domain/index.js"
import { describeFailure } from "../describe.js"
import { DatabaseError } from "../errors.js"
import { Telemetry } from "../telemetry/Telemetry.js"
import type { ReconcileError, ReconcileResult } from "./Reconciliation.js"

export interface SweepOptions {
  /** Referrals whose NSI or contacts were last updated at or after this instant (epoch millis). */
  readonly sinceMillis: number
  /** Referrals reconciled per second at most. */
  readonly ratePerSecond: number
}

interface SweptReferral {
  readonly crn: string
  readonly referralId: string
}

export interface SweepResult {
  readonly since: string
  readonly referrals: number
  readonly inSync: number
  readonly drifted: ReadonlyArray<SweptReferral & { readonly kinds: ReadonlyArray<string> }>
  readonly failed: ReadonlyArray<SweptReferral & { readonly message: string }>
}

const URN_PREFIX = "urn:hmpps:interventions-referral:"

/** The referrals changed since `since` (a stored London date-time, as the audit columns hold it, §8.2). */
const changedReferrals = (since: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ crn: string; externalReference: string }>`
      SELECT DISTINCT o.CRN, n.EXTERNAL_REFERENCE FROM NSI n JOIN OFFENDER o ON o.OFFENDER_ID = n.OFFENDER_ID
      WHERE n.EXTERNAL_REFERENCE LIKE ${`${URN_PREFIX}%`} AND n.SOFT_DELETED = 0
        AND (n.LAST_UPDATED_DATETIME >= ${since}
             OR EXISTS (SELECT 1 FROM CONTACT c WHERE c.NSI_ID = n.NSI_ID AND c.LAST_UPDATED_DATETIME >= ${since}))
      ORDER BY o.CRN, n.EXTERNAL_REFERENCE`
    return rows.map((r): SweptReferral => ({ crn: r.crn, referralId: r.externalReference.slice(URN_PREFIX.length) }))
  }).pipe(
    Effect.mapError(
      (cause) => new DatabaseError({ operation: "find changed referrals", message: describeFailure(cause), cause })
    )
  )

export const sweep = (
  reconcile: (crn: string, referralId: string) => Effect.Effect<ReconcileResult, ReconcileError>,
  options: SweepOptions
): Effect.Effect<SweepResult, DatabaseError, SqlClient.SqlClient | Telemetry> =>
  Effect.gen(function* () {
    const telemetry = yield* Telemetry
    const since = londonDateTime(options.sinceMillis)
    const referrals = yield* changedReferrals(since)
    const gap = Duration.millis(Math.ceil(1000 / Math.max(options.ratePerSecond, 0.001)))
    const drifted: Array<SweepResult["drifted"][number]> = []
    const failed: Array<SweepResult["failed"][number]> = []
    let inSync = 0
    for (const [index, { crn, referralId }] of referrals.entries()) {
      if (index > 0) yield* Effect.sleep(gap)
      const result = yield* Effect.either(reconcile(crn, referralId))
      if (result._tag === "Left") {
        failed.push({ crn, referralId, message: describeFailure(result.left) })
        continue
      }
      if (result.right.inSync) {
        inSync++
        continue
      }
      const kinds = [...new Set(result.right.differences.map((d) => d.kind))]
      drifted.push({ crn, referralId, kinds })
      yield* telemetry.trackEvent("ReferralDrift", { crn, referralId, kinds: kinds.join(",") })
    }
    yield* telemetry.trackEvent("ReconciliationCompleted", {
      since,
      referrals: String(referrals.length),
      inSync: String(inSync),
      drifted: String(drifted.length),
      failed: String(failed.length)
    })
    return { since, referrals: referrals.length, inSync, drifted, failed }
  })
