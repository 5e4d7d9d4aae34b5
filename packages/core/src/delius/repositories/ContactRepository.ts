import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { DatabaseError } from "../../errors.js"
import { toDatabaseError } from "../database.js"
import { Dialect } from "../dialect.js"
import { countOf, execute, findAll, findOne, StoredDate, StoredTimestamp } from "../query.js"
import { definedOnly, insertAuditColumns, nextId, type WriteContext } from "./common.js"
import { ContactId, NsiId } from "../../domain/index.js"

/** The contact aggregate: `CONTACT` with its type and outcome (spec §7, §8.1, §8.4). */
export const Contact = Schema.Struct({
  contactId: ContactId,
  offenderId: Schema.Number,
  crn: Schema.String,
  contactTypeId: Schema.Number,
  contactTypeCode: Schema.String,
  contactDate: StoredDate,
  contactStartTime: Schema.NullOr(StoredTimestamp),
  contactEndTime: Schema.NullOr(StoredTimestamp),
  attended: Schema.NullOr(Schema.String),
  complied: Schema.NullOr(Schema.String),
  contactOutcomeTypeId: Schema.NullOr(Schema.Number),
  outcomeCode: Schema.NullOr(Schema.String),
  hoursCredited: Schema.NullOr(Schema.Number),
  latestEnforcementActionId: Schema.NullOr(Schema.Number),
  enforcement: Schema.NullOr(Schema.Number),
  eventId: Schema.NullOr(Schema.Number),
  nsiId: Schema.NullOr(NsiId),
  probationAreaId: Schema.NullOr(Schema.Number),
  teamId: Schema.NullOr(Schema.Number),
  staffId: Schema.NullOr(Schema.Number),
  officeLocationId: Schema.NullOr(Schema.Number),
  rarActivity: Schema.NullOr(Schema.String),
  linkedContactId: Schema.NullOr(Schema.Number),
  externalReference: Schema.NullOr(Schema.String),
  notes: Schema.NullOr(Schema.String),
  rowVersion: Schema.Number
})
export type Contact = typeof Contact.Type

export interface NewContact {
  readonly offenderId: number
  readonly contactTypeId: number
  readonly contactDate: string
  readonly contactStartTime: string
  readonly contactEndTime?: string | null
  readonly eventId: number | null
  readonly nsiId: NsiId | null
  readonly probationAreaId: number
  readonly teamId: number
  readonly staffId: number
  readonly officeLocationId?: number | null
  readonly rarActivity?: "Y" | "N" | null
  readonly linkedContactId?: number | null
  readonly externalReference?: string | null
  readonly notes?: string | null
}

/**
 * The row an insert wrote, built from the inserted values and the allocated id rather than read back: Oracle gives no
 * `INSERT … RETURNING` result set through @effect/sql, and every column not inserted has a known value on a new row
 * (no outcome, no enforcement, ROW_VERSION 0, §8.2). `crn` and `contactTypeCode` are the caller's, who chose them.
 */
export const insertedContact = (
  contactId: ContactId,
  contact: NewContact,
  joined: { readonly crn: string; readonly contactTypeCode: string }
): Contact => ({
  contactId,
  offenderId: contact.offenderId,
  crn: joined.crn,
  contactTypeId: contact.contactTypeId,
  contactTypeCode: joined.contactTypeCode,
  contactDate: contact.contactDate,
  contactStartTime: contact.contactStartTime,
  contactEndTime: contact.contactEndTime ?? null,
  attended: null,
  complied: null,
  contactOutcomeTypeId: null,
  outcomeCode: null,
  hoursCredited: null,
  latestEnforcementActionId: null,
  enforcement: null,
  eventId: contact.eventId,
  nsiId: contact.nsiId,
  probationAreaId: contact.probationAreaId,
  teamId: contact.teamId,
  staffId: contact.staffId,
  officeLocationId: contact.officeLocationId ?? null,
  rarActivity: contact.rarActivity ?? null,
  linkedContactId: contact.linkedContactId ?? null,
  externalReference: contact.externalReference ?? null,
  notes: contact.notes ?? null,
  rowVersion: 0
})

export interface ContactChanges {
  readonly officeLocationId?: number | null
  readonly notes?: string | null
  readonly externalReference?: string | null
  readonly contactOutcomeTypeId?: number | null
  readonly attended?: string | null
  readonly complied?: string | null
  readonly hoursCredited?: number | null
  readonly rarActivity?: "Y" | "N"
  readonly latestEnforcementActionId?: number
  readonly enforcement?: number
}

