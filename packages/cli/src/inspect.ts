import { SqlClient, type Statement } from "@effect/sql"
import { Effect } from "effect"
import { appointmentUrn, referralUrn } from "@ram-delius/core"

/**
 * Read-only views of the Delius rows this service writes, for `referral show` and `appointment show`: the NSI with its
 * status history, manager and contacts; an appointment contact with its outcome, enforcement and linked contacts.
 */
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
export const WRITTEN_TABLES = [
  ["NSI", "NSI_ID"],
  ["NSI_MANAGER", "NSI_MANAGER_ID"],
  ["NSI_STATUS_HISTORY", "NSI_STATUS_HISTORY_ID"],
  ["CONTACT", "CONTACT_ID"],
  ["ENFORCEMENT", "ENFORCEMENT_ID"],
  ["EVENT", "EVENT_ID"]
] as const

/** Snapshot of max ids, to list rows inserted later in the same transaction. */
export const snapshot = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const result: Record<string, number> = {}
  for (const [table, id] of WRITTEN_TABLES) {
    const rows = yield* sql.unsafe<{ m: number | null }>(`SELECT MAX(${id}) AS M FROM ${table}`)
    result[table] = Number(rows[0]?.m ?? 0)
  }
  return result
})

/** Rows inserted after a snapshot, and rows updated since a London wall-clock time. */
export const changesSince = (before: Record<string, number>, since: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const changes: Array<{ table: string; change: "inserted" | "updated"; row: Record<string, unknown> }> = []
    for (const [table, id] of WRITTEN_TABLES) {
      const inserted = yield* sql<Record<string, unknown>>`SELECT * FROM ${sql.literal(table)} WHERE ${sql.literal(id)} > ${before[table] ?? 0} ORDER BY ${sql.literal(id)}`
      for (const row of inserted) changes.push({ table, change: "inserted", row })
      const updated = yield* sql<Record<string, unknown>>`SELECT * FROM ${sql.literal(table)} WHERE ${sql.literal(id)} <= ${before[table] ?? 0} AND LAST_UPDATED_DATETIME >= ${since} ORDER BY ${sql.literal(id)}`
      for (const row of updated) changes.push({ table, change: "updated", row })
    }
    const audits = yield* sql<Record<string, unknown>>`SELECT * FROM AUDITED_INTERACTION WHERE DATE_TIME >= ${since}`
    for (const row of audits) changes.push({ table: "AUDITED_INTERACTION", change: "inserted", row })
    return changes
  })
