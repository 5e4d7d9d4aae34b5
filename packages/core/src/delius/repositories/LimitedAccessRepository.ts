import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Schema } from "effect"
import type { DatabaseError } from "../../errors.js"
import { findAll } from "../query.js"

/** Exclusions and restrictions (limited-access offenders, §3.3, §4.11). */
export const Limitation = Schema.Struct({
  crn: Schema.String,
  kind: Schema.Literal("E", "R"),
  userId: Schema.Number,
  exclusionMessage: Schema.NullOr(Schema.String),
  restrictionMessage: Schema.NullOr(Schema.String)
})
export type Limitation = typeof Limitation.Type

export interface LimitedAccessRepositoryShape {
  /** Current (end null or after now) exclusions and restrictions of the given CRNs. */
  readonly currentLimitations: (
    crns: ReadonlyArray<string>,
    now: string
  ) => Effect.Effect<ReadonlyArray<Limitation>, DatabaseError>
}

export class LimitedAccessRepository extends Context.Tag("@ram-delius/core/LimitedAccessRepository")<
  LimitedAccessRepository,
  LimitedAccessRepositoryShape
>() {
  static readonly make = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return LimitedAccessRepository.of({
      currentLimitations: (crns, now) =>
        crns.length === 0
          ? Effect.succeed([])
          : findAll(
              "LimitedAccess.currentLimitations",
              Limitation
            )(
              sql`SELECT o.CRN, 'E' AS KIND, x.USER_ID, o.EXCLUSION_MESSAGE, o.RESTRICTION_MESSAGE
                  FROM EXCLUSION x JOIN OFFENDER o ON o.OFFENDER_ID = x.OFFENDER_ID
                  WHERE o.CRN IN ${sql.in(crns)} AND o.SOFT_DELETED = 0 AND (x.EXCLUSION_END_TIME IS NULL OR x.EXCLUSION_END_TIME > ${now})
                  UNION ALL
                  SELECT o.CRN, 'R' AS KIND, r.USER_ID, o.EXCLUSION_MESSAGE, o.RESTRICTION_MESSAGE
                  FROM RESTRICTION r JOIN OFFENDER o ON o.OFFENDER_ID = r.OFFENDER_ID
                  WHERE o.CRN IN ${sql.in(crns)} AND o.SOFT_DELETED = 0 AND (r.RESTRICTION_END_TIME IS NULL OR r.RESTRICTION_END_TIME > ${now})`
            )
    })
  })

  static readonly layer = Layer.effect(LimitedAccessRepository, LimitedAccessRepository.make)
}
