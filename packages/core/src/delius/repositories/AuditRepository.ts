import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import type { DatabaseError } from "../../errors.js"
import { execute } from "../query.js"

/** `AUDITED_INTERACTION` rows (spec §8.3). */
export interface AuditedInteraction {
  readonly businessInteractionId: number
  readonly userId: number
  readonly dateTime: string
  readonly outcome: "P" | "F"
  /** `key='value'` pairs joined by `,`, at most 500 characters. */
  readonly parameters: string
}

export interface AuditRepositoryShape {
  readonly insert: (interaction: AuditedInteraction) => Effect.Effect<void, DatabaseError>
}

export class AuditRepository extends Context.Tag("@ram-delius/core/AuditRepository")<
  AuditRepository,
  AuditRepositoryShape
>() {
  static readonly make = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return AuditRepository.of({
      insert: (interaction) =>
        execute("Audit.insert")(
          sql`INSERT INTO AUDITED_INTERACTION ${sql.insert({
            BUSINESS_INTERACTION_ID: interaction.businessInteractionId,
            USER_ID: interaction.userId,
            DATE_TIME: interaction.dateTime,
            OUTCOME: interaction.outcome,
            INTERACTION_PARAMETERS: interaction.parameters.slice(0, 500)
          })}`
        )
    })
  })

  static readonly layer = Layer.effect(AuditRepository, AuditRepository.make)
}
