/**
 * Example (a): another HMPPS service uses core's pure rules and the `Appointment.merge` workflow, with a repository
 * layer of its own. Here the team decorates the contact repository to publish every contact it inserts (e.g. to its
 * own outbox), while everything else comes from core's SQL layers.
 */
import {
  Appointment,
  ContactRepository,
  Database,
  makeCoreLayer,
  MergeAppointment,
  Rules,
  Telemetry,
  UserDirectory
} from "@ram-delius/core"
import { Effect, Layer, Option, Schema } from "effect"

/** Pure rules need no database: e.g. which NSI type a contract gets, and what outcome a feedback maps to. */
export const describeRules = () => ({
  nsiType: Option.getOrNull(Rules.nsiTypeForContractType("FBD-L")),
  outcome: Rules.outcomeCodeFor({ attended: "YES", didSessionHappen: true, noSessionReasonType: null, notify: false })
})

/** The team's own repository layer: core's SQL contact repository, decorated. */
export const publishingContactRepository = (published: Array<number>) =>
  Layer.effect(
    ContactRepository,
    Effect.map(ContactRepository.make, (base) =>
      ContactRepository.of({
        ...base,
        insert: (contact, ctx) => Effect.tap(base.insert(contact, ctx), (id) => Effect.sync(() => published.push(id)))
      })
    )
  )

/** Book an appointment through core, with the decorated repository in place of core's own. */
export const bookAppointment = (databaseUrl: string, crn: string, body: unknown, published: Array<number>) =>
  Effect.gen(function* () {
    const request = yield* Schema.decodeUnknown(MergeAppointment)(body)
    const appointments = yield* Appointment
    return yield* appointments.merge(crn, request)
  }).pipe(Effect.provide(appointmentsWithOwnRepository(databaseUrl, published)), Effect.scoped)

/** Core's wiring with the team's contact repository in place of core's own (`repositories` option). */
export const appointmentsWithOwnRepository = (databaseUrl: string, published: Array<number>) =>
  makeCoreLayer({
    database: Database.layerFromUrl(databaseUrl),
    telemetry: Telemetry.logLayer,
    directory: UserDirectory.embedded(),
    repositories: publishingContactRepository(published)
  })
