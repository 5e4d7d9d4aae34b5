import { Effect, Option } from "effect"
import { NotFound } from "../errors.js"

/** Option → value, or `{Entity} with {field} of {value} not found` (spec §2.4). */
export const require =
  (entity: string, field: string, value: unknown) =>
  <A, E, R>(self: Effect.Effect<Option.Option<A>, E, R>): Effect.Effect<A, E | NotFound, R> =>
    Effect.flatMap(
      self,
      Option.match({ onNone: () => Effect.fail(NotFound.of(entity, field, value)), onSome: Effect.succeed })
    )

/** The CRS assignment of spec §6.1, looked up by code (404 with the generic message when missing). */
export const CRS = { provider: "CRS", team: "CRSUAT", staff: "CRSUATU" } as const
