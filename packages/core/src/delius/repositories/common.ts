import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { DatabaseError } from "../../errors.js"
import { toDatabaseError } from "../database.js"
import type { DialectShape } from "../dialect.js"
import type { SequenceName } from "../tables.js"

/** Who writes and when: the Delius audit columns of every insert and update (spec §8.2). */
export interface WriteContext {
  /** `USER_.USER_ID` of the service's Delius user (`DELIUS_DB_USERNAME`, default ReferAndMonitorAndDelius). */
  readonly userId: number
  /** London wall-clock now, canonical stored form. */
  readonly now: string
}

export const insertAuditColumns = (ctx: WriteContext) => ({
  ROW_VERSION: 0,
  CREATED_DATETIME: ctx.now,
  CREATED_BY_USER_ID: ctx.userId,
  LAST_UPDATED_DATETIME: ctx.now,
  LAST_UPDATED_USER_ID: ctx.userId
})

/** Drop undefined values so that `sql.update` only sets what changed. */
export const definedOnly = <A extends Record<string, unknown>>(record: A): Record<string, unknown> =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined))

/** The next id of `sequence` for an insert, as the dialect draws it; a failure is the write's DatabaseError. */
export const nextId = (
  sql: SqlClient.SqlClient,
  dialect: DialectShape,
  sequence: SequenceName
): Effect.Effect<number, DatabaseError> =>
  dialect.nextId(sql, sequence).pipe(Effect.mapError(toDatabaseError(`next ${sequence}`)))
