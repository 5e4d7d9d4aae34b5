// Lines per top-level definition in packages/*/src (a class counts as one definition), plus the counts of
// `as unknown as` casts and non-null assertions (`x!`). Usage:
//   node scripts/definition-sizes.mjs [--over N] [dir …]   (default: every packages/*/src, N = 120)
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import ts from "typescript"

const args = process.argv.slice(2)
const overAt = args.indexOf("--over")
const limit = overAt === -1 ? 120 : Number(args[overAt + 1])
const roots = args.filter((_, i) => overAt === -1 || (i !== overAt && i !== overAt + 1))
const dirs =
  roots.length > 0
    ? roots
    : readdirSync("packages")
        .map((p) => join("packages", p, "src"))
        .filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory())

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : /\.(ts|mts)$/.test(e.name) && !e.name.endsWith(".d.ts")
        ? [join(dir, e.name)]
        : []
  )

const nameOf = (node) => {
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(", ")
  if (node.name !== undefined) return node.name.getText()
  if (ts.isExportAssignment(node)) return "export default"
  return ts.SyntaxKind[node.kind]
}

const definitions = []
let unknownCasts = 0
let nonNull = 0
const perFile = new Map()
for (const dir of dirs) {
  for (const file of files(dir)) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true)
    const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line
    for (const statement of source.statements) {
      if (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) continue
      const lines = lineOf(statement.getEnd()) - lineOf(statement.getStart(source)) + 1
      definitions.push({ file: relative(".", file), name: nameOf(statement), lines })
    }
    let casts = 0
    let bangs = 0
    const visit = (node) => {
      if (
        ts.isAsExpression(node) &&
        ts.isAsExpression(node.expression) &&
        node.expression.type.kind === ts.SyntaxKind.UnknownKeyword
      )
        casts++
      if (ts.isNonNullExpression(node)) bangs++
      ts.forEachChild(node, visit)
    }
    visit(source)
    unknownCasts += casts
    nonNull += bangs
    if (casts + bangs > 0) perFile.set(relative(".", file), { casts, bangs })
  }
}

definitions.sort((a, b) => b.lines - a.lines)
console.log(`definitions over ${limit} lines:`)
for (const d of definitions.filter((d) => d.lines > limit))
  console.log(`  ${String(d.lines).padStart(5)}  ${d.file}  ${d.name}`)
console.log(`longest 10:`)
for (const d of definitions.slice(0, 10)) console.log(`  ${String(d.lines).padStart(5)}  ${d.file}  ${d.name}`)
console.log(`\`as unknown as\`: ${unknownCasts}   non-null \`!\`: ${nonNull}`)
for (const [file, { casts, bangs }] of perFile) console.log(`  ${file}: as unknown as ${casts}, ! ${bangs}`)
