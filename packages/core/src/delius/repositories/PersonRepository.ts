import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { type DatabaseError } from "../../errors.js"
import { toDatabaseError } from "../database.js"
import { Dialect } from "../dialect.js"
import { findAll, findOne, StoredDate } from "../query.js"

/** The person (`OFFENDER`) aggregate: identity, personal details, addresses, disabilities and managers (§4.3–§4.5). */
export const Person = Schema.Struct({
  offenderId: Schema.Number,
  crn: Schema.String,
  nomsNumber: Schema.NullOr(Schema.String)
})
export type Person = typeof Person.Type

export const PersonDetail = Schema.Struct({
  offenderId: Schema.Number,
  crn: Schema.String,
  firstName: Schema.NullOr(Schema.String),
  surname: Schema.NullOr(Schema.String),
  dateOfBirthDate: Schema.NullOr(StoredDate),
  telephoneNumber: Schema.NullOr(Schema.String),
  mobileNumber: Schema.NullOr(Schema.String),
  eMailAddress: Schema.NullOr(Schema.String),
  gender: Schema.NullOr(Schema.String),
  ethnicity: Schema.NullOr(Schema.String),
  language: Schema.NullOr(Schema.String),
  religion: Schema.NullOr(Schema.String)
})
export type PersonDetail = typeof PersonDetail.Type

export const Address = Schema.Struct({
  buildingName: Schema.NullOr(Schema.String),
  addressNumber: Schema.NullOr(Schema.String),
  streetName: Schema.NullOr(Schema.String),
  district: Schema.NullOr(Schema.String),
  townCity: Schema.NullOr(Schema.String),
  county: Schema.NullOr(Schema.String),
  postcode: Schema.NullOr(Schema.String),
  noFixedAbode: Schema.NullOr(Schema.String)
})
export type Address = typeof Address.Type

export const Disability = Schema.Struct({
  type: Schema.NullOr(Schema.String),
  startDate: Schema.NullOr(StoredDate),
  notes: Schema.NullOr(Schema.String)
})
export type Disability = typeof Disability.Type

/** A manager (community or prison) with staff, team and PDU, as §4.3 needs it. */
export const Manager = Schema.Struct({
  managerId: Schema.Number,
  officerCode: Schema.String,
  forename: Schema.NullOr(Schema.String),
  surname: Schema.NullOr(Schema.String),
  username: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  telephoneNumber: Schema.NullOr(Schema.String),
  teamId: Schema.NullOr(Schema.Number),
  teamCode: Schema.NullOr(Schema.String),
  teamDescription: Schema.NullOr(Schema.String),
  teamEmail: Schema.NullOr(Schema.String),
  teamTelephone: Schema.NullOr(Schema.String),
  pduCode: Schema.NullOr(Schema.String),
  pduDescription: Schema.NullOr(Schema.String),
  responsibleOfficer: Schema.Number
})
export type Manager = typeof Manager.Type

export interface PersonRepositoryShape {
  /** Lock the person's row for the rest of the transaction (dialect-specific); None when there is no such person. */
  readonly lock: (crn: string) => Effect.Effect<Option.Option<number>, DatabaseError>
  readonly findByCrn: (crn: string) => Effect.Effect<Option.Option<Person>, DatabaseError>
  readonly findDetail: (crn: string) => Effect.Effect<Option.Option<PersonDetail>, DatabaseError>
  readonly mainAddress: (offenderId: number) => Effect.Effect<Option.Option<Address>, DatabaseError>
  readonly disabilities: (offenderId: number, today: string) => Effect.Effect<ReadonlyArray<Disability>, DatabaseError>
  readonly communityManagers: (crn: string) => Effect.Effect<ReadonlyArray<Manager>, DatabaseError>
  readonly prisonManagers: (offenderId: number) => Effect.Effect<ReadonlyArray<Manager>, DatabaseError>
}

export class PersonRepository extends Context.Tag("@ram-delius/core/PersonRepository")<
  PersonRepository,
  PersonRepositoryShape
