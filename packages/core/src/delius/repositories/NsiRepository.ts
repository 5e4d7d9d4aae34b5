import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { DatabaseError } from "../../errors.js"
import { Dialect } from "../dialect.js"
import { execute, findAll, findOne, StoredDate, StoredTimestamp } from "../query.js"
import { definedOnly, insertAuditColumns, nextId, type WriteContext } from "./common.js"
import { NsiId } from "../../domain/index.js"

/** The NSI aggregate: `NSI`, `NSI_MANAGER`, `NSI_STATUS_HISTORY` (spec §6, §8.1). */
export const Nsi = Schema.Struct({
  nsiId: NsiId,
  offenderId: Schema.Number,
  crn: Schema.String,
  nsiTypeId: Schema.Number,
  nsiStatusId: Schema.Number,
  statusCode: Schema.String,
  nsiOutcomeId: Schema.NullOr(Schema.Number),
  nsiStatusDate: StoredTimestamp,
  referralDate: StoredDate,
  actualStartDate: Schema.NullOr(StoredTimestamp),
  actualEndDate: Schema.NullOr(StoredTimestamp),
  notes: Schema.NullOr(Schema.String),
  externalReference: Schema.NullOr(Schema.String),
  intendedProviderId: Schema.NullOr(Schema.Number),
  eventId: Schema.NullOr(Schema.Number),
  rqmntId: Schema.NullOr(Schema.Number),
  rarCount: Schema.NullOr(Schema.Number),
  activeFlag: Schema.Number,
  rowVersion: Schema.Number,
  createdDatetime: Schema.NullOr(StoredTimestamp),
  lastUpdatedDatetime: Schema.NullOr(StoredTimestamp)
})
export type Nsi = typeof Nsi.Type

export const NsiManager = Schema.Struct({
  nsiManagerId: Schema.Number,
  probationAreaId: Schema.Number,
  teamId: Schema.Number,
  staffId: Schema.Number
})
export type NsiManager = typeof NsiManager.Type

/** What §5.4 / §7.5 need to explain why an NSI was not found (soft-deleted rows included). */
export const NsiTrace = Schema.Struct({
  nsiId: Schema.Number,
  softDeleted: Schema.Number,
  activeFlag: Schema.NullOr(Schema.Number),
  lastUpdatedBy: Schema.NullOr(Schema.String)
})
export type NsiTrace = typeof NsiTrace.Type

export interface NewNsi {
  readonly offenderId: number
  readonly nsiTypeId: number
  readonly nsiStatusId: number
  readonly nsiStatusDate: string
  readonly referralDate: string
  readonly actualStartDate: string
  readonly notes: string | null
  readonly externalReference: string
  readonly intendedProviderId: number
  readonly eventId: number
  readonly rqmntId: number | null
}

export interface NsiChanges {
  readonly notes?: string | null
  readonly actualStartDate?: string
  readonly nsiStatusId?: number
  readonly nsiStatusDate?: string
  readonly nsiOutcomeId?: number
  readonly actualEndDate?: string
  readonly activeFlag?: number
  readonly rarCount?: number
}

export interface NsiRepositoryShape {
  /** Non-deleted NSIs of a non-deleted person with this external reference (§6.3 step 1). */
  readonly findByCrnAndUrn: (crn: string, urn: string) => Effect.Effect<ReadonlyArray<Nsi>, DatabaseError>
  readonly findById: (nsiId: NsiId) => Effect.Effect<Option.Option<Nsi>, DatabaseError>
  /** Every NSI row for CRN + URN, soft-deleted ones included (not-found reasons, §5.4, §7.5). */
  readonly trace: (crn: string, urn: string) => Effect.Effect<ReadonlyArray<NsiTrace>, DatabaseError>
  readonly insert: (nsi: NewNsi, ctx: WriteContext) => Effect.Effect<NsiId, DatabaseError>
  readonly update: (nsiId: NsiId, changes: NsiChanges, ctx: WriteContext) => Effect.Effect<void, DatabaseError>
  readonly insertManager: (
    manager: { nsiId: NsiId; probationAreaId: number; teamId: number; staffId: number; startDate: string },
    ctx: WriteContext
  ) => Effect.Effect<number, DatabaseError>
  /** The NSI's first active manager (§8.4). */
  readonly activeManager: (nsiId: NsiId) => Effect.Effect<Option.Option<NsiManager>, DatabaseError>
  readonly insertStatusHistory: (
    history: { nsiId: NsiId; nsiStatusId: number; nsiStatusDate: string; notes: string | null },
    ctx: WriteContext
  ) => Effect.Effect<number, DatabaseError>
}

