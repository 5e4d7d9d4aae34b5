import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { DatabaseError } from "../../errors.js"
import { referenceCache } from "../cache.js"
import { findAll, findOne } from "../query.js"

/** Providers (`PROBATION_AREA`), PDUs (`BOROUGH`), teams, staff and office locations (§4.7, §4.8, §6.1). */
export const IdOnly = Schema.Struct({ id: Schema.Number })

export const OfficeLocation = Schema.Struct({
  officeLocationId: Schema.Number,
  code: Schema.String,
  description: Schema.NullOr(Schema.String),
  buildingName: Schema.NullOr(Schema.String),
  buildingNumber: Schema.NullOr(Schema.String),
  streetName: Schema.NullOr(Schema.String),
  district: Schema.NullOr(Schema.String),
  townCity: Schema.NullOr(Schema.String),
  county: Schema.NullOr(Schema.String),
  postcode: Schema.NullOr(Schema.String),
  telephoneNumber: Schema.NullOr(Schema.String),
  providerCode: Schema.String,
  providerDescription: Schema.NullOr(Schema.String)
})
export type OfficeLocation = typeof OfficeLocation.Type

export const DeliveryUnit = Schema.Struct({
  code: Schema.String,
  description: Schema.NullOr(Schema.String),
  regionCode: Schema.String,
  regionDescription: Schema.NullOr(Schema.String)
})
export type DeliveryUnit = typeof DeliveryUnit.Type

export interface OrganisationRepositoryShape {
  readonly providerId: (code: string) => Effect.Effect<Option.Option<number>, DatabaseError>
  readonly teamId: (code: string) => Effect.Effect<Option.Option<number>, DatabaseError>
  readonly staffId: (officerCode: string) => Effect.Effect<Option.Option<number>, DatabaseError>
  /** Active locations with this code, any provider (provider and location end dates null or after today, §7.1 step 4). */
  readonly activeOfficeLocations: (
    code: string,
    today: string
  ) => Effect.Effect<ReadonlyArray<OfficeLocation>, DatabaseError>
  /** Active locations of a provider (§4.7). */
  readonly providerOfficeLocations: (
    providerCode: string,
    today: string
  ) => Effect.Effect<ReadonlyArray<OfficeLocation>, DatabaseError>
  /** Active locations linked to a team through `TEAM_OFFICE_LOCATION` (§4.3, §13 item 2). */
  readonly teamOfficeLocations: (
    teamId: number,
    today: string
  ) => Effect.Effect<ReadonlyArray<OfficeLocation>, DatabaseError>
  readonly selectableDeliveryUnits: Effect.Effect<ReadonlyArray<DeliveryUnit>, DatabaseError>
}

export class OrganisationRepository extends Context.Tag("@ram-delius/core/OrganisationRepository")<
  OrganisationRepository,
  OrganisationRepositoryShape
>() {
  static readonly make = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const id = (
      operation: string,
      statement: Effect.Effect<ReadonlyArray<unknown>, import("@effect/sql").SqlError.SqlError>
    ) => findOne(operation, IdOnly)(statement).pipe(Effect.map(Option.map((r) => r.id)))
    const location =
      sql.literal(`SELECT l.OFFICE_LOCATION_ID, l.CODE, l.DESCRIPTION, l.BUILDING_NAME, l.BUILDING_NUMBER,
      l.STREET_NAME, l.DISTRICT, l.TOWN_CITY, l.COUNTY, l.POSTCODE, l.TELEPHONE_NUMBER, p.CODE AS PROVIDER_CODE,
      p.DESCRIPTION AS PROVIDER_DESCRIPTION
      FROM OFFICE_LOCATION l JOIN PROBATION_AREA p ON p.PROBATION_AREA_ID = l.PROBATION_AREA_ID`)
    const active = (today: string) =>
      sql`(p.END_DATE IS NULL OR p.END_DATE > ${today}) AND (l.END_DATE IS NULL OR l.END_DATE > ${today})`
    const activeLocations = referenceCache((_key: string, code: string, today: string) =>
      findAll(
        "Organisation.activeOfficeLocations",
        OfficeLocation
      )(sql`${location} WHERE l.CODE = ${code} AND ${active(today)} ORDER BY l.OFFICE_LOCATION_ID`).pipe(
        Effect.map((rows) => (rows.length === 0 ? Option.none() : Option.some(rows)))
      )
    )
    return OrganisationRepository.of({
      // Cached: the CRS provider/team/staff of §6.1 are looked up on every write.
      providerId: referenceCache((code: string) =>
        id("Organisation.providerId", sql`SELECT PROBATION_AREA_ID AS ID FROM PROBATION_AREA WHERE CODE = ${code}`)
      ),
      teamId: referenceCache((code: string) =>
        id("Organisation.teamId", sql`SELECT TEAM_ID AS ID FROM TEAM WHERE CODE = ${code}`)
      ),
      staffId: referenceCache((code: string) =>
        id("Organisation.staffId", sql`SELECT STAFF_ID AS ID FROM STAFF WHERE OFFICER_CODE = ${code}`)
      ),
      // Cached per code and day (a location's END_DATE is a day): every appointment names one (§7.1 step 4). Only a
      // code that has active locations is cached, so an unknown code is looked up (and reported) every time.
      activeOfficeLocations: (code, today) =>
        activeLocations(`${today} ${code}`, code, today).pipe(Effect.map(Option.getOrElse(() => []))),
      providerOfficeLocations: (providerCode, today) =>
        findAll(
          "Organisation.providerOfficeLocations",
          OfficeLocation
        )(sql`${location} WHERE p.CODE = ${providerCode} AND ${active(today)} ORDER BY l.CODE, l.OFFICE_LOCATION_ID`),
      teamOfficeLocations: (teamId, today) =>
        findAll(
          "Organisation.teamOfficeLocations",
          OfficeLocation
        )(
          sql`${location} JOIN TEAM_OFFICE_LOCATION tl ON tl.OFFICE_LOCATION_ID = l.OFFICE_LOCATION_ID
              WHERE tl.TEAM_ID = ${teamId} AND (l.END_DATE IS NULL OR l.END_DATE > ${today}) ORDER BY l.CODE`
        ),
      selectableDeliveryUnits: findAll(
        "Organisation.selectableDeliveryUnits",
        DeliveryUnit
      )(
        sql`SELECT b.CODE, b.DESCRIPTION, p.CODE AS REGION_CODE, p.DESCRIPTION AS REGION_DESCRIPTION
            FROM BOROUGH b JOIN PROBATION_AREA p ON p.PROBATION_AREA_ID = b.PROBATION_AREA_ID
            WHERE b.SELECTABLE = 'Y' ORDER BY b.CODE`
      )
    })
  })

  static readonly layer = Layer.effect(OrganisationRepository, OrganisationRepository.make)
}