export const ClashCandidate = Schema.Struct({
  externalReference: Schema.NullOr(Schema.String),
  contactStartTime: Schema.NullOr(StoredTimestamp),
  contactEndTime: Schema.NullOr(StoredTimestamp)
})

export const FtcContact = Schema.Struct({
  contactDate: StoredDate,
  complied: Schema.NullOr(Schema.String),
  nationalStandardsContact: Schema.String,
  softDeleted: Schema.Number
})

export const RarContact = Schema.Struct({
  contactDate: StoredDate,
  rarActivity: Schema.NullOr(Schema.String),
  softDeleted: Schema.Number,
  attended: Schema.NullOr(Schema.String),
  complied: Schema.NullOr(Schema.String)
})

const NotesRow = Schema.Struct({ notes: Schema.NullOr(Schema.String) })
const ReviewRow = Schema.Struct({ contactDate: StoredDate, outcomeId: Schema.NullOr(Schema.Number) })
const SoftDeletedRow = Schema.Struct({ softDeleted: Schema.Number })

export interface ContactRepositoryShape {
  /** Non-deleted contact of the person with this external reference (§7.1 step 5a). */
  readonly findByCrnAndUrn: (crn: string, urn: string) => Effect.Effect<Option.Option<Contact>, DatabaseError>
  /** Non-deleted contact by id, whoever it belongs to (the caller checks ownership — decision Q4). */
  readonly findById: (contactId: ContactId) => Effect.Effect<Option.Option<Contact>, DatabaseError>
  readonly insert: (contact: NewContact, ctx: WriteContext) => Effect.Effect<ContactId, DatabaseError>
  readonly update: (
    contactId: ContactId,
    changes: ContactChanges,
    ctx: WriteContext
  ) => Effect.Effect<void, DatabaseError>
  /** Same person, same date, attendance-contact types, not deleted, no outcome (§7.2 SQL part). */
  readonly clashCandidates: (
    offenderId: number,
    contactDate: string
  ) => Effect.Effect<ReadonlyArray<typeof ClashCandidate.Type>, DatabaseError>
  /**
   * §6.5: bulk-withdraw the NSI's future CRS appointments without an outcome (outcome APPW, attended N, complied Y);
   * like the reference's bulk update it does not touch ROW_VERSION or the last-updated columns. Returns rows changed.
   */
  readonly withdrawFutureAppointments: (
    nsiId: NsiId,
    today: string,
    outcome: { id: number; attended: string | null; complied: string | null }
  ) => Effect.Effect<number, DatabaseError>
  /** Whether a contact of a type exists for the NSI on a date with notes containing a text (idempotency, §5.5, §6.5). */
  readonly existsNsiNote: (
    nsiId: NsiId,
    contactTypeCode: string,
    contactDate: string,
    containing: string
  ) => Effect.Effect<boolean, DatabaseError>
  readonly ftcContacts: (eventId: number) => Effect.Effect<ReadonlyArray<typeof FtcContact.Type>, DatabaseError>
  readonly reviewContacts: (
    eventId: number,
    contactTypeCode: string
  ) => Effect.Effect<ReadonlyArray<{ readonly contactDate: string; readonly outcomeId: number | null }>, DatabaseError>
  readonly rarContacts: (nsiId: NsiId) => Effect.Effect<ReadonlyArray<typeof RarContact.Type>, DatabaseError>
  /**
   * §7.7 `NSI.RAR_COUNT`, counted by the database: distinct contact dates of the NSI's contacts with `RAR_ACTIVITY`='Y',
   * not soft deleted, `ATTENDED` and `COMPLIED` each null or 'Y' — the rule of `rules/rar.ts` without fetching the rows.
   */
  readonly rarDayCount: (nsiId: NsiId) => Effect.Effect<number, DatabaseError>
  /** §7.5 reason: the soft-deleted flag of a contact matched by CRN + URN or id, soft-deleted rows included. */
  readonly softDeletedFlag: (
    crn: string,
    urn: string,
    contactId: number
  ) => Effect.Effect<Option.Option<number>, DatabaseError>
}

type Sql = SqlClient.SqlClient
type DialectShape = typeof Dialect.Service

