/**
 * Audited business interactions (spec §8.3): NIBI009 MANAGE_NSI, CLBI003 ADD_CONTACT, CLBI007 UPDATE_CONTACT.
 * Parameters are collected while the operation runs (in insertion order) and one `AUDITED_INTERACTION` row is written
 * afterwards in its own transaction, outcome 'P' on success and 'F' on failure. Like the reference, a failure to
 * audit never affects the operation — it is logged.
 */

import { Effect, Exit, Option } from "effect"
import { DeliusUser, type DeliusUserShape, now } from "../delius/DeliusContext.js"
import { AuditRepository, type AuditRepositoryShape } from "../delius/repositories/AuditRepository.js"
import {
  ReferenceDataRepository,
  type ReferenceDataRepositoryShape
} from "../delius/repositories/ReferenceDataRepository.js"

export type BusinessInteraction = "NIBI009" | "CLBI003" | "CLBI007"

export interface AuditParameters {
  readonly set: (key: string, value: string | number) => Effect.Effect<void>
}

/** What auditing reads: the audit table, the business interactions (reference data) and the Delius user. */
export interface AuditServices {
  readonly audits: AuditRepositoryShape
  readonly reference: ReferenceDataRepositoryShape
  readonly user: DeliusUserShape
}

/** `operation` audited as `code`, with services from the context (the workflows pass theirs: `auditedWith`). */
export const audited = <A, E, R>(
  code: BusinessInteraction,
  operation: (parameters: AuditParameters) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | AuditRepository | ReferenceDataRepository | DeliusUser> =>
  Effect.flatMap(
    Effect.all({ audits: AuditRepository, reference: ReferenceDataRepository, user: DeliusUser }),
    (services) => auditedWith(services, code, operation)
  )

export const auditedWith = <A, E, R>(
  services: AuditServices,
  code: BusinessInteraction,
  operation: (parameters: AuditParameters) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  // The parameters are this run's own (made per run by `suspend`), set from its one fiber: a plain array, not a Ref.
  Effect.suspend(() => {
    let collected: ReadonlyArray<readonly [string, string]> = []
    const parameters: AuditParameters = {
      set: (key, value) =>
        Effect.sync(() => {
          collected = [...collected.filter(([k]) => k !== key), [key, String(value)] as const]
        })
    }
    return Effect.flatMap(Effect.exit(operation(parameters)), (exit) =>
      Effect.zipRight(writeAudit(services, code, Exit.isSuccess(exit) ? "P" : "F", collected), exit)
    )
  })

const writeAudit = Effect.fnUntraced(
  function* (
    { audits, reference, user }: AuditServices,
    code: BusinessInteraction,
    outcome: "P" | "F",
    entries: ReadonlyArray<readonly [string, string]>
  ) {
    const n = yield* now
    const interaction = yield* reference.businessInteractionId(code, n.dateTime)
    if (Option.isNone(interaction)) {
      return yield* Effect.logWarning(`Business interaction ${code} is not enabled in Delius; not audited`)
    }
    yield* audits.insert({
      businessInteractionId: interaction.value,
      userId: user.userId,
      dateTime: n.dateTime,
      outcome,
      parameters: entries.map(([k, v]) => `${k}='${v}'`).join(",")
    })
  },
  // No span of its own: its one statement is one already (Audit.insert), and with telemetry exported each span is
  // one more record sent per request.
  Effect.catchAll((error) => Effect.logError("Failed to write AUDITED_INTERACTION", error))
)
