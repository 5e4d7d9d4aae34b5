import { Clock, Context, Effect, Option } from "effect"

/**
 * A small read-through cache for Delius reference data (contact types, outcomes, NSI types and statuses, the CRS
 * provider/team/staff, business interactions, office locations): it changes rarely, and caching it removes half the
 * queries of a merge. Only found rows are cached, so missing reference data is looked up again (and reported) every
 * time. The lookup runs in the caller's fiber, so inside a transaction it uses the transaction's connection.
 */
export const referenceCache = <K, A, E, R, Args extends ReadonlyArray<unknown> = []>(
  lookup: (key: K, ...args: Args) => Effect.Effect<Option.Option<A>, E, R>,
  timeToLiveMillis = 5 * 60_000
) => {
  const entries = new Map<K, { readonly value: A; readonly expires: number }>()
  // The key space is small (codes, code + day); the bound only keeps a long-running host from keeping past days.
  const maxEntries = 10_000
  /** `args` refine a miss's lookup (e.g. the time): they must not change what a found row means within the TTL. */
  return (key: K, ...args: Args): Effect.Effect<Option.Option<A>, E, R> =>
    // The fiber's own Clock (a test's TestClock included), read in the same step as the lookup: a hit is one step.
    Effect.withFiberRuntime((fiber) => {
      const now = Context.get(fiber.currentDefaultServices, Clock.Clock).unsafeCurrentTimeMillis()
      const hit = entries.get(key)
      if (hit !== undefined && hit.expires > now) return Effect.succeed(Option.some(hit.value))
      return Effect.tap(lookup(key, ...args), (found) =>
        Effect.sync(() => {
          if (Option.isNone(found)) return
          if (entries.size >= maxEntries) entries.clear()
          entries.set(key, { value: found.value, expires: now + timeToLiveMillis })
        })
      )
    })
}