/** The contact reads (§7.1, §7.2, §7.5–§7.7). */
const contactReads = (sql: Sql, dialect: DialectShape) => {
  const select = sql.literal(`SELECT c.CONTACT_ID, c.OFFENDER_ID, o.CRN, c.CONTACT_TYPE_ID, t.CODE AS CONTACT_TYPE_CODE,
    c.CONTACT_DATE, c.CONTACT_START_TIME, c.CONTACT_END_TIME, c.ATTENDED, c.COMPLIED, c.CONTACT_OUTCOME_TYPE_ID,
    oc.CODE AS OUTCOME_CODE, c.HOURS_CREDITED, c.LATEST_ENFORCEMENT_ACTION_ID, c.ENFORCEMENT, c.EVENT_ID, c.NSI_ID,
    c.PROBATION_AREA_ID, c.TEAM_ID, c.STAFF_ID, c.OFFICE_LOCATION_ID, c.RAR_ACTIVITY, c.LINKED_CONTACT_ID,
    c.EXTERNAL_REFERENCE, c.NOTES, c.ROW_VERSION
    FROM CONTACT c JOIN OFFENDER o ON o.OFFENDER_ID = c.OFFENDER_ID
    JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
    LEFT JOIN R_CONTACT_OUTCOME_TYPE oc ON oc.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID`)
  const rarDate = sql.literal(dialect.dateOnly("CONTACT_DATE"))
  return {
    findByCrnAndUrn: (crn, urn) =>
      findOne(
        "Contact.findByCrnAndUrn",
        Contact
      )(
        sql`${select} WHERE o.CRN = ${crn} AND c.EXTERNAL_REFERENCE = ${urn} AND c.SOFT_DELETED = 0 ORDER BY c.CONTACT_ID`
      ),
    findById: (contactId) =>
      findOne("Contact.findById", Contact)(sql`${select} WHERE c.CONTACT_ID = ${contactId} AND c.SOFT_DELETED = 0`),
    clashCandidates: (offenderId, contactDate) =>
      findAll(
        "Contact.clashCandidates",
        ClashCandidate
      )(
        sql`SELECT c.EXTERNAL_REFERENCE, c.CONTACT_START_TIME, c.CONTACT_END_TIME
            FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
            WHERE c.OFFENDER_ID = ${offenderId} AND t.ATTENDANCE_CONTACT = 'Y' AND c.CONTACT_DATE = ${contactDate}
              AND c.SOFT_DELETED = 0 AND c.CONTACT_OUTCOME_TYPE_ID IS NULL`
      ),
    existsNsiNote: (nsiId, contactTypeCode, contactDate, containing) =>
      findAll(
        "Contact.existsNsiNote",
        NotesRow
      )(
        sql`SELECT c.NOTES FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
            WHERE c.NSI_ID = ${nsiId} AND t.CODE = ${contactTypeCode} AND c.CONTACT_DATE = ${contactDate} AND c.SOFT_DELETED = 0`
      ).pipe(Effect.map((rows) => rows.some((r) => r.notes?.includes(containing) ?? false))),
    ftcContacts: (eventId) =>
      findAll(
        "Contact.ftcContacts",
        FtcContact
      )(
        sql`SELECT c.CONTACT_DATE, c.COMPLIED, t.NATIONAL_STANDARDS_CONTACT, c.SOFT_DELETED
            FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
            WHERE c.EVENT_ID = ${eventId} AND c.SOFT_DELETED = 0 AND c.COMPLIED = 'N' AND t.NATIONAL_STANDARDS_CONTACT = 'Y'`
      ),
    reviewContacts: (eventId, contactTypeCode) =>
      findAll(
        "Contact.reviewContacts",
        ReviewRow
      )(
        sql`SELECT c.CONTACT_DATE, c.CONTACT_OUTCOME_TYPE_ID AS OUTCOME_ID
            FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
            WHERE c.EVENT_ID = ${eventId} AND t.CODE = ${contactTypeCode} AND c.SOFT_DELETED = 0`
      ),
    rarContacts: (nsiId) =>
      findAll(
        "Contact.rarContacts",
        RarContact
      )(
        sql`SELECT CONTACT_DATE, RAR_ACTIVITY, SOFT_DELETED, ATTENDED, COMPLIED FROM CONTACT
            WHERE NSI_ID = ${nsiId} AND RAR_ACTIVITY = 'Y' AND SOFT_DELETED = 0`
      ),
    rarDayCount: (nsiId) =>
      countOf("Contact.rarDayCount")(
        sql`SELECT COUNT(DISTINCT ${rarDate}) AS N FROM CONTACT
            WHERE NSI_ID = ${nsiId} AND RAR_ACTIVITY = 'Y' AND SOFT_DELETED = 0
              AND (ATTENDED IS NULL OR ATTENDED = 'Y') AND (COMPLIED IS NULL OR COMPLIED = 'Y')`
      ),
    softDeletedFlag: (crn, urn, contactId) =>
      findOne(
        "Contact.softDeletedFlag",
        SoftDeletedRow
      )(
        sql`SELECT c.SOFT_DELETED FROM CONTACT c JOIN OFFENDER o ON o.OFFENDER_ID = c.OFFENDER_ID
            WHERE (o.CRN = ${crn} AND c.EXTERNAL_REFERENCE = ${urn}) OR c.CONTACT_ID = ${contactId}
            ORDER BY c.SOFT_DELETED, c.CONTACT_ID`
      ).pipe(Effect.map(Option.map((r) => r.softDeleted)))
  } satisfies Partial<ContactRepositoryShape>
}

