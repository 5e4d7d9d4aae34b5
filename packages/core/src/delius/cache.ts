import { Clock, Effect, Option } from "effect"

/**
 * A small read-through cache for Delius reference data (contact types, outcomes, NSI types and statuses, the CRS
 * provider/team/staff): it changes rarely, and caching it removes half the queries of a merge. Only found rows are
 * cached, so missing reference data is looked up again (and reported) every time. The lookup runs in the caller's
 * fiber, so inside a transaction it uses the transaction's connection.
 */
export const referenceCache = <K, A, E, R>(
  lookup: (key: K) => Effect.Effect<Option.Option<A>, E, R>,
  timeToLiveMillis = 5 * 60_000
) => {
  const entries = new Map<K, { readonly value: A; readonly expires: number }>()
  return (key: K): Effect.Effect<Option.Option<A>, E, R> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const hit = entries.get(key)
      if (hit !== undefined && hit.expires > now) return Effect.succeed(Option.some(hit.value))
      return Effect.tap(lookup(key), (found) =>
        Effect.sync(() => {
          if (Option.isSome(found)) entries.set(key, { value: found.value, expires: now + timeToLiveMillis })
        })
      )
    })
}
