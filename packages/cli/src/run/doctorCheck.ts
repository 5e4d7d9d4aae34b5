/** One line of `ram-delius doctor`: a dependency, its verdict, and on failure the fix naming the setting. */

export interface Check {
  readonly name: string
  readonly ok: boolean
  readonly verdict: string
  /** What to do, naming the setting, when the check fails. */
  readonly fix?: string
  /** Served by dev mode's embedded default. */
  readonly embedded?: boolean
}

export const pass = (name: string, verdict: string, embedded = false): Check => ({
  name,
  ok: true,
  verdict,
  ...(embedded ? { embedded } : {})
})
export const fail = (name: string, verdict: string, fix: string): Check => ({ name, ok: false, verdict, fix })
export const messageOf = (e: unknown) =>
  e instanceof Error || (typeof e === "object" && e !== null && "message" in e)
    ? String((e as { message: unknown }).message)
    : String(e)
