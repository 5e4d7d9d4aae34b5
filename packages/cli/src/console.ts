/**
 * The Console every command writes through (help included):
 * - no ANSI codes when the stream is not a terminal or `NO_COLOR` is set (https://no-color.org: present and not empty);
 * - help shows the full command path (`$ ram-delius referral show …`; @effect/cli prints only `$ show …` for a
 *   subcommand) and not the generic "A user-defined piece of text." that @effect/cli puts before every text
 *   argument's own description.
 */

import { Console, Effect } from "effect"

const ANSI = /\x1b\[[0-9;]*m/g

const colourless = (stream: NodeJS.WriteStream) => {
  const noColor = process.env.NO_COLOR
  return (noColor !== undefined && noColor !== "") || !stream.isTTY
}

/** The command path typed before the first option or argument that is not a command name. */
const fixHelp = (text: string, words: ReadonlyArray<string>): string => {
  if (!/(^|\n)(\x1b\[[0-9;]*m)*USAGE/.test(text)) return text
  return text
    .replace(/^((?:\x1b\[[0-9;]*m)*\$ )([a-z-]+)\b/gm, (whole, prefix: string, name: string) => {
      if (name === "ram-delius") return whole
      const at = words.indexOf(name)
      return at === -1 ? whole : `${prefix}ram-delius ${words.slice(0, at + 1).join(" ")}`
    })
    .replace(/^[ \t]*(\x1b\[[0-9;]*m)*A user-defined piece of text\.(\x1b\[[0-9;]*m)*\n(\s*\n)?/gm, "")
}

const wrap = (base: Console.Console, argv: ReadonlyArray<string>): Console.Console => {
  const words = argv.slice(2).filter((w) => !w.startsWith("-"))
  const render = (stream: NodeJS.WriteStream, args: ReadonlyArray<unknown>) => {
    const text = args.map((a) => (typeof a === "string" ? a : String(a))).join(" ")
    const fixed = fixHelp(text, words)
    return colourless(stream) ? fixed.replace(ANSI, "") : fixed
  }
  const unsafe = base.unsafe
  return {
    ...base,
    log: (...args) => Effect.sync(() => process.stdout.write(`${render(process.stdout, args)}\n`)),
    error: (...args) => Effect.sync(() => process.stderr.write(`${render(process.stderr, args)}\n`)),
    unsafe: {
      ...unsafe,
      log: (...args: Array<unknown>) => process.stdout.write(`${render(process.stdout, args)}\n`),
      error: (...args: Array<unknown>) => process.stderr.write(`${render(process.stderr, args)}\n`)
    } as Console.UnsafeConsole
  } as Console.Console
}

/** Run `effect` with the CLI's Console (see above) in place of the default one. */
export const withCliConsole =
  (argv: ReadonlyArray<string>) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.consoleWith((base) => Effect.withConsole(effect, wrap(base, argv)))
