import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import type { DatabaseError } from "../../errors.js"
import { Dialect } from "../dialect.js"
import { countOf, execute } from "../query.js"
import { insertAuditColumns, nextId, type WriteContext } from "./common.js"

/** `ENFORCEMENT` rows: the enforcement action taken on a non-compliant appointment (§7.6). */
export interface NewEnforcement {
  readonly contactId: number
  readonly enforcementActionId: number
  readonly responseDate: string | null
  readonly actionTakenDate: string
  readonly actionTakenTime: string
}

export interface EnforcementRepositoryShape {
  readonly existsForContact: (contactId: number) => Effect.Effect<boolean, DatabaseError>
  readonly insert: (enforcement: NewEnforcement, ctx: WriteContext) => Effect.Effect<number, DatabaseError>
}

export class EnforcementRepository extends Context.Tag("@ram-delius/core/EnforcementRepository")<
  EnforcementRepository,
  EnforcementRepositoryShape
>() {
  static readonly make = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const dialect = yield* Dialect
    return EnforcementRepository.of({
      existsForContact: (contactId) =>
        countOf("Enforcement.existsForContact")(
          sql`SELECT COUNT(*) AS N FROM ENFORCEMENT WHERE CONTACT_ID = ${contactId} AND SOFT_DELETED = 0`
        ).pipe(Effect.map((n) => n > 0)),
      insert: Effect.fnUntraced(function* (enforcement, ctx) {
        const id = yield* nextId(sql, dialect, "ENFORCEMENT_ID_SEQ")
        yield* execute("Enforcement.insert")(
          sql`INSERT INTO ENFORCEMENT ${sql.insert({
            ENFORCEMENT_ID: id,
            CONTACT_ID: enforcement.contactId,
            ENFORCEMENT_ACTION_ID: enforcement.enforcementActionId,
            RESPONSE_DATE: enforcement.responseDate,
            ACTION_TAKEN_DATE: enforcement.actionTakenDate,
            ACTION_TAKEN_TIME: enforcement.actionTakenTime,
            PARTITION_AREA_ID: 0,
            SOFT_DELETED: 0,
            ...insertAuditColumns(ctx)
          })}`
        )
        return id
      })
    })
  })

  static readonly layer = Layer.effect(EnforcementRepository, EnforcementRepository.make)
}
