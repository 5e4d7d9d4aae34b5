// What the container image's node_modules must hold: the packages the built `ram-delius` binary loads, and theirs.
//
//   node scripts/runtime-deps.mjs <entry.js> <node_modules> [--prune]
//
// The binary (packages/cli/dist/bin.js and the chunks it imports) bundles Effect, @effect/* and the workspace packages
// (packages/cli/tsup.config.ts); everything else it imports stays external and is loaded from node_modules. This
// follows the entry's relative imports through every chunk, collects the bare specifiers (and the drivers loaded with
// `createRequire(import.meta.url)("…")`), adds their dependencies transitively as Node would resolve them, and prints
// one JSON object: `keep` (package directories, relative to node_modules) and `absent` (imported but not installed:
// the optional drivers and the dev stack, loaded only when used). With --prune, every other top-level package of
// node_modules is removed — the bundled ones, dependencies of bundled code that the bundle never loads, and type
// declarations (@types/*).
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { isBuiltin } from "node:module"
import { dirname, join, relative, resolve } from "node:path"

const [entry, nodeModulesArgument, flag] = process.argv.slice(2)
if (entry === undefined || nodeModulesArgument === undefined) {
  process.stderr.write("usage: node scripts/runtime-deps.mjs <entry.js> <node_modules> [--prune]\n")
  process.exit(4)
}
const nodeModules = resolve(nodeModulesArgument)

const specifiers = /(?:\bfrom|\bimport)\s*\(?\s*"([^"]+)"|createRequire\(import\.meta\.url\)\("([^"]+)"\)/g
const packageOf = (specifier) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/")

/** The bare specifiers of the entry and every module it reaches through relative imports. */
const externalImports = () => {
  const seen = new Set()
  const external = new Set()
  const visit = (file) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const [, imported, required] of readFileSync(file, "utf8").matchAll(specifiers)) {
      const specifier = imported ?? required
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier))
      else if (!isBuiltin(specifier)) external.add(packageOf(specifier))
    }
  }
  visit(resolve(entry))
  return external
}

/** Node's lookup: `<dir>/node_modules/<name>` from the requiring package's directory up to the root node_modules. */
const resolvePackage = (fromDir, name) => {
  for (let dir = fromDir; dir.startsWith(nodeModules); dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name)
    if (existsSync(join(candidate, "package.json"))) return candidate
  }
  const top = join(nodeModules, name)
  return existsSync(join(top, "package.json")) ? top : undefined
}

const keep = new Set()
const absent = new Set()
const queue = [...externalImports()].map((name) => [nodeModules, name])
while (queue.length > 0) {
  const [fromDir, name] = queue.shift()
  // Type declarations some packages list as dependencies are never loaded at run time.
  if (name.startsWith("@types/")) continue
  const dir = resolvePackage(fromDir, name)
  if (dir === undefined) {
    if (fromDir === nodeModules) absent.add(name)
    continue
  }
  if (keep.has(dir)) continue
  keep.add(dir)
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  const optionalPeer = (name) => manifest.peerDependenciesMeta?.[name]?.optional === true
  for (const field of ["dependencies", "optionalDependencies", "peerDependencies"])
    for (const dependency of Object.keys(manifest[field] ?? {}))
      if (field !== "peerDependencies" || !optionalPeer(dependency)) queue.push([dir, dependency])
}

const topLevel = (path) => packageOf(relative(nodeModules, path).split("/node_modules/")[0])
const kept = new Set([...keep].map(topLevel))
if (flag === "--prune") {
  for (const name of readdirSync(nodeModules).flatMap((entry) =>
    entry.startsWith("@") ? readdirSync(join(nodeModules, entry)).map((inner) => `${entry}/${inner}`) : [entry]
  ))
    if (!kept.has(name)) rmSync(join(nodeModules, name), { recursive: true, force: true })
  for (const scope of readdirSync(nodeModules).filter((entry) => entry.startsWith("@")))
    if (readdirSync(join(nodeModules, scope)).length === 0) rmSync(join(nodeModules, scope), { recursive: true })
}
process.stdout.write(`${JSON.stringify({ keep: [...kept].sort(), absent: [...absent].sort() })}\n`)
