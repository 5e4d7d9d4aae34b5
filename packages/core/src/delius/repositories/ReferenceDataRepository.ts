import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { DatabaseError } from "../../errors.js"
import { referenceCache } from "../cache.js"
import { findOne } from "../query.js"

/** Delius reference data: the codes of spec §§6–8 (contact types, outcomes, NSI types/statuses/outcomes, …). */
export const ContactType = Schema.Struct({
  contactTypeId: Schema.Number,
  code: Schema.String,
  nationalStandardsContact: Schema.String,
  attendanceContact: Schema.String
})
export type ContactType = typeof ContactType.Type

export const ContactOutcome = Schema.Struct({
  contactOutcomeTypeId: Schema.Number,
  code: Schema.String,
  outcomeAttendance: Schema.NullOr(Schema.String),
  outcomeCompliantAcceptable: Schema.NullOr(Schema.String)
})
export type ContactOutcome = typeof ContactOutcome.Type

export const EnforcementAction = Schema.Struct({
  enforcementActionId: Schema.Number,
  code: Schema.String,
  description: Schema.NullOr(Schema.String),
  responseByPeriod: Schema.NullOr(Schema.Number),
  contactTypeId: Schema.NullOr(Schema.Number)
})
export type EnforcementAction = typeof EnforcementAction.Type

export const NsiStatus = Schema.Struct({
  nsiStatusId: Schema.Number,
  code: Schema.String,
  contactTypeId: Schema.NullOr(Schema.Number)
})
export type NsiStatus = typeof NsiStatus.Type

export const IdAndCode = Schema.Struct({ id: Schema.Number, code: Schema.String })
export const ReferenceListEntry = Schema.Struct({
  id: Schema.Number,
  code: Schema.String,
  description: Schema.NullOr(Schema.String)
})
export type ReferenceListEntry = typeof ReferenceListEntry.Type

const BusinessInteractionRow = Schema.Struct({ id: Schema.Number })

export interface ReferenceDataRepositoryShape {
  readonly contactType: (code: string) => Effect.Effect<Option.Option<ContactType>, DatabaseError>
  readonly contactOutcome: (code: string) => Effect.Effect<Option.Option<ContactOutcome>, DatabaseError>
  readonly enforcementAction: (code: string) => Effect.Effect<Option.Option<EnforcementAction>, DatabaseError>
  readonly nsiType: (code: string) => Effect.Effect<Option.Option<typeof IdAndCode.Type>, DatabaseError>
  readonly nsiStatus: (code: string) => Effect.Effect<Option.Option<NsiStatus>, DatabaseError>
  /** A `R_STANDARD_REFERENCE_LIST` row of a dataset (`R_REFERENCE_DATA_MASTER.CODE_SET_NAME`), e.g. NSI OUTCOME. */
  readonly referenceData: (
    dataset: string,
    code: string
  ) => Effect.Effect<Option.Option<ReferenceListEntry>, DatabaseError>
  readonly businessInteractionId: (code: string, now: string) => Effect.Effect<Option.Option<number>, DatabaseError>
}

export class ReferenceDataRepository extends Context.Tag("@ram-delius/core/ReferenceDataRepository")<
  ReferenceDataRepository,
  ReferenceDataRepositoryShape
>() {
  static readonly make = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return ReferenceDataRepository.of({
      contactType: referenceCache((code: string) =>
        findOne(
          "ReferenceData.contactType",
          ContactType
        )(
          sql`SELECT CONTACT_TYPE_ID, CODE, NATIONAL_STANDARDS_CONTACT, ATTENDANCE_CONTACT FROM R_CONTACT_TYPE WHERE CODE = ${code}`
        )
      ),
      contactOutcome: referenceCache((code: string) =>
        findOne(
          "ReferenceData.contactOutcome",
          ContactOutcome
        )(
          sql`SELECT CONTACT_OUTCOME_TYPE_ID, CODE, OUTCOME_ATTENDANCE, OUTCOME_COMPLIANT_ACCEPTABLE FROM R_CONTACT_OUTCOME_TYPE WHERE CODE = ${code}`
        )
      ),
      enforcementAction: referenceCache((code: string) =>
        findOne(
          "ReferenceData.enforcementAction",
          EnforcementAction
        )(
          sql`SELECT ENFORCEMENT_ACTION_ID, CODE, DESCRIPTION, RESPONSE_BY_PERIOD, CONTACT_TYPE_ID FROM R_ENFORCEMENT_ACTION WHERE CODE = ${code}`
        )
      ),
      nsiType: referenceCache((code: string) =>
        findOne(
          "ReferenceData.nsiType",
          IdAndCode
        )(sql`SELECT NSI_TYPE_ID AS ID, CODE FROM R_NSI_TYPE WHERE CODE = ${code}`)
      ),
      nsiStatus: referenceCache((code: string) =>
        findOne(
          "ReferenceData.nsiStatus",
          NsiStatus
        )(sql`SELECT NSI_STATUS_ID, CODE, CONTACT_TYPE_ID FROM R_NSI_STATUS WHERE CODE = ${code}`)
      ),
      referenceData: (dataset, code) =>
        findOne(
          "ReferenceData.referenceData",
          ReferenceListEntry
        )(
          sql`SELECT l.STANDARD_REFERENCE_LIST_ID AS ID, l.CODE_VALUE AS CODE, l.CODE_DESCRIPTION AS DESCRIPTION
              FROM R_STANDARD_REFERENCE_LIST l JOIN R_REFERENCE_DATA_MASTER m ON m.REFERENCE_DATA_MASTER_ID = l.REFERENCE_DATA_MASTER_ID
              WHERE m.CODE_SET_NAME = ${dataset} AND l.CODE_VALUE = ${code}
              ORDER BY l.STANDARD_REFERENCE_LIST_ID`
        ),
      // Cached by code: an interaction enabled at `now` stays enabled (ENABLED_DATE <= now only becomes truer). It is
      // looked up for the audit row of every request (§8).
      businessInteractionId: referenceCache((code: string, now: string) =>
        findOne(
          "ReferenceData.businessInteraction",
          BusinessInteractionRow
        )(
          sql`SELECT BUSINESS_INTERACTION_ID AS ID FROM BUSINESS_INTERACTION
              WHERE BUSINESS_INTERACTION_CODE = ${code} AND (ENABLED_DATE IS NULL OR ENABLED_DATE <= ${now})`
        ).pipe(Effect.map(Option.map((r) => r.id)))
      )
    })
  })

  static readonly layer = Layer.effect(ReferenceDataRepository, ReferenceDataRepository.make)
}
