/**
 * Delius's view of one referral, read-only: the NSI whose EXTERNAL_REFERENCE is the referral URN (spec §6.3) and its
 * contacts — CRSAPT / CRSSAA appointments (§7.1), CRSNOTE action-plan and end-of-service notes (§5.5, §6.5) — with
 * who last changed each row, so that a contact a Delius user edited after the fact can be told apart from one this
 * service wrote.
 */

import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { referralUrn } from "../domain/index.js"
import { DatabaseError } from "../errors.js"

export interface DeliusNsi {
  readonly nsiId: number
  readonly status: string
  readonly outcome: string | null
  readonly active: boolean
  readonly softDeleted: boolean
  /** `YYYY-MM-DD` or null. */
  readonly actualEndDate: string | null
}

export interface DeliusContact {
  readonly contactId: number
  readonly type: string
  readonly externalReference: string | null
  readonly outcome: string | null
  /** `YYYY-MM-DD` */
  readonly date: string
  readonly notes: string | null
  readonly lastUpdatedUserId: number | null
  /** `USER_.DISTINGUISHED_NAME` of the last updater, when known. */
  readonly lastUpdatedBy: string | null
}

export interface DeliusReferral {
  readonly urn: string
  /** The referral's NSI (a live one before a soft-deleted one), or undefined. */
  readonly nsi: DeliusNsi | undefined
  /** The NSI's contacts that are not soft deleted, by id. */
  readonly contacts: ReadonlyArray<DeliusContact>
}

/** Drivers hand dates back as text of differing shapes, or as Date objects. */
const dateText = (value: unknown): string | null =>
  value === null || value === undefined
    ? null
    : value instanceof Date
      ? value.toISOString().slice(0, 10)
      : String(value).slice(0, 10)

const flag = (value: unknown) => Number(value) === 1

const mapFailure = (operation: string) =>
  Effect.mapError(
    (cause: unknown) =>
      new DatabaseError({ operation, message: `Reading Delius for reconciliation failed (${operation})`, cause })
  )

export const readDeliusReferral = (
  crn: string,
  referralId: string
): Effect.Effect<DeliusReferral, DatabaseError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const urn = referralUrn(referralId)
    const nsis = yield* sql<Record<string, unknown>>`
      SELECT n.NSI_ID, s.CODE AS STATUS, l.CODE_VALUE AS OUTCOME, n.ACTIVE_FLAG, n.SOFT_DELETED, n.ACTUAL_END_DATE
      FROM NSI n JOIN OFFENDER o ON o.OFFENDER_ID = n.OFFENDER_ID
      JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = n.NSI_STATUS_ID
      LEFT JOIN R_STANDARD_REFERENCE_LIST l ON l.STANDARD_REFERENCE_LIST_ID = n.NSI_OUTCOME_ID
      WHERE o.CRN = ${crn} AND n.EXTERNAL_REFERENCE = ${urn}
      ORDER BY n.SOFT_DELETED, n.NSI_ID`.pipe(mapFailure("read NSI"))
    const row = nsis[0]
    if (row === undefined) return { urn, nsi: undefined, contacts: [] }
    const nsi: DeliusNsi = {
      nsiId: Number(row.nsiId),
      status: String(row.status),
      outcome: row.outcome === null || row.outcome === undefined ? null : String(row.outcome),
      active: flag(row.activeFlag),
      softDeleted: flag(row.softDeleted),
      actualEndDate: dateText(row.actualEndDate)
    }
    const rows = yield* sql<Record<string, unknown>>`
      SELECT c.CONTACT_ID, t.CODE AS TYPE, c.EXTERNAL_REFERENCE, oc.CODE AS OUTCOME, c.CONTACT_DATE, c.NOTES,
             c.LAST_UPDATED_USER_ID, u.DISTINGUISHED_NAME AS LAST_UPDATED_BY
      FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
      LEFT JOIN R_CONTACT_OUTCOME_TYPE oc ON oc.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID
      LEFT JOIN USER_ u ON u.USER_ID = c.LAST_UPDATED_USER_ID
      WHERE c.NSI_ID = ${nsi.nsiId} AND c.SOFT_DELETED = 0
      ORDER BY c.CONTACT_ID`.pipe(mapFailure("read contacts"))
    const contacts = rows.map((c): DeliusContact => ({
      contactId: Number(c.contactId),
      type: String(c.type),
      externalReference: c.externalReference === null ? null : String(c.externalReference),
      outcome: c.outcome === null || c.outcome === undefined ? null : String(c.outcome),
      date: dateText(c.contactDate) ?? "",
      notes: c.notes === null || c.notes === undefined ? null : String(c.notes),
      lastUpdatedUserId: c.lastUpdatedUserId === null ? null : Number(c.lastUpdatedUserId),
      lastUpdatedBy: c.lastUpdatedBy === null || c.lastUpdatedBy === undefined ? null : String(c.lastUpdatedBy)
    }))
    return { urn, nsi, contacts }
  })
