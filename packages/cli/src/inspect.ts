/**
 * Read-only views of the Delius rows this service writes, for `referral show` and `appointment show`: the NSI with its
 * status history, manager and contacts; an appointment contact with its outcome, enforcement and linked contacts.
 */

import { SqlClient, type Statement } from "@effect/sql"
import { Effect } from "effect"
import { appointmentUrn, referralUrn } from "@ram-delius/core"

export const referralRows = (crn: string, referralId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const urn = referralUrn(referralId.toLowerCase())
    const nsis = yield* sql<Record<string, unknown>>`
      SELECT n.NSI_ID, t.CODE AS NSI_TYPE, s.CODE AS STATUS, n.NSI_STATUS_DATE, n.REFERRAL_DATE, n.ACTUAL_START_DATE,
             n.ACTUAL_END_DATE, l.CODE_VALUE AS OUTCOME, n.ACTIVE_FLAG, n.SOFT_DELETED, n.RAR_COUNT, n.EVENT_ID, n.RQMNT_ID,
             n.EXTERNAL_REFERENCE, n.NOTES, n.ROW_VERSION, n.LAST_UPDATED_DATETIME
      FROM NSI n JOIN OFFENDER o ON o.OFFENDER_ID = n.OFFENDER_ID
      JOIN R_NSI_TYPE t ON t.NSI_TYPE_ID = n.NSI_TYPE_ID JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = n.NSI_STATUS_ID
      LEFT JOIN R_STANDARD_REFERENCE_LIST l ON l.STANDARD_REFERENCE_LIST_ID = n.NSI_OUTCOME_ID
      WHERE o.CRN = ${crn} AND n.EXTERNAL_REFERENCE = ${urn} ORDER BY n.NSI_ID`
    const ids = nsis.map((n) => n.nsiId as number)
    if (ids.length === 0) return { urn, nsis, history: [], managers: [], contacts: [] }
    const history = yield* sql<Record<string, unknown>>`
      SELECT h.NSI_ID, s.CODE AS STATUS, h.NSI_STATUS_DATE, h.NOTES FROM NSI_STATUS_HISTORY h
      JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = h.NSI_STATUS_ID WHERE h.NSI_ID IN ${sql.in(ids)} ORDER BY h.NSI_STATUS_HISTORY_ID`
    const managers = yield* sql<Record<string, unknown>>`
      SELECT m.NSI_ID, p.CODE AS PROVIDER, t.CODE AS TEAM, s.OFFICER_CODE AS STAFF, m.START_DATE, m.ACTIVE_FLAG
      FROM NSI_MANAGER m JOIN PROBATION_AREA p ON p.PROBATION_AREA_ID = m.PROBATION_AREA_ID
      JOIN TEAM t ON t.TEAM_ID = m.TEAM_ID JOIN STAFF s ON s.STAFF_ID = m.STAFF_ID
      WHERE m.NSI_ID IN ${sql.in(ids)} ORDER BY m.NSI_MANAGER_ID`
    const contacts = yield* contactRows(sql, sql`c.NSI_ID IN ${sql.in(ids)}`)
    return { urn, nsis, history, managers, contacts }
  })

const contactRows = (sql: SqlClient.SqlClient, where: Statement.Fragment) =>
  sql<Record<string, unknown>>`
    SELECT c.CONTACT_ID, t.CODE AS TYPE, c.CONTACT_DATE, c.CONTACT_START_TIME, c.CONTACT_END_TIME, oc.CODE AS OUTCOME,
           c.ATTENDED, c.COMPLIED, c.HOURS_CREDITED, c.RAR_ACTIVITY, c.ENFORCEMENT, c.LINKED_CONTACT_ID,
           ol.CODE AS LOCATION, c.EXTERNAL_REFERENCE, c.SOFT_DELETED, c.NOTES
    FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
    LEFT JOIN R_CONTACT_OUTCOME_TYPE oc ON oc.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID
    LEFT JOIN OFFICE_LOCATION ol ON ol.OFFICE_LOCATION_ID = c.OFFICE_LOCATION_ID
    WHERE ${where} ORDER BY c.CONTACT_ID`

