/**
 * Notes-append algorithm used for every `CONTACT.NOTES` write (spec §2.5).
 *
 * The reference appends with a raw-string template `"""${lineSeparator}⏎    |$notes⏎  """.trimMargin()`, i.e. Kotlin
 * `trimMargin` runs over the *combined* text `"\n" + "\n" + "|" + X + "\n"`, not over X alone. Consequences that this
 * module reproduces exactly:
 * - the result is `existing + "\n" + X′`: the template's blank first line is dropped, its second (empty) line becomes
 *   the separating newline, and its blank *final* line (the template's closing indentation) is dropped;
 * - lines 2…n of X lose a leading "optional whitespace + `|`" margin; X's first line only loses the template's own `|`,
 *   so its text is kept verbatim (e.g. `|a` stays `|a`);
 * - X's own blank lines — including a trailing newline — are kept (they are never the first or last line of the
 *   combined text);
 * - `\r\n` and `\r` inside X become `\n` (Kotlin `lines()` splits on all three; lines are joined with `\n`).
 * With ordinary notes (no `|` margins, no CR) the result is simply `existing + "\n" + X`.
 */

// Kotlin Char.isWhitespace = Java Character.isWhitespace || Character.isSpaceChar.
const KOTLIN_WHITESPACE = /[\t\n\u000B\f\r\u001C-\u001F\p{Zs}\p{Zl}\p{Zp}]/u
const isKotlinWhitespace = (c: string): boolean => KOTLIN_WHITESPACE.test(c)
const isBlank = (line: string): boolean => [...line].every(isKotlinWhitespace)

/**
 * Kotlin `String.trimMargin()` with the default `|` margin: split into lines (`\r\n`, `\n`, `\r`); drop the first and
 * the last line when blank; for every other line, if its first non-whitespace character starts the margin, remove
 * everything up to and including the margin, otherwise keep the line unchanged; join with `\n`.
 */
export const trimMargin = (text: string, marginPrefix = "|"): string => {
  const lines = text.split(/\r\n|\n|\r/)
  const lastIndex = lines.length - 1
  const out: Array<string> = []
  lines.forEach((line, index) => {
    if ((index === 0 || index === lastIndex) && isBlank(line)) return
    const chars = [...line]
    const firstNonWhitespace = chars.findIndex((c) => !isKotlinWhitespace(c))
    if (firstNonWhitespace === -1) {
      out.push(line)
      return
    }
    const rest = chars.slice(firstNonWhitespace).join("")
    out.push(rest.startsWith(marginPrefix) ? rest.slice(marginPrefix.length) : line)
  })
  return out.join("\n")
}

/**
 * §2.5 "add notes X": `(existing ?? "") + "\n" + X′` with X′ as described in the module comment. A brand-new contact's
 * notes therefore start with a newline. Absent notes are the caller's business (decision Q3: append nothing).
 */
export const appendNotes = (existing: string | null | undefined, addition: string): string =>
  // One line of X (most notes): its only line keeps its text verbatim, so X′ is X — trimMargin's result, without the
  // character-by-character scan it would make of the template.
  (existing ?? "") + (LINE_BREAK.test(addition) ? trimMargin(`\n\n|${addition}\n`) : `\n${addition}`)

const LINE_BREAK = /[\r\n]/

/** §6.5 step 7, §7.1 step 7, §7.5 step 2: idempotency check before appending (`existing?.contains(text) == true`). */
export const containsNotes = (existing: string | null | undefined, text: string): boolean =>
  existing?.includes(text) ?? false
