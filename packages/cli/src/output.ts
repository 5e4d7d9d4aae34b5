/**
 * Output for support engineers: readable tables by default, `--json` for scripts. Data goes to stdout, errors to
 * stderr as one sentence, never a stack. Exit codes are set through `process.exitCode` so that every command's result
 * is machine-checkable:
 *   0 success · 1 failure (database, R&M, handler failure) · 2 not found · 3 rejected/unhandled event · 4 bad input ·
 *   5 refused: the command would write where it must not (`READ_ONLY=true`; `db migrate` / `db seed` on Oracle).
 */

import { Console, Data, Effect } from "effect"

export const ExitCode = { ok: 0, failure: 1, notFound: 2, rejected: 3, badInput: 4, refused: 5 } as const

export const setExitCode = (code: number) =>
  Effect.sync(() => {
    process.exitCode = code
  })

/**
 * A failure the user can act on: `bin.ts` prints `message` (one sentence) on stderr and exits with `exitCode`, with no
 * stack — e.g. a missing database, a file that is not JSON, the local queue not running.
 */
export class CliError extends Data.TaggedError("CliError")<{ readonly message: string; readonly exitCode: number }> {}

export const printJson = (value: unknown) => Console.log(JSON.stringify(value, null, 2))

/** Terminal width budget for tables: they fit 120 columns, the width of a support engineer's terminal. */
const MAX_WIDTH = 120

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return ""
  const text = String(value)
  return text.replace(/\n/g, "⏎")
}

export interface TableOptions {
  /** Columns never cut (the ids other commands take: URNs, UUIDs, contact ids); the others shrink to fit. */
  readonly keep?: ReadonlyArray<string>
  readonly width?: number
}

/**
 * A plain-text table that fits `width` columns: the widest cuttable columns are cut (with …) until the row fits; the
 * `keep` columns and every column's header stay whole. Rows too wide even then are printed as one `key: value` block
 * per row, so an id is never lost.
 */
export const table = (rows: ReadonlyArray<Record<string, unknown>>, opts: TableOptions | number = {}): string => {
  if (rows.length === 0) return "(none)"
  // A number was the old per-cell limit (kept for callers not yet moved over); the 120-column fit replaces it.
  const options = typeof opts === "number" ? {} : opts
  const width = options.width ?? MAX_WIDTH
  const keep = new Set(options.keep ?? [])
  const columns = Object.keys(rows[0] ?? {})
  const text = rows.map((row) => columns.map((c) => cell(row[c])))
  // Per column: its name, and its width (which shrinks as columns are cut).
  const cols = columns.map((name, i) => ({
    name,
    width: Math.max(name.length, ...text.map((r) => (r[i] ?? "").length))
  }))
  const total = () => cols.reduce((sum, c) => sum + c.width, 0) + 2 * (cols.length - 1)
  while (total() > width) {
    const cuttable = cols.filter((c) => !keep.has(c.name) && c.width > Math.max(c.name.length, 4))
    const widest = cuttable.reduce<(typeof cols)[number] | undefined>(
      (found, c) => (found === undefined || c.width > found.width ? c : found),
      undefined
    )
    if (widest === undefined) return records(rows)
    widest.width = Math.max(widest.width - (total() - width), widest.name.length, 4)
  }
  const widths = cols.map((c) => c.width)
  const fit = (value: string, w: number) => (value.length > w ? `${value.slice(0, w - 1)}…` : value)
  const line = (values: ReadonlyArray<string>) =>
    values
      .map((v, i) => fit(v, widths[i] ?? 0).padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n")
}

/** One `key: value` block per row, for records with many columns (an NSI) or too wide for a table. */
export const records = (rows: ReadonlyArray<Record<string, unknown>>): string => {
  if (rows.length === 0) return "(none)"
  return rows
    .map((row) => {
      const keys = Object.keys(row)
      const pad = Math.max(...keys.map((k) => k.length))
      return keys.map((k) => `${k.padEnd(pad)}  ${cell(row[k])}`.trimEnd()).join("\n")
    })
    .join("\n\n")
}

/**
 * `text` wrapped at spaces into lines of at most `width` columns, each of its own lines kept. A word longer than the
 * width — a URL — is never cut: it goes whole on a line of its own, so it can still be copied and followed.
 */
export const wrapText = (text: string, width: number = MAX_WIDTH): ReadonlyArray<string> =>
  text.split("\n").flatMap((line) => {
    const out: Array<string> = []
    let current = ""
    for (const word of line.split(" ")) {
      if (current === "") current = word
      else if (current.length + 1 + word.length <= width) current = `${current} ${word}`
      else {
        out.push(current)
        current = word
      }
    }
    out.push(current)
    return out
  })

export const section = (title: string, body: string) => Console.log(`\n${title}\n${body}`)

/**
 * Run a command's implementation from a module loaded only when that command runs: `--help` and the commands that do
 * not touch the database never load core, the drivers or the hosts (so they start fast). Its failures are
 * reported by bin.ts, so the command's type does not carry the implementation's error types.
 */
export const lazy = <M>(
  load: () => Promise<M>,
  run: (module: M) => Effect.Effect<void, unknown>
): Effect.Effect<void, unknown> => Effect.flatMap(Effect.promise(load), run)
