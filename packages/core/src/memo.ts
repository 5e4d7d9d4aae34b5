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