type Sql = SqlClient.SqlClient

/** The NSI reads (§5.4, §6.3, §7.5, §8.4). */
const nsiReads = (sql: Sql) => {
  const select =
    sql.literal(`SELECT n.NSI_ID, n.OFFENDER_ID, o.CRN, n.NSI_TYPE_ID, n.NSI_STATUS_ID, s.CODE AS STATUS_CODE,
    n.NSI_OUTCOME_ID, n.NSI_STATUS_DATE, n.REFERRAL_DATE, n.ACTUAL_START_DATE, n.ACTUAL_END_DATE, n.NOTES,
    n.EXTERNAL_REFERENCE, n.INTENDED_PROVIDER_ID, n.EVENT_ID, n.RQMNT_ID, n.RAR_COUNT, n.ACTIVE_FLAG, n.ROW_VERSION,
    n.CREATED_DATETIME, n.LAST_UPDATED_DATETIME
    FROM NSI n JOIN OFFENDER o ON o.OFFENDER_ID = n.OFFENDER_ID JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = n.NSI_STATUS_ID`)
  return {
    findByCrnAndUrn: (crn, urn) =>
      findAll(
        "Nsi.findByCrnAndUrn",
        Nsi
      )(
        sql`${select} WHERE o.CRN = ${crn} AND o.SOFT_DELETED = 0 AND n.EXTERNAL_REFERENCE = ${urn} AND n.SOFT_DELETED = 0
            ORDER BY n.NSI_ID`
      ),
    findById: (nsiId) => findOne("Nsi.findById", Nsi)(sql`${select} WHERE n.NSI_ID = ${nsiId}`),
    trace: (crn, urn) =>
      findAll(
        "Nsi.trace",
        NsiTrace
      )(
        sql`SELECT n.NSI_ID, n.SOFT_DELETED, n.ACTIVE_FLAG, u.DISTINGUISHED_NAME AS LAST_UPDATED_BY
            FROM NSI n JOIN OFFENDER o ON o.OFFENDER_ID = n.OFFENDER_ID
            LEFT JOIN USER_ u ON u.USER_ID = n.LAST_UPDATED_USER_ID
            WHERE o.CRN = ${crn} AND n.EXTERNAL_REFERENCE = ${urn} ORDER BY n.NSI_ID`
      ),
    activeManager: (nsiId) =>
      findOne(
        "Nsi.activeManager",
        NsiManager
      )(
        sql`SELECT NSI_MANAGER_ID, PROBATION_AREA_ID, TEAM_ID, STAFF_ID FROM NSI_MANAGER
            WHERE NSI_ID = ${nsiId} AND ACTIVE_FLAG = 1 AND SOFT_DELETED = 0 ORDER BY NSI_MANAGER_ID`
      )
  } satisfies Partial<NsiRepositoryShape>
}

