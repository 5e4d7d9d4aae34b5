import { SqlClient, SqlError } from "@effect/sql"
import { Clock, Config, Context, Effect, Layer, Option } from "effect"
import { DatabaseError, NotFound } from "../errors.js"
import { londonDate, londonDateTime } from "../domain/index.js"
import { describeFailure } from "../describe.js"
import type { WriteContext } from "./repositories/common.js"
import { PersonRepository, type PersonRepositoryShape } from "./repositories/PersonRepository.js"
import { UserRepository } from "./repositories/UserRepository.js"

/**
 * The Delius user this service writes as (spec §8.2): `USER_.USER_ID` of `DELIUS_DB_USERNAME`
 * (default `ReferAndMonitorAndDelius`), resolved once at start-up — start-up fails when it is absent.
 */
export interface DeliusUserShape {
  readonly userId: number
  readonly username: string
}

export class DeliusUser extends Context.Tag("@ram-delius/core/DeliusUser")<DeliusUser, DeliusUserShape>() {
  static readonly layer = Layer.effect(
    DeliusUser,
    Effect.gen(function* () {
      const username = yield* Config.string("DELIUS_DB_USERNAME").pipe(Config.withDefault("ReferAndMonitorAndDelius"))
      const users = yield* UserRepository
      const userId = yield* users.userIdByUsername(username)
      if (Option.isNone(userId)) {
        return yield* new DatabaseError({
          operation: "resolve Delius user",
          message: `No USER_ row has DISTINGUISHED_NAME ${username} (DELIUS_DB_USERNAME); the service cannot attribute its writes`
        })
      }
      return { userId: userId.value, username }
    })
  )
}

/** Now as epoch millis plus its London wall-clock forms. */
export const now: Effect.Effect<{ readonly millis: number; readonly dateTime: string; readonly date: string }> =
  Effect.withFiberRuntime((fiber) => {
    const millis = clockMillis(fiber)
    return Effect.succeed({ millis, dateTime: londonDateTime(millis), date: londonDate(millis) })
  })

/** The fiber's own Clock (a test's TestClock included), as Clock.currentTimeMillis reads it, without a step. */
const clockMillis = (fiber: { readonly currentDefaultServices: Context.Context<never> }) =>
  Context.get(fiber.currentDefaultServices as Context.Context<Clock.Clock>, Clock.Clock).unsafeCurrentTimeMillis()

/** What a write workflow stamps on the rows it writes (spec §8.2), and the clock it read it at. */
export type WorkflowContext = WriteContext & { readonly millis: number; readonly today: string }

/** The audit columns' user and now, read from the clock. */
export const writeContextOf = (user: DeliusUserShape): Effect.Effect<WorkflowContext> =>
  withWriteContext(user, Effect.succeed)

/** `f` given the audit columns' user and now, read from the fiber's clock in the same step. */
export const withWriteContext = <A, E, R>(
  user: DeliusUserShape,
  f: (ctx: WorkflowContext) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    const millis = clockMillis(fiber)
    return f({ userId: user.userId, now: londonDateTime(millis), millis, today: londonDate(millis) })
  })

export const writeContext: Effect.Effect<WorkflowContext, never, DeliusUser> = Effect.flatMap(
  DeliusUser,
  writeContextOf
)

/** What the per-person transaction reads: the SQL client (its transaction) and the person lock. */
export interface PersonTransactionServices {
  readonly sql: SqlClient.SqlClient
  readonly people: Pick<PersonRepositoryShape, "lock">
}

/**
 * Run a write workflow in one transaction under the per-person lock (DESIGN.md, Concurrency): the lock is the first
 * statement, so concurrent identical operations — across processes — run one after the other, and any failure rolls
 * back every row written. The services come from the context; the workflows pass theirs (`personTransaction`).
 */
export const inPersonTransaction = <A, E, R, E2, R2>(
  crn: string,
  workflow: (offenderId: number) => Effect.Effect<A, E, R>,
  /** What happens when no (non-deleted) person has the CRN: usually a failure naming it. */
  onMissing: Effect.Effect<never, E2, R2>
): Effect.Effect<A, E | E2 | DatabaseError, R | R2 | SqlClient.SqlClient | PersonRepository> =>
  Effect.flatMap(Effect.all({ sql: SqlClient.SqlClient, people: PersonRepository }), (services) =>
    personTransaction(services, crn, workflow, onMissing)
  )

export const personTransaction = <A, E, R, E2, R2>(
  { people, sql }: PersonTransactionServices,
  crn: string,
  workflow: (offenderId: number) => Effect.Effect<A, E, R>,
  onMissing: Effect.Effect<never, E2, R2>
): Effect.Effect<A, E | E2 | DatabaseError, R | R2> =>
  sql
    .withTransaction(
      Effect.flatMap(people.lock(crn), (offenderId): Effect.Effect<A, E | E2, R | R2> =>
        Option.isNone(offenderId) ? onMissing : workflow(offenderId.value)
      )
    )
    .pipe(
      Effect.mapError((error) =>
        error instanceof SqlError.SqlError
          ? new DatabaseError({
              operation: "transaction",
              message: `transaction: ${describeFailure(error)}`,
              cause: error
            })
          : (error as E | E2)
      )
    )

export const personNotFound = (crn: string) => NotFound.of("Person", "crn", crn)