>() {
  static readonly make = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const dialect = yield* Dialect
    const description = (column: string, alias: string) =>
      sql.literal(
        `(SELECT CODE_DESCRIPTION FROM R_STANDARD_REFERENCE_LIST WHERE STANDARD_REFERENCE_LIST_ID = o.${column}) AS ${alias}`
      )
    return PersonRepository.of({
      // The dialect names the statement's span (Person.lock).
      lock: (crn) => dialect.lockPerson(sql, crn).pipe(Effect.mapError(toDatabaseError("Person.lock"))),
      findByCrn: (crn) =>
        findOne(
          "Person.findByCrn",
          Person
        )(sql`SELECT OFFENDER_ID, CRN, NOMS_NUMBER FROM OFFENDER WHERE CRN = ${crn} AND SOFT_DELETED = 0`),
      findDetail: (crn) =>
        findOne(
          "Person.findDetail",
          PersonDetail
        )(
          sql`SELECT o.OFFENDER_ID, o.CRN, o.FIRST_NAME, o.SURNAME, o.DATE_OF_BIRTH_DATE, o.TELEPHONE_NUMBER, o.MOBILE_NUMBER,
                     o.E_MAIL_ADDRESS, ${description("GENDER_ID", "GENDER")}, ${description("ETHNICITY_ID", "ETHNICITY")},
                     ${description("LANGUAGE_ID", "LANGUAGE")}, ${description("RELIGION_ID", "RELIGION")}
              FROM OFFENDER o WHERE o.CRN = ${crn} AND o.SOFT_DELETED = 0`
        ),
      // §4.5: first non-deleted, non-ended address with status M (unordered in the reference; ordered here by id so
      // the answer is stable).
      mainAddress: (offenderId) =>
        findOne(
          "Person.mainAddress",
          Address
        )(
          sql`SELECT a.BUILDING_NAME, a.ADDRESS_NUMBER, a.STREET_NAME, a.DISTRICT, a.TOWN_CITY, a.COUNTY, a.POSTCODE, a.NO_FIXED_ABODE
              FROM OFFENDER_ADDRESS a JOIN R_STANDARD_REFERENCE_LIST s ON s.STANDARD_REFERENCE_LIST_ID = a.ADDRESS_STATUS_ID
              WHERE a.OFFENDER_ID = ${offenderId} AND a.SOFT_DELETED = 0 AND a.END_DATE IS NULL AND s.CODE_VALUE = 'M'
              ORDER BY a.OFFENDER_ADDRESS_ID`
        ),
      disabilities: (offenderId, today) =>
        findAll(
          "Person.disabilities",
          Disability
        )(
          sql`SELECT s.CODE_DESCRIPTION AS TYPE, d.START_DATE, d.NOTES
              FROM DISABILITY d LEFT JOIN R_STANDARD_REFERENCE_LIST s ON s.STANDARD_REFERENCE_LIST_ID = d.DISABILITY_TYPE_ID
              WHERE d.OFFENDER_ID = ${offenderId} AND d.SOFT_DELETED = 0 AND (d.FINISH_DATE IS NULL OR d.FINISH_DATE > ${today})
              ORDER BY d.DISABILITY_ID`
        ),
      communityManagers: (crn) =>
        findAll(
          "Person.communityManagers",
          Manager
        )(
          sql`SELECT m.OFFENDER_MANAGER_ID AS MANAGER_ID, s.OFFICER_CODE, s.FORENAME, s.SURNAME,
                     (SELECT MIN(u.DISTINGUISHED_NAME) FROM USER_ u WHERE u.STAFF_ID = s.STAFF_ID) AS USERNAME,
                     NULL AS EMAIL, NULL AS TELEPHONE_NUMBER,
                     t.TEAM_ID, t.CODE AS TEAM_CODE, t.DESCRIPTION AS TEAM_DESCRIPTION, t.EMAIL_ADDRESS AS TEAM_EMAIL,
                     t.TELEPHONE AS TEAM_TELEPHONE, b.CODE AS PDU_CODE, b.DESCRIPTION AS PDU_DESCRIPTION,
                     (SELECT COUNT(*) FROM RESPONSIBLE_OFFICER r WHERE r.OFFENDER_MANAGER_ID = m.OFFENDER_MANAGER_ID AND r.END_DATE IS NULL) AS RESPONSIBLE_OFFICER
              FROM OFFENDER_MANAGER m
              JOIN OFFENDER o ON o.OFFENDER_ID = m.OFFENDER_ID
              JOIN STAFF s ON s.STAFF_ID = m.ALLOCATION_STAFF_ID
              LEFT JOIN TEAM t ON t.TEAM_ID = m.TEAM_ID
              LEFT JOIN DISTRICT d ON d.DISTRICT_ID = t.DISTRICT_ID
              LEFT JOIN BOROUGH b ON b.BOROUGH_ID = d.BOROUGH_ID
              WHERE o.CRN = ${crn} AND o.SOFT_DELETED = 0 AND m.ACTIVE_FLAG = 1 AND m.SOFT_DELETED = 0`
        ),
      prisonManagers: (offenderId) =>
        findAll(
          "Person.prisonManagers",
          Manager
        )(
          sql`SELECT m.PRISON_OFFENDER_MANAGER_ID AS MANAGER_ID, s.OFFICER_CODE, s.FORENAME, s.SURNAME, NULL AS USERNAME,
                     m.EMAIL_ADDRESS AS EMAIL, m.TELEPHONE_NUMBER,
                     t.TEAM_ID, t.CODE AS TEAM_CODE, t.DESCRIPTION AS TEAM_DESCRIPTION, t.EMAIL_ADDRESS AS TEAM_EMAIL,
                     t.TELEPHONE AS TEAM_TELEPHONE, b.CODE AS PDU_CODE, b.DESCRIPTION AS PDU_DESCRIPTION,
                     (SELECT COUNT(*) FROM RESPONSIBLE_OFFICER r WHERE r.PRISON_OFFENDER_MANAGER_ID = m.PRISON_OFFENDER_MANAGER_ID AND r.END_DATE IS NULL) AS RESPONSIBLE_OFFICER
              FROM PRISON_OFFENDER_MANAGER m
              JOIN STAFF s ON s.STAFF_ID = m.ALLOCATION_STAFF_ID
              LEFT JOIN TEAM t ON t.TEAM_ID = m.ALLOCATION_TEAM_ID
              LEFT JOIN DISTRICT d ON d.DISTRICT_ID = t.DISTRICT_ID
              LEFT JOIN BOROUGH b ON b.BOROUGH_ID = d.BOROUGH_ID
              WHERE m.OFFENDER_ID = ${offenderId} AND m.ACTIVE_FLAG = 1 AND m.SOFT_DELETED = 0`
        )
    })
  })

  static readonly layer = Layer.effect(PersonRepository, PersonRepository.make)
}
