import { Context, Effect, Layer } from "effect"
import { inPersonTransaction, writeContext } from "../delius/DeliusContext.js"
import { ContactRepository } from "../delius/repositories/ContactRepository.js"
import { ReferenceDataRepository } from "../delius/repositories/ReferenceDataRepository.js"
import { require } from "../delius/require.js"
import { type DatabaseError, type InconsistentData, type NotFound, Unprocessable } from "../errors.js"
import { findReferralNsi, insertNsiContact } from "../referral/nsiContacts.js"
import { referralUrn } from "../domain/index.js"
import { appendNotes } from "../rules/index.js"
import { type Instant, londonDateTime } from "../domain/index.js"
import { traced } from "../telemetry/spans.js"

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

export interface ActionPlanShape {
  /** Unprocessable when the referral's NSI cannot be found; InconsistentData (with telemetry) for two of them. */
  readonly record: (
    event: ActionPlanEvent
  ) => Effect.Effect<void, NotFound | Unprocessable | InconsistentData | DatabaseError>
}

export class ActionPlan extends Context.Tag("@ram-delius/core/ActionPlan")<ActionPlan, ActionPlanShape>() {
  /** The services `record`'s steps read, taken from the layer's context once (derived from `record`, not listed). */
  static readonly make = Effect.gen(function* () {
    const context = yield* Effect.context<Effect.Effect.Context<ReturnType<typeof record>>>()
    return { record: (event) => Effect.provide(record(event), context) } satisfies ActionPlanShape
  })

  static readonly layer = Layer.effect(ActionPlan, ActionPlan.make)
}

/** §5.5: one CRSNOTE contact per NSI, day and type ("Action Plan Submitted|Approved"); not audited. */
const record = Effect.fnUntraced(function* (event: ActionPlanEvent) {
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
}, traced("ActionPlan.record"))
