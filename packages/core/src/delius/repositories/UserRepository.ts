import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { DatabaseError } from "../../errors.js"
import { findAll, findOne } from "../query.js"

/** Delius users (`USER_`) — the audit user, username ↔ id resolution and managed cases (§4.9, §4.10, §8.2). */
const UserIdRow = Schema.Struct({ userId: Schema.Number })
const UsernameRow = Schema.Struct({ distinguishedName: Schema.String })
const CrnRow = Schema.Struct({ crn: Schema.String })

export interface UserRepositoryShape {
  /** `USER_ID` of a username, compared case-insensitively. */
  readonly userIdByUsername: (username: string) => Effect.Effect<Option.Option<number>, DatabaseError>
  readonly usernameById: (userId: number) => Effect.Effect<Option.Option<string>, DatabaseError>
  /** Distinct CRNs managed by the user's staff through active, non-deleted offender managers (§4.9). */
  readonly managedCases: (username: string) => Effect.Effect<ReadonlyArray<string>, DatabaseError>
}

export class UserRepository extends Context.Tag("@ram-delius/core/UserRepository")<
  UserRepository,
  UserRepositoryShape
>() {
  static readonly make = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return UserRepository.of({
      userIdByUsername: (username) =>
        findOne(
          "User.userIdByUsername",
          UserIdRow
        )(sql`SELECT USER_ID FROM USER_ WHERE UPPER(DISTINGUISHED_NAME) = UPPER(${username}) ORDER BY USER_ID`).pipe(
          Effect.map(Option.map((r) => r.userId))
        ),
      usernameById: (userId) =>
        findOne(
          "User.usernameById",
          UsernameRow
        )(sql`SELECT DISTINGUISHED_NAME FROM USER_ WHERE USER_ID = ${userId}`).pipe(
          Effect.map(Option.map((r) => r.distinguishedName))
        ),
      managedCases: (username) =>
        findAll(
          "User.managedCases",
          CrnRow
        )(
          sql`SELECT DISTINCT o.CRN FROM OFFENDER o
              JOIN OFFENDER_MANAGER m ON m.OFFENDER_ID = o.OFFENDER_ID
              JOIN USER_ u ON u.STAFF_ID = m.ALLOCATION_STAFF_ID
              WHERE UPPER(u.DISTINGUISHED_NAME) = UPPER(${username}) AND m.ACTIVE_FLAG = 1 AND m.SOFT_DELETED = 0
                AND o.SOFT_DELETED = 0
              ORDER BY o.CRN`
        ).pipe(Effect.map((rows) => rows.map((r) => r.crn)))
    })
  })

  static readonly layer = Layer.effect(UserRepository, UserRepository.make)
}
