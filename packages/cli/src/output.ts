import { Console, Effect } from "effect"

/**
 * Output for support engineers: readable tables by default, `--json` for scripts. Exit codes are set through
 * `process.exitCode` so that every command's result is machine-checkable:
 *   0 success · 1 failure (database, R&M, handler failure) · 2 not found · 3 rejected/unhandled event · 4 bad input.
 */
export const ExitCode = { ok: 0, failure: 1, notFound: 2, rejected: 3, badInput: 4 } as const

export const setExitCode = (code: number) => Effect.sync(() => {
  process.exitCode = code
})

export const printJson = (value: unknown) => Console.log(JSON.stringify(value, null, 2))

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return ""
  const text = String(value)
  return text.replace(/\n/g, "⏎")
}

/** A plain-text table; long cells are cut so that one row stays on one line. */
export const table = (rows: ReadonlyArray<Record<string, unknown>>, maxWidth = 60): string => {
  if (rows.length === 0) return "(none)"
  const columns = Object.keys(rows[0]!)
  const text = rows.map((row) => columns.map((c) => {
    const value = cell(row[c])
    return value.length > maxWidth ? `${value.slice(0, maxWidth - 1)}…` : value
  }))
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i]!.length)))
  const line = (values: ReadonlyArray<string>) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd()
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n")
}

export const section = (title: string, body: string) => Console.log(`\n${title}\n${body}`)
