import { Context, Effect, Layer, Option } from "effect"
import type { WriteContext } from "../delius/repositories/common.js"
import { require } from "../delius/require.js"
import { type DatabaseError, type InconsistentData, type NotFound, Unprocessable } from "../errors.js"
import { findReferralNsi, insertNsiContact } from "../referral/nsiContacts.js"
import { referralUrn } from "../domain/index.js"
import { appendNotes } from "../rules/index.js"
import { type Instant, londonDateTime } from "../domain/index.js"
import { personWorkflow, type WorkflowServices, workflowServices } from "../workflows/personWorkflow.js"

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
  /** The workflow's services, resolved once, when the layer is built (personWorkflow.ts). */
  static readonly make = Effect.gen(function* () {
    const services = yield* workflowServices
    return {
      // §5.5: not audited.
      record: (event) =>
        personWorkflow(
          services,
          "ActionPlan.record",
          event.crn,
          { personNotFound: Effect.failSync(() => unableToFind(event)) },
          ({ ctx }) => record(services, event, ctx)
        )
    } satisfies ActionPlanShape
  })

  static readonly layer = Layer.effect(ActionPlan, ActionPlan.make)
}

const unableToFind = (event: ActionPlanEvent) =>
  new Unprocessable({
    message: "Unable to find referral for action plan notification",
    properties: { crn: event.crn, referralId: event.referralId }
  })

/** §5.5: one CRSNOTE contact per NSI, day and type ("Action Plan Submitted|Approved"). */
const record = Effect.fnUntraced(function* (services: WorkflowServices, event: ActionPlanEvent, ctx: WriteContext) {
  const { contacts, reference } = services
  const nsi = yield* findReferralNsi(services, event.crn, referralUrn(event.referralId))
  if (Option.isNone(nsi)) return yield* unableToFind(event)
  const occurredAt = londonDateTime(event.occurredAt.epochMillis)
  const marker = `Action Plan ${event.type}`
  if (yield* contacts.existsNsiNote(nsi.value.nsiId, "CRSNOTE", occurredAt.slice(0, 10), marker)) return
  const note = yield* reference.contactType("CRSNOTE").pipe(require("ContactType", "code", "CRSNOTE"))
  const text = `${marker} for ${event.contractTypeName} Referral ${event.referralReference} with Prime Provider ${event.primeProviderName}\n${event.actionPlanProbationUserUrl}`
  yield* insertNsiContact(services, nsi.value, note.contactTypeId, occurredAt, appendNotes(null, text), ctx)
})