/** The NSI writes: the NSI, its manager and status history (§6.3), with the §8.2 audit columns. */
const nsiWrites = (sql: Sql, dialect: typeof Dialect.Service) => {
  return {
    insert: Effect.fnUntraced(function* (nsi, ctx) {
      const id = yield* nextId(sql, dialect, "NSI_ID_SEQ")
      yield* execute("Nsi.insert")(
        sql`INSERT INTO NSI ${sql.insert({
          NSI_ID: id,
          OFFENDER_ID: nsi.offenderId,
          NSI_TYPE_ID: nsi.nsiTypeId,
          NSI_STATUS_ID: nsi.nsiStatusId,
          NSI_OUTCOME_ID: null,
          NSI_STATUS_DATE: nsi.nsiStatusDate,
          REFERRAL_DATE: nsi.referralDate,
          ACTUAL_START_DATE: nsi.actualStartDate,
          ACTUAL_END_DATE: null,
          NOTES: nsi.notes,
          EXTERNAL_REFERENCE: nsi.externalReference,
          INTENDED_PROVIDER_ID: nsi.intendedProviderId,
          EVENT_ID: nsi.eventId,
          RQMNT_ID: nsi.rqmntId,
          RAR_COUNT: null,
          PENDING_TRANSFER: 0,
          ACTIVE_FLAG: 1,
          SOFT_DELETED: 0,
          ...insertAuditColumns(ctx)
        })}`
      )
      return NsiId.make(id)
    }),
    update: (nsiId, changes, ctx) => {
      const set = definedOnly({
        NOTES: changes.notes,
        ACTUAL_START_DATE: changes.actualStartDate,
        NSI_STATUS_ID: changes.nsiStatusId,
        NSI_STATUS_DATE: changes.nsiStatusDate,
        NSI_OUTCOME_ID: changes.nsiOutcomeId,
        ACTUAL_END_DATE: changes.actualEndDate,
        ACTIVE_FLAG: changes.activeFlag,
        RAR_COUNT: changes.rarCount
      })
      if (Object.keys(set).length === 0) return Effect.void
      // ROW_VERSION is the optimistic-lock version (§8.2): incremented on every update.
      return execute("Nsi.update")(
        sql`UPDATE NSI SET ${sql.update(set)}, ROW_VERSION = ROW_VERSION + 1, LAST_UPDATED_DATETIME = ${ctx.now},
            LAST_UPDATED_USER_ID = ${ctx.userId} WHERE NSI_ID = ${nsiId}`
      )
    },
    insertManager: Effect.fnUntraced(function* (manager, ctx) {
      const id = yield* nextId(sql, dialect, "NSI_MANAGER_ID_SEQ")
      yield* execute("Nsi.insertManager")(
        sql`INSERT INTO NSI_MANAGER ${sql.insert({
          NSI_MANAGER_ID: id,
          NSI_ID: manager.nsiId,
          PROBATION_AREA_ID: manager.probationAreaId,
          TEAM_ID: manager.teamId,
          STAFF_ID: manager.staffId,
          START_DATE: manager.startDate,
          ACTIVE_FLAG: 1,
          SOFT_DELETED: 0,
          PARTITION_AREA_ID: 0,
          ...insertAuditColumns(ctx)
        })}`
      )
      return id
    }),
    insertStatusHistory: Effect.fnUntraced(function* (history, ctx) {
      const id = yield* nextId(sql, dialect, "NSI_STATUS_HISTORY_ID_SEQ")
      yield* execute("Nsi.insertStatusHistory")(
        sql`INSERT INTO NSI_STATUS_HISTORY ${sql.insert({
          NSI_STATUS_HISTORY_ID: id,
          NSI_ID: history.nsiId,
          NSI_STATUS_ID: history.nsiStatusId,
          NSI_STATUS_DATE: history.nsiStatusDate,
          NOTES: history.notes,
          SOFT_DELETED: 0,
          ...insertAuditColumns(ctx)
        })}`
      )
      return id
    })
  } satisfies Partial<NsiRepositoryShape>
}

export class NsiRepository extends Context.Tag("@ram-delius/core/NsiRepository")<NsiRepository, NsiRepositoryShape>() {
  static readonly make = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const dialect = yield* Dialect
    return NsiRepository.of({ ...nsiReads(sql), ...nsiWrites(sql, dialect) })
  })

  static readonly layer = Layer.effect(NsiRepository, NsiRepository.make)
}