/** An appointment by R&M appointment UUID or by Delius contact id. */
export const appointmentRows = (crn: string, appointmentId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const byId = /^\d+$/.test(appointmentId)
    const where = byId
      ? sql`c.CONTACT_ID = ${Number(appointmentId)} AND c.OFFENDER_ID IN (SELECT OFFENDER_ID FROM OFFENDER WHERE CRN = ${crn})`
      : sql`c.EXTERNAL_REFERENCE = ${appointmentUrn(appointmentId.toLowerCase())} AND c.OFFENDER_ID IN (SELECT OFFENDER_ID FROM OFFENDER WHERE CRN = ${crn})`
    const contacts = yield* contactRows(sql, where)
    const ids = contacts.map((c) => c.contactId as number)
    if (ids.length === 0) return { contacts, enforcements: [], linked: [] }
    const enforcements = yield* sql<Record<string, unknown>>`
      SELECT e.ENFORCEMENT_ID, e.CONTACT_ID, a.CODE AS ACTION, e.RESPONSE_DATE, e.ACTION_TAKEN_DATE
      FROM ENFORCEMENT e LEFT JOIN R_ENFORCEMENT_ACTION a ON a.ENFORCEMENT_ACTION_ID = e.ENFORCEMENT_ACTION_ID
      WHERE e.CONTACT_ID IN ${sql.in(ids)} ORDER BY e.ENFORCEMENT_ID`
    const linked = yield* contactRows(sql, sql`c.LINKED_CONTACT_ID IN ${sql.in(ids)}`)
    return { contacts, enforcements, linked }
  })

/** Tables a workflow may write, with their id column (dry-run reporting). */
const WRITTEN_TABLES = [
  ["NSI", "NSI_ID"],
  ["NSI_MANAGER", "NSI_MANAGER_ID"],
  ["NSI_STATUS_HISTORY", "NSI_STATUS_HISTORY_ID"],
  ["CONTACT", "CONTACT_ID"],
  ["ENFORCEMENT", "ENFORCEMENT_ID"],
  ["EVENT", "EVENT_ID"]
] as const

/** What a dry run compares: max ids (inserted rows) and the person's contacts as they were (updated rows). */
export interface Snapshot {
  readonly maxIds: Record<string, number>
  /** CONTACT_ID → a fingerprint of the columns a workflow may change, for the message's person. */
  readonly contacts: ReadonlyMap<number, string>
}

const contactFingerprint = (row: Record<string, unknown>) =>
  JSON.stringify([
    row.contactOutcomeTypeId,
    row.attended,
    row.complied,
    row.hoursCredited,
    row.rarActivity,
    row.enforcement,
    row.latestEnforcementActionId,
    row.officeLocationId,
    row.externalReference,
    row.notes,
    row.rowVersion
  ])

const personContacts = (sql: SqlClient.SqlClient, crn: string) =>
  sql<
    Record<string, unknown>
  >`SELECT c.* FROM CONTACT c JOIN OFFENDER o ON o.OFFENDER_ID = c.OFFENDER_ID WHERE o.CRN = ${crn}`

/**
 * Snapshot before a dry run. Contacts are compared row by row for the message's person, because the bulk withdrawal
 * of future appointments (§6.5) does not touch LAST_UPDATED_DATETIME and would otherwise go unreported.
 */
export const snapshot = (crn: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const maxIds: Record<string, number> = {}
    for (const [table, id] of WRITTEN_TABLES) {
      const rows = yield* sql.unsafe<{ m: number | null }>(`SELECT MAX(${id}) AS M FROM ${table}`)
      maxIds[table] = Number(rows[0]?.m ?? 0)
    }
    const contacts = new Map(
      (yield* personContacts(sql, crn)).map((row) => [row.contactId as number, contactFingerprint(row)])
    )
    return { maxIds, contacts } satisfies Snapshot
  })

/** Rows inserted after a snapshot, and rows updated since (contacts by comparison, others by LAST_UPDATED_DATETIME). */
export const changesSince = (before: Snapshot, crn: string, since: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const changes: Array<{ table: string; change: "inserted" | "updated"; row: Record<string, unknown> }> = []
    for (const [table, id] of WRITTEN_TABLES) {
      const max = before.maxIds[table] ?? 0
      const inserted = yield* sql<
        Record<string, unknown>
      >`SELECT * FROM ${sql.literal(table)} WHERE ${sql.literal(id)} > ${max} ORDER BY ${sql.literal(id)}`
      for (const row of inserted) changes.push({ table, change: "inserted", row })
      if (table === "CONTACT") {
        for (const row of yield* personContacts(sql, crn)) {
          const was = before.contacts.get(row.contactId as number)
          if (was !== undefined && was !== contactFingerprint(row)) changes.push({ table, change: "updated", row })
        }
        continue
      }
      const updated = yield* sql<
        Record<string, unknown>
      >`SELECT * FROM ${sql.literal(table)} WHERE ${sql.literal(id)} <= ${max} AND LAST_UPDATED_DATETIME >= ${since} ORDER BY ${sql.literal(id)}`
      for (const row of updated) changes.push({ table, change: "updated", row })
    }
    const audits = yield* sql<Record<string, unknown>>`SELECT * FROM AUDITED_INTERACTION WHERE DATE_TIME >= ${since}`
    for (const row of audits) changes.push({ table: "AUDITED_INTERACTION", change: "inserted", row })
    return changes
  })
