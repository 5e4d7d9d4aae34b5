import { Clock, Context, Effect, Layer, Option } from "effect"
import type { DatabaseError, DirectoryError } from "../errors.js"
import { BadRequest, NotFound } from "../errors.js"
import { EventRepository, type Conviction as ConvictionRow } from "../delius/repositories/EventRepository.js"
import { type Limitation, LimitedAccessRepository } from "../delius/repositories/LimitedAccessRepository.js"
import {
  type OfficeLocation as OfficeLocationRow,
  OrganisationRepository
} from "../delius/repositories/OrganisationRepository.js"
import { type Manager as ManagerRow, PersonRepository } from "../delius/repositories/PersonRepository.js"
import { UserRepository } from "../delius/repositories/UserRepository.js"
import { UserDirectory } from "../directory/UserDirectory.js"
import { londonDate, londonDateTime } from "../domain/index.js"
import type * as S from "./schemas.js"
import { traced } from "../telemetry/spans.js"

type ReadError = DatabaseError | DirectoryError

/** The read endpoints R&M and its UI use (spec §4.3–§4.11). Nulls are omitted from every result (§2.1). */
export interface CaseReadsShape {
  readonly responsibleOfficer: (crn: string) => Effect.Effect<S.ResponsibleOfficer, NotFound | ReadError>
  readonly identifiers: (crn: string) => Effect.Effect<S.Identifiers, ReadError>
  /** None → 404 with an empty body (§4.5). */
  readonly caseDetails: (crn: string) => Effect.Effect<Option.Option<S.CaseDetail>, ReadError>
  readonly convictions: (crn: string) => Effect.Effect<typeof S.Convictions.Type, NotFound | ReadError>
  readonly conviction: (crn: string, id: number) => Effect.Effect<typeof S.SingleConviction.Type, NotFound | ReadError>
  readonly officeLocations: Effect.Effect<ReadonlyArray<S.OfficeLocation>, NotFound | ReadError>
  readonly deliveryUnits: Effect.Effect<ReadonlyArray<S.DeliveryUnit>, ReadError>
  /** None → 404 with an empty body (§4.10). */
  readonly userDetails: (username: string) => Effect.Effect<Option.Option<S.UserDetails>, ReadError>
  readonly managedCases: (username: string) => Effect.Effect<S.ManagedCases, ReadError>
  readonly userAccess: (
    username: string,
    crns: ReadonlyArray<string>
  ) => Effect.Effect<S.UserAccess, BadRequest | ReadError>
}

/** Drop null and undefined properties (Jackson `non_null`, §2.1). */
export const compact = <A extends Record<string, unknown>>(value: A): Compact<A> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Compact<A>

type Nullish = null | undefined
export type Compact<A> = {
  [K in keyof A as Nullish extends A[K] ? never : null extends A[K] ? never : undefined extends A[K] ? never : K]: A[K]
} & {
  [K in keyof A as null extends A[K] ? K : undefined extends A[K] ? K : never]?: Exclude<A[K], Nullish>
}

const address = (a: {
  buildingName: string | null
  buildingNumber?: string | null
  addressNumber?: string | null
  streetName: string | null
  district: string | null
  townCity: string | null
  county: string | null
  postcode: string | null
}): S.OfficeLocation["address"] => {
  const result = compact({
    buildingName: a.buildingName,
    buildingNumber: a.buildingNumber ?? a.addressNumber ?? null,
    streetName: a.streetName,
    district: a.district,
    town: a.townCity,
    county: a.county,
    postcode: a.postcode
  })
  // Omitted when every part is null (§4.5, §4.7).
  return Object.keys(result).length === 0 ? undefined : result
}

const officeLocation = (row: OfficeLocationRow, withProvider: boolean): S.OfficeLocation =>
  compact({
    code: row.code,
    description: row.description ?? "",
    address: address(row),
    telephoneNumber: row.telephoneNumber,
    // §14: the /office-locations items carry their provider.
    provider: withProvider ? { code: row.providerCode, description: row.providerDescription ?? "" } : undefined
  })

/** What the reads use, resolved once, when the layer is built. */
const readServices = Effect.all({
  people: PersonRepository,
  events: EventRepository,
  organisation: OrganisationRepository,
  users: UserRepository,
  limitedAccess: LimitedAccessRepository,
  directory: UserDirectory
})
type ReadServices = Effect.Effect.Success<typeof readServices>

const today = Effect.map(Clock.currentTimeMillis, londonDate)

