import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { DatabaseError } from "../../errors.js"
import { countOf, execute, findAll, findOne, StoredDate } from "../query.js"
import type { WriteContext } from "./common.js"

/** The event (conviction) aggregate: `EVENT`, its `DISPOSAL`, `MAIN_OFFENCE` and `RQMNT`s (§4.6, §6.3, §7.6). */
export const Disposal = Schema.Struct({
  disposalId: Schema.Number,
  eventId: Schema.Number,
  disposalTypeCode: Schema.String
})
export type Disposal = typeof Disposal.Type

export const EventForFtc = Schema.Struct({
  eventId: Schema.Number,
  /** Current `EVENT.FTC_COUNT`, so that an unchanged count is not rewritten (§7.6 step 4). */
  ftcCount: Schema.NullOr(Schema.Number),
  breachEnd: Schema.NullOr(StoredDate),
  disposalDate: Schema.NullOr(StoredDate),
  sentenceType: Schema.NullOr(Schema.String),
  ftcLimit: Schema.NullOr(Schema.Number)
})
export type EventForFtc = typeof EventForFtc.Type

export const Conviction = Schema.Struct({
  eventId: Schema.Number,
  convictionDate: Schema.NullOr(StoredDate),
  sentenceDescription: Schema.NullOr(Schema.String),
  enteredNotionalEndDate: Schema.NullOr(StoredDate),
  notionalEndDate: Schema.NullOr(StoredDate),
  mainCategory: Schema.NullOr(Schema.String),
  subCategory: Schema.NullOr(Schema.String),
  eventActive: Schema.Number,
  disposalActive: Schema.Number
})
export type Conviction = typeof Conviction.Type

const RequirementRow = Schema.Struct({ rqmntId: Schema.Number })

export interface EventRepositoryShape {
  /** The disposal of the person's event `eventId` (soft-delete/active flags not checked, §6.3 step 2.2). */
  readonly disposalForEvent: (
    offenderId: number,
    eventId: number
  ) => Effect.Effect<Option.Option<Disposal>, DatabaseError>
  /** First non-deleted RAR (main category F) requirement on the disposal (§6.3 step 2.3). */
  readonly rarRequirement: (
    offenderId: number,
    disposalId: number
  ) => Effect.Effect<Option.Option<number>, DatabaseError>
  /** Whether a requirement's main category is F (RAR, §7.1 step 5c, §7.7). */
  readonly isRarRequirement: (requirementId: number) => Effect.Effect<boolean, DatabaseError>
  readonly eventForFtc: (eventId: number) => Effect.Effect<Option.Option<EventForFtc>, DatabaseError>
  readonly updateFtcCount: (eventId: number, count: number, ctx: WriteContext) => Effect.Effect<void, DatabaseError>
  readonly activeConvictions: (crn: string) => Effect.Effect<ReadonlyArray<Conviction>, DatabaseError>
  readonly conviction: (crn: string, eventId: number) => Effect.Effect<Option.Option<Conviction>, DatabaseError>
}

export class EventRepository extends Context.Tag("@ram-delius/core/EventRepository")<
  EventRepository,
  EventRepositoryShape
