import { Effect } from "effect"

/**
 * Memoise a builder by object identity (a WeakMap, so nothing is kept alive). Used for Schema decoders: building a
 * Schema's parser on every call is measurable on the hot paths (each query's rows, each request body, each callback).
 */
export const memoizedBy = <K extends object, V>(build: (key: K) => V): ((key: K) => V) => {
  const cache = new WeakMap<K, V>()
  return (key) => {
    let value = cache.get(key)
    if (value === undefined) {
      value = build(key)
      cache.set(key, value)
    }
    return value
  }
}

/**
 * `read`'s first success, remembered: later runs answer with it and do not run `read` again. For a read that one
 * workflow may need at several of its steps, or not at all. `Effect.cached` does the same through a Deferred and a
 * semaphore, about 45 µs a call on the hot path (measured on the appointment merge); here two runs at once may both run
 * `read`, so it is for reads only.
 */
export const rememberFirst = <A, E, R>(read: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  let remembered: { readonly value: A } | undefined
  return Effect.suspend(() =>
    remembered !== undefined
      ? Effect.succeed(remembered.value)
      : Effect.tap(read, (value) => {
          remembered = { value }
        })
  )
}