/** A manager of the person (§4.3); community managers' email and telephone come from LDAP for their username. */
const managerOf = ({ directory }: Pick<ReadServices, "directory">) =>
  Effect.fnUntraced(function* (row: ManagerRow, locations: ReadonlyArray<OfficeLocationRow>, fromDirectory: boolean) {
    const entry =
      fromDirectory && row.username !== null ? Option.getOrNull(yield* directory.findUser(row.username)) : null
    const managerResult: S.Manager = compact({
      code: row.officerCode,
      name: { forename: row.forename ?? "", surname: row.surname ?? "" },
      username: row.username,
      email: fromDirectory ? entry?.email : row.email,
      telephoneNumber: fromDirectory ? entry?.telephoneNumber : row.telephoneNumber,
      responsibleOfficer: row.responsibleOfficer > 0,
      pdu: row.pduCode === null ? null : { code: row.pduCode, description: row.pduDescription ?? "" },
      team:
        row.teamCode === null
          ? null
          : compact({
              code: row.teamCode,
              description: row.teamDescription ?? "",
              email: row.teamEmail,
              telephoneNumber: row.teamTelephone
            }),
      // The Manager object also omits empty lists (§2.1).
      officeLocations: locations.length === 0 ? null : locations.map((l) => officeLocation(l, false)),
      unallocated: row.officerCode.endsWith("U")
    })
    return managerResult
  })

/** §4.5: the person's details, profile and contact details; none for an unknown CRN. */
const caseDetailsOf = ({ people }: Pick<ReadServices, "people">) =>
  Effect.fnUntraced(function* (crn: string) {
    const person = yield* people.findDetail(crn)
    if (Option.isNone(person)) return Option.none<S.CaseDetail>()
    const p = person.value
    const disabilities = yield* people.disabilities(p.offenderId, yield* today)
    const main = yield* people.mainAddress(p.offenderId)
    const blank = (s: string | null) => s === null || s.trim() === ""
    const profile =
      blank(p.language) && blank(p.ethnicity) && blank(p.religion) && disabilities.length === 0
        ? undefined
        : compact({
            primaryLanguage: p.language,
            ethnicity: p.ethnicity,
            religion: p.religion,
            disabilities: disabilities.map((d) =>
              compact({ type: d.type ?? "", startDate: d.startDate, notes: d.notes })
            )
          })
    const detail: S.CaseDetail = compact({
      crn: p.crn,
      name: { forename: p.firstName ?? "", surname: p.surname ?? "" },
      dateOfBirth: p.dateOfBirthDate,
      gender: p.gender,
      profile,
      contactDetails: compact({
        noFixedAbode: Option.isSome(main) && main.value.noFixedAbode === "Y",
        mainAddress: Option.isSome(main) ? address({ ...main.value }) : undefined,
        emailAddress: p.eMailAddress,
        telephoneNumber: p.telephoneNumber,
        mobileNumber: p.mobileNumber
      })
    })
    return Option.some(detail)
  })

const conviction = (row: ConvictionRow): S.Conviction =>
  compact({
    id: row.eventId,
    date: row.convictionDate,
    sentence: compact({
      description: row.sentenceDescription ?? "",
      expectedEndDate: row.enteredNotionalEndDate ?? row.notionalEndDate
    }),
    mainOffence: { category: row.mainCategory ?? "", subCategory: row.subCategory ?? "" },
    active: row.eventActive === 1 && row.disposalActive === 1
  })

/** The person reads (§4.3–§4.6). */
const personReads = (services: ReadServices) => {
  const { events, organisation, people } = services
  const manager = managerOf(services)
  const caseDetails = caseDetailsOf(services)
  const requireCase = (crn: string) =>
    Effect.flatMap(
      caseDetails(crn),
      Option.match({ onNone: () => Effect.fail(NotFound.of("Person", "crn", crn)), onSome: Effect.succeed })
    )
  return {
    responsibleOfficer: Effect.fnUntraced(function* (crn: string) {
      const [community] = yield* people.communityManagers(crn)
      if (community === undefined) return yield* NotFound.of("Person", "crn", crn)
      const locations =
        community.teamId === null ? [] : yield* organisation.teamOfficeLocations(community.teamId, yield* today)
      const communityManager = yield* manager(community, locations, true)
      let prisonManager: S.Manager | undefined
      // The prison manager is only looked up when the community manager is not the responsible officer (§4.3).
      if (!communityManager.responsibleOfficer) {
        const person = yield* people.findByCrn(crn)
        if (Option.isSome(person)) {
          const [prison] = yield* people.prisonManagers(person.value.offenderId)
          if (prison !== undefined) prisonManager = yield* manager(prison, [], false)
        }
      }
      return compact({ communityManager, prisonManager })
    }, traced("CaseReads.responsibleOfficer")),
    identifiers: Effect.fnUntraced(function* (crn: string) {
      const person = yield* people.findByCrn(crn)
      return compact({ crn, nomsId: Option.isSome(person) ? person.value.nomsNumber : null })
    }, traced("CaseReads.identifiers")),
    caseDetails: (crn: string) => caseDetails(crn).pipe(traced("CaseReads.caseDetails")),
    convictions: Effect.fnUntraced(function* (crn: string) {
      const caseDetail = yield* requireCase(crn)
      return { caseDetail, convictions: (yield* events.activeConvictions(crn)).map(conviction) }
    }, traced("CaseReads.convictions")),
    conviction: Effect.fnUntraced(function* (crn: string, id: number) {
      const caseDetail = yield* requireCase(crn)
      const row = yield* events.conviction(crn, id)
      if (Option.isNone(row)) return yield* new NotFound({ message: `Event ${id} not found for ${crn}` })
      return { caseDetail, conviction: conviction(row.value) }
    }, traced("CaseReads.conviction"))
  } satisfies Partial<CaseReadsShape>
}