>() {
  static readonly make = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const convictionColumns = sql.literal(`e.EVENT_ID, e.CONVICTION_DATE, t.DESCRIPTION AS SENTENCE_DESCRIPTION,
      d.ENTERED_NOTIONAL_END_DATE, d.NOTIONAL_END_DATE, o.MAIN_CATEGORY_DESCRIPTION AS MAIN_CATEGORY,
      o.SUB_CATEGORY_DESCRIPTION AS SUB_CATEGORY, e.ACTIVE_FLAG AS EVENT_ACTIVE, d.ACTIVE_FLAG AS DISPOSAL_ACTIVE`)
    const convictionJoins = sql.literal(`FROM EVENT e
      JOIN OFFENDER p ON p.OFFENDER_ID = e.OFFENDER_ID
      JOIN DISPOSAL d ON d.EVENT_ID = e.EVENT_ID
      JOIN R_DISPOSAL_TYPE t ON t.DISPOSAL_TYPE_ID = d.DISPOSAL_TYPE_ID
      JOIN MAIN_OFFENCE mo ON mo.EVENT_ID = e.EVENT_ID
      JOIN R_OFFENCE o ON o.OFFENCE_ID = mo.OFFENCE_ID`)
    return EventRepository.of({
      disposalForEvent: (offenderId, eventId) =>
        findOne(
          "Event.disposalForEvent",
          Disposal
        )(
          sql`SELECT d.DISPOSAL_ID, d.EVENT_ID, t.DISPOSAL_TYPE_CODE
              FROM DISPOSAL d JOIN EVENT e ON e.EVENT_ID = d.EVENT_ID
              JOIN R_DISPOSAL_TYPE t ON t.DISPOSAL_TYPE_ID = d.DISPOSAL_TYPE_ID
              WHERE e.OFFENDER_ID = ${offenderId} AND e.EVENT_ID = ${eventId}
              ORDER BY d.DISPOSAL_ID`
        ),
      rarRequirement: (offenderId, disposalId) =>
        findOne(
          "Event.rarRequirement",
          RequirementRow
        )(
          sql`SELECT r.RQMNT_ID FROM RQMNT r
              JOIN R_RQMNT_TYPE_MAIN_CATEGORY c ON c.RQMNT_TYPE_MAIN_CATEGORY_ID = r.RQMNT_TYPE_MAIN_CATEGORY_ID
              WHERE r.OFFENDER_ID = ${offenderId} AND r.DISPOSAL_ID = ${disposalId} AND r.SOFT_DELETED = 0 AND c.CODE = 'F'
              ORDER BY r.RQMNT_ID`
        ).pipe(Effect.map(Option.map((r) => r.rqmntId))),
      isRarRequirement: (requirementId) =>
        countOf("Event.isRarRequirement")(
          sql`SELECT COUNT(*) AS N FROM RQMNT r
              JOIN R_RQMNT_TYPE_MAIN_CATEGORY c ON c.RQMNT_TYPE_MAIN_CATEGORY_ID = r.RQMNT_TYPE_MAIN_CATEGORY_ID
              WHERE r.RQMNT_ID = ${requirementId} AND c.CODE = 'F'`
        ).pipe(Effect.map((n) => n > 0)),
      eventForFtc: (eventId) =>
        findOne(
          "Event.eventForFtc",
          EventForFtc
        )(
          sql`SELECT e.EVENT_ID, e.FTC_COUNT, e.BREACH_END, d.DISPOSAL_DATE, t.SENTENCE_TYPE, t.FTC_LIMIT
              FROM EVENT e LEFT JOIN DISPOSAL d ON d.EVENT_ID = e.EVENT_ID AND d.SOFT_DELETED = 0
              LEFT JOIN R_DISPOSAL_TYPE t ON t.DISPOSAL_TYPE_ID = d.DISPOSAL_TYPE_ID
              WHERE e.EVENT_ID = ${eventId}`
        ),
      updateFtcCount: (eventId, count, ctx) =>
        execute("Event.updateFtcCount")(
          sql`UPDATE EVENT SET FTC_COUNT = ${count}, ROW_VERSION = ROW_VERSION + 1, LAST_UPDATED_DATETIME = ${ctx.now},
              LAST_UPDATED_USER_ID = ${ctx.userId} WHERE EVENT_ID = ${eventId}`
        ),
      // §4.6 list filter: active, non-deleted event with an active, non-deleted disposal whose type is not 326
      // (committal for PSS breach) and a non-deleted main offence.
      activeConvictions: (crn) =>
        findAll(
          "Event.activeConvictions",
          Conviction
        )(
          sql`SELECT ${convictionColumns} ${convictionJoins}
              WHERE p.CRN = ${crn} AND p.SOFT_DELETED = 0 AND e.ACTIVE_FLAG = 1 AND e.SOFT_DELETED = 0
                AND d.ACTIVE_FLAG = 1 AND d.SOFT_DELETED = 0 AND t.DISPOSAL_TYPE_CODE <> '326' AND mo.SOFT_DELETED = 0
              ORDER BY e.EVENT_ID`
        ),
      conviction: (crn, eventId) =>
        findOne(
          "Event.conviction",
          Conviction
        )(
          sql`SELECT ${convictionColumns} ${convictionJoins} WHERE p.CRN = ${crn} AND p.SOFT_DELETED = 0 AND e.EVENT_ID = ${eventId}`
        )
    })
  })

  static readonly layer = Layer.effect(EventRepository, EventRepository.make)
}