/** The contact writes: insert, update (§8.2 audit columns and ROW_VERSION) and the §6.5 bulk withdrawal. */
const contactWrites = (sql: Sql, dialect: DialectShape) =>
  ({
    insert: Effect.fnUntraced(function* (contact, ctx) {
      const id = yield* nextId(sql, dialect, "CONTACT_ID_SEQ")
      yield* execute("Contact.insert")(
        sql`INSERT INTO CONTACT ${sql.insert({
          CONTACT_ID: id,
          OFFENDER_ID: contact.offenderId,
          CONTACT_TYPE_ID: contact.contactTypeId,
          CONTACT_DATE: contact.contactDate,
          CONTACT_START_TIME: contact.contactStartTime,
          CONTACT_END_TIME: contact.contactEndTime ?? null,
          EVENT_ID: contact.eventId,
          NSI_ID: contact.nsiId,
          PROBATION_AREA_ID: contact.probationAreaId,
          TEAM_ID: contact.teamId,
          STAFF_ID: contact.staffId,
          OFFICE_LOCATION_ID: contact.officeLocationId ?? null,
          RAR_ACTIVITY: contact.rarActivity ?? null,
          LINKED_CONTACT_ID: contact.linkedContactId ?? null,
          EXTERNAL_REFERENCE: contact.externalReference ?? null,
          NOTES: contact.notes ?? null,
          SOFT_DELETED: 0,
          PARTITION_AREA_ID: 0,
          ...insertAuditColumns(ctx)
        })}`
      )
      return ContactId.make(id)
    }),
    update: (contactId, changes, ctx) => {
      const set = definedOnly({
        OFFICE_LOCATION_ID: changes.officeLocationId,
        NOTES: changes.notes,
        EXTERNAL_REFERENCE: changes.externalReference,
        CONTACT_OUTCOME_TYPE_ID: changes.contactOutcomeTypeId,
        ATTENDED: changes.attended,
        COMPLIED: changes.complied,
        HOURS_CREDITED: changes.hoursCredited,
        RAR_ACTIVITY: changes.rarActivity,
        LATEST_ENFORCEMENT_ACTION_ID: changes.latestEnforcementActionId,
        ENFORCEMENT: changes.enforcement
      })
      if (Object.keys(set).length === 0) return Effect.void
      return execute("Contact.update")(
        sql`UPDATE CONTACT SET ${sql.update(set)}, ROW_VERSION = ROW_VERSION + 1, LAST_UPDATED_DATETIME = ${ctx.now},
            LAST_UPDATED_USER_ID = ${ctx.userId} WHERE CONTACT_ID = ${contactId}`
      )
    },
    withdrawFutureAppointments: (nsiId, today, outcome) =>
      dialect
        .affectedRows(
          sql,
          sql`UPDATE CONTACT SET CONTACT_OUTCOME_TYPE_ID = ${outcome.id}, ATTENDED = ${outcome.attended},
            COMPLIED = ${outcome.complied}
          WHERE NSI_ID = ${nsiId} AND CONTACT_OUTCOME_TYPE_ID IS NULL AND CONTACT_DATE >= ${today}
            AND CONTACT_TYPE_ID IN (SELECT CONTACT_TYPE_ID FROM R_CONTACT_TYPE WHERE CODE IN ('CRSAPT', 'CRSSAA'))`,
          "Contact.withdrawFutureAppointments"
        )
        .pipe(Effect.mapError(toDatabaseError("Contact.withdrawFutureAppointments")))
  }) satisfies Partial<ContactRepositoryShape>

export class ContactRepository extends Context.Tag("@ram-delius/core/ContactRepository")<
  ContactRepository,
  ContactRepositoryShape
>() {
  static readonly make = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const dialect = yield* Dialect
    return ContactRepository.of({ ...contactReads(sql, dialect), ...contactWrites(sql, dialect) })
  })

  static readonly layer = Layer.effect(ContactRepository, ContactRepository.make)
}
