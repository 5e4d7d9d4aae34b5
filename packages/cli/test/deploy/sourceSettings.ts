import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const name = "([A-Z][A-Z0-9_]*)"
/**
 * How the source reads environment variables: `process.env.NAME` / `process.env["NAME"]`; an Effect `Config`
 * constructor or a file's own helper around one (a function defined in the same file whose body calls `Config.`) (`Config.string("NAME")`, `nonBlank("NAME")`,
 * `Config.array(Config.integer(), "NAME")`, `Config.literal(…)("NAME")`); and a constant naming the variable that a
 * Config call is then given (`const DETAIL_URLS_VARIABLE = "…"`).
 */
const direct = [
  new RegExp(`process\\.env\\.${name}`, "g"),
  // a function given the environment as a parameter named env (pretty.ts's format choice)
  new RegExp(`(?<![.\\w])env\\.${name}`, "g"),
  new RegExp(`process\\.env\\[\\s*"${name}"\\s*\\]`, "g"),
  new RegExp(`Config\\.\\w+\\(\\s*"${name}"`, "g"),
  new RegExp(`Config\\.\\w+\\(Config\\.\\w+\\([^()]*\\),\\s*"${name}"`, "g"),
  new RegExp(`Config\\.literal\\([^)]*\\)\\(\\s*"${name}"\\s*\\)`, "g")
]
/** A call of a file's own function with a variable name (`nonBlank("NAME")`): counted when that function reads Config. */
const helperCall = new RegExp(`(?<![.\\w])([a-z]\\w*)\\(\\s*"${name}"`, "g")
const readsConfig = (text: string, helper: string) => {
  const definition = new RegExp(`(?:const ${helper}\\b[^=]*=|function ${helper}\\b)`).exec(text)
  return definition !== null && text.slice(definition.index, definition.index + 400).includes("Config.")
}
const constant = new RegExp(`const (\\w+) = "${name}"`, "g")

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")
        ? [join(dir, entry.name)]
        : []
  )

/** Every environment variable name read in packages/\*\/src, with the files that read it. */
export const settingsReadBySource = (packagesDir: string): ReadonlyMap<string, ReadonlyArray<string>> => {
  const found = new Map<string, Array<string>>()
  const add = (variable: string, file: string) => found.set(variable, [...(found.get(variable) ?? []), file])
  for (const pkg of readdirSync(packagesDir)) {
    let files: ReadonlyArray<string>
    try {
      files = sourceFiles(join(packagesDir, pkg, "src"))
    } catch {
      continue
    }
    for (const file of files) {
      const text = readFileSync(file, "utf8")
      if (!text.includes("Config") && !text.includes("process.env")) continue
      for (const pattern of direct) for (const match of text.matchAll(pattern)) add(match[1]!, file)
      for (const [, helper, variable] of text.matchAll(helperCall)) if (readsConfig(text, helper!)) add(variable!, file)
      for (const [, identifier, variable] of text.matchAll(constant)) {
        const used = new RegExp(`(?:Config\\.\\w+\\(|process\\.env\\[)\\s*${identifier}\\b`)
        const helpers = [...text.matchAll(new RegExp(`(?<![.\\w])([a-z]\\w*)\\(\\s*${identifier}\\b`, "g"))]
        if (used.test(text) || helpers.some(([, helper]) => readsConfig(text, helper!))) add(variable!, file)
      }
    }
  }
  return found
}