/** The organisation reads (§4.7, §4.8). */
const organisationReads = ({ organisation }: Pick<ReadServices, "organisation">) =>
  ({
    // One Effect, built when the layer is (eslint.config.mjs: not a generator function made per call).
    // eslint-disable-next-line no-restricted-syntax
    officeLocations: Effect.gen(function* () {
      if (Option.isNone(yield* organisation.providerId("CRS"))) return yield* NotFound.of("Provider", "code", "CRS")
      return (yield* organisation.providerOfficeLocations("CRS", yield* today)).map((l) => officeLocation(l, true))
    }).pipe(traced("CaseReads.officeLocations")),
    deliveryUnits: Effect.map(organisation.selectableDeliveryUnits, (rows) =>
      rows.map((r) => ({
        code: r.code,
        description: r.description ?? "",
        region: { code: r.regionCode, description: r.regionDescription ?? "" }
      }))
    ).pipe(traced("CaseReads.deliveryUnits"))
  }) satisfies Partial<CaseReadsShape>

/**
 * §4.11: a known user is excluded by their own exclusion, restricted unless a restriction lists them; an unknown user
 * is excluded/restricted by any current exclusion/restriction.
 */
const accessOf = (crn: string, userId: Option.Option<number>, limitations: ReadonlyArray<Limitation>) => {
  const mine = limitations.filter((l) => l.crn === crn)
  const exclusions = mine.filter((l) => l.kind === "E")
  const restrictions = mine.filter((l) => l.kind === "R")
  const excluded = Option.match(userId, {
    onNone: () => exclusions.length > 0,
    onSome: (id) => exclusions.some((e) => e.userId === id)
  })
  const restricted = Option.match(userId, {
    onNone: () => restrictions.length > 0,
    onSome: (id) => restrictions.length > 0 && !restrictions.some((r) => r.userId === id)
  })
  return compact({
    crn,
    userExcluded: excluded,
    userRestricted: restricted,
    exclusionMessage: excluded ? mine[0]?.exclusionMessage : null,
    restrictionMessage: restricted ? mine[0]?.restrictionMessage : null
  })
}

/** The user reads (§4.9–§4.11). */
const userReads = ({
  directory,
  limitedAccess,
  users
}: Pick<ReadServices, "directory" | "limitedAccess" | "users">) => {
  // §4.10: a path value starting with a digit is a USER_ID when such a user exists, else the raw value.
  const resolveUsername = (value: string) =>
    /^\d+$/.test(value) && Number.isSafeInteger(Number(value))
      ? Effect.map(
          users.usernameById(Number(value)),
          Option.getOrElse(() => value)
        )
      : Effect.succeed(value)
  return {
    userDetails: Effect.fnUntraced(function* (value: string) {
      const username = yield* resolveUsername(value)
      const entry = yield* directory.findUser(username)
      return Option.map(entry, (u) =>
        compact({
          username: u.username,
          name: { forename: u.forename ?? "", surname: u.surname ?? "" },
          email: u.email
        })
      )
    }, traced("CaseReads.userDetails")),
    managedCases: Effect.fnUntraced(function* (value: string) {
      const username = yield* resolveUsername(value)
      return { managedCases: (yield* users.managedCases(username)).map((crn) => ({ crn })) }
    }, traced("CaseReads.managedCases")),
    userAccess: Effect.fnUntraced(function* (value: string, crns: ReadonlyArray<string>) {
      // §14: an empty list or more than 500 CRNs is a 400 with this exact message.
      if (crns.length < 1 || crns.length > 500) {
        return yield* new BadRequest({ message: "userAccessCheck.crns: Please provide between 1 and 500 crns" })
      }
      const username = yield* resolveUsername(value)
      const userId = yield* users.userIdByUsername(username)
      const now = londonDateTime(yield* Clock.currentTimeMillis)
      const limitations = yield* limitedAccess.currentLimitations([...new Set(crns)], now)
      return { access: crns.map((crn) => accessOf(crn, userId, limitations)) }
    }, traced("CaseReads.userAccess"))
  } satisfies Partial<CaseReadsShape>
}

export class CaseReads extends Context.Tag("@ram-delius/core/CaseReads")<CaseReads, CaseReadsShape>() {
  /** The reads' services, resolved once, when the layer is built. */
  static readonly make = Effect.map(readServices, (services) =>
    CaseReads.of({ ...personReads(services), ...organisationReads(services), ...userReads(services) })
  )

  static readonly layer = Layer.effect(CaseReads, CaseReads.make)
}
