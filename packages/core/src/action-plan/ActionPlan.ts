import type { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import { DeliusUser, inPersonTransaction, writeContext } from "../delius/DeliusContext.js"
import { ContactRepository } from "../delius/repositories/ContactRepository.js"
import { NsiRepository } from "../delius/repositories/NsiRepository.js"
import type { OrganisationRepository } from "../delius/repositories/OrganisationRepository.js"
import type { PersonRepository } from "../delius/repositories/PersonRepository.js"
import { ReferenceDataRepository } from "../delius/repositories/ReferenceDataRepository.js"
import { require } from "../delius/require.js"
import { Unprocessable } from "../errors.js"
import { findReferralNsi, insertNsiContact } from "../referral/nsiContacts.js"
import { referralUrn } from "../domain/index.js"
import { appendNotes } from "../rules/index.js"
import type { Telemetry } from "../telemetry/Telemetry.js"
import { type Instant, londonDateTime } from "../domain/index.js"

/** An action plan submitted or approved in R&M (spec §5.5). */
export interface ActionPlanEvent {
  readonly type: "Submitted" | "Approved"
  readonly crn: string
  readonly occurredAt: Instant
  readonly referralId: string
  readonly referralReference: string
  readonly contractTypeName: string
  readonly primeProviderName: string
  readonly actionPlanProbationUserUrl: string
}

type Dependencies =
  | SqlClient.SqlClient
  | PersonRepository
  | NsiRepository
  | ContactRepository
  | ReferenceDataRepository
  | OrganisationRepository
  | DeliusUser
  // Inconsistent Delius data (two NSIs for the referral) is reported as telemetry too.
  | Telemetry

export class ActionPlan extends Context.Tag("@ram-delius/core/ActionPlan")<
  ActionPlan,
  { readonly record: (event: ActionPlanEvent) => Effect.Effect<void, ActionPlanError> }
>() {
  static readonly layer = Layer.effect(
    ActionPlan,
    Effect.map(Effect.context<Dependencies>(), (context) => ({
      record: (event: ActionPlanEvent) => record(event).pipe(Effect.provide(context))
    }))
  )
}

export type ActionPlanError = Effect.Effect.Error<ReturnType<typeof record>>

/** §5.5: one CRSNOTE contact per NSI, day and type ("Action Plan Submitted|Approved"); not audited. */
const record = Effect.fn("ActionPlan.record")(function* (event: ActionPlanEvent) {
  const unableToFind = () =>
    new Unprocessable({
      message: "Unable to find referral for action plan notification",
      properties: { crn: event.crn, referralId: event.referralId }
    })
  yield* inPersonTransaction(
    event.crn,
    () =>
      Effect.gen(function* () {
        const contacts = yield* ContactRepository
        const reference = yield* ReferenceDataRepository
        const ctx = yield* writeContext
        const nsi = yield* findReferralNsi(event.crn, referralUrn(event.referralId))
        if (nsi === undefined) return yield* unableToFind()
        const occurredAt = londonDateTime(event.occurredAt.epochMillis)
        const marker = `Action Plan ${event.type}`
        if (yield* contacts.existsNsiNote(nsi.nsiId, "CRSNOTE", occurredAt.slice(0, 10), marker)) return
        const note = yield* reference.contactType("CRSNOTE").pipe(require("ContactType", "code", "CRSNOTE"))
        const text = `${marker} for ${event.contractTypeName} Referral ${event.referralReference} with Prime Provider ${event.primeProviderName}\n${event.actionPlanProbationUserUrl}`
        yield* insertNsiContact(nsi, note.contactTypeId, occurredAt, appendNotes(null, text), ctx)
      }),
    Effect.failSync(unableToFind)
  )
})
