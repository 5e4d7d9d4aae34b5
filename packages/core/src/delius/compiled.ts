/**
 * The SQL text of a statement, compiled once per shape (DESIGN.md, The Delius data layer). @effect/sql compiles every
 * statement when it runs: it concatenates the template's text and a placeholder per parameter into a new string, which
 * the driver then flattens and hashes to find its prepared statement. The repositories issue a fixed set of statements,
 * each a template of constant text around its parameters, so the text is the same on every run: kept per shape, it is
 * one string, flat and hashed once, and a run only gathers its parameters. That was the largest allocation of an
 * appointment create (about 11 KB), and the SQLite client's prepared-statement lookup hashed the new text each time.
 *
 * A shape is the statement's segments without their values: text, parameters, identifiers, and the one-row
 * `sql.insert` and the `sql.update` helpers by their columns. A statement with anything else (`sql.in`, several rows,
 * `.returning`, text carrying its own parameters as `sql.unsafe` makes, a fragment as a value) is compiled as
 * @effect/sql compiles it, every time; so is a shape whose parameters, gathered here, would not be the ones
 * @effect/sql's compile gave for it. Reads `Statement#segments` (part of @effect/sql's `Fragment`) and the segments'
 * fields (test/compiled.test.ts holds the two compiles to the same answers).
 */
import { Statement } from "@effect/sql"

/** One segment of a shape: a `Literal`'s text, or the parts of another segment that make its SQL text. */
type Part =
  | string
  | { readonly _tag: "Parameter" }
  | { readonly _tag: "Identifier"; readonly name: string }
  | { readonly _tag: "Insert"; readonly columns: ReadonlyArray<string> }
  | {
      readonly _tag: "Update"
      readonly columns: ReadonlyArray<string>
      readonly omit: ReadonlyArray<string>
      readonly set: ReadonlyArray<string>
    }

const PARAMETER: Part = { _tag: "Parameter" }

interface Shape {
  readonly parts: ReadonlyArray<Part>
  readonly sql: string
}

/** What `compiledBy` needs of a statement: its segments and @effect/sql's own compile. */
export interface Compilable {
  readonly segments: ReadonlyArray<Statement.Segment>
  readonly compile: () => readonly [sql: string, params: ReadonlyArray<unknown>]
}

/**
 * A bound on the shapes kept for one client: the repositories have a few hundred; a caller building text per call
 * (`sql.literal` of a computed string) would otherwise grow the cache for ever. Past it, new shapes compile each time.
 */
const MAX_SHAPES = 2_000

/**
 * A compile for the statements of one client whose placeholders do not depend on the parameter's value (`?`, `$n`; the
 * clients that register a fast path in statement.ts): the SQL text and parameters `statement.compile()` would give, the
 * text taken from the statement's shape when it has one. Shapes are found by their first segment's text (a template's
 * constant string, whose hash V8 keeps), then compared part by part.
 */
export const compiledBy = () => {
  const shapes = new Map<string, Array<Shape>>()
  let size = 0
  return (statement: Compilable): readonly [string, ReadonlyArray<unknown>] => {
    const segments = statement.segments
    const first = segments[0]
    const key = first !== undefined && first._tag === "Literal" ? first.value : ""
    const candidates = shapes.get(key)
    if (candidates !== undefined) {
      for (const shape of candidates) {
        const params = parametersIfShaped(shape.parts, segments)
        if (params !== undefined) return [shape.sql, params]
      }
    }
    const compiled = statement.compile()
    if (size < MAX_SHAPES) {
      const parts = partsOf(segments)
      // Kept only when gathering the parameters by the shape gives what @effect/sql's compile gave.
      if (parts !== undefined && sameValues(parametersIfShaped(parts, segments), compiled[1])) {
        const shape = { parts, sql: compiled[0] }
        if (candidates === undefined) shapes.set(key, [shape])
        else candidates.push(shape)
        size++
      }
    }
    return compiled
  }
}

const sameValues = (a: ReadonlyArray<unknown> | undefined, b: ReadonlyArray<unknown>) =>
  a !== undefined && a.length === b.length && a.every((value, i) => Object.is(value, b[i]))

const sameStrings = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((value, i) => value === b[i])

/** A column's value as @effect/sql binds it: `undefined` as null; undefined here (not shaped) for a fragment. */
const bound = (value: unknown): unknown =>
  value === undefined ? null : Statement.isFragment(value) ? NOT_SHAPED : value
const NOT_SHAPED: unique symbol = Symbol("not shaped")

/** Push `record`'s values for `columns` onto `params`; false when one is a fragment. */
const pushColumns = (params: Array<unknown>, record: Record<string, unknown>, columns: ReadonlyArray<string>) => {
  for (const column of columns) {
    const value = bound(record[column])
    if (value === NOT_SHAPED) return false
    params.push(value)
  }
  return true
}

/** The statement's parameter values in order when its segments have exactly these parts; otherwise undefined. */
const parametersIfShaped = (
  parts: ReadonlyArray<Part>,
  segments: ReadonlyArray<Statement.Segment>
): Array<unknown> | undefined => {
  if (parts.length !== segments.length) return undefined
  const params: Array<unknown> = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    const segment = segments[i]!
    if (typeof part === "string") {
      if (segment._tag !== "Literal" || segment.value !== part || segment.params !== undefined) return undefined
      continue
    }
    switch (part._tag) {
      case "Parameter":
        if (segment._tag !== "Parameter") return undefined
        params.push(segment.value)
        break
      case "Identifier":
        if (segment._tag !== "Identifier" || segment.value !== part.name) return undefined
        break
      case "Insert": {
        if (segment._tag !== "RecordInsertHelper" || returns(segment)) return undefined
        const [row, more] = segment.value
        if (row === undefined || more !== undefined || !sameStrings(Object.keys(row), part.columns)) return undefined
        if (!pushColumns(params, row, part.columns)) return undefined
        break
      }
      case "Update": {
        if (segment._tag !== "RecordUpdateHelperSingle" || returns(segment)) return undefined
        if (!sameStrings(segment.omit, part.omit) || !sameStrings(Object.keys(segment.value), part.columns)) {
          return undefined
        }
        if (!pushColumns(params, segment.value, part.set)) return undefined
        break
      }
    }
  }
  return params
}

/** A helper with `.returning(…)` (`returningIdentifier`, an @effect/sql internal pinned by test/compiled.test.ts). */
const returns = (segment: Statement.Segment) => Reflect.get(segment, "returningIdentifier") !== undefined

/** The parts of a statement's segments; undefined when one has no shape. */
const partsOf = (segments: ReadonlyArray<Statement.Segment>): ReadonlyArray<Part> | undefined => {
  const parts: Array<Part> = []
  for (const segment of segments) {
    switch (segment._tag) {
      case "Literal":
        if (segment.params !== undefined) return undefined
        parts.push(segment.value)
        break
      case "Parameter":
        parts.push(PARAMETER)
        break
      case "Identifier":
        parts.push({ _tag: "Identifier", name: segment.value })
        break
      case "RecordInsertHelper": {
        const [row, more] = segment.value
        if (row === undefined || more !== undefined || returns(segment)) return undefined
        parts.push({ _tag: "Insert", columns: Object.keys(row) })
        break
      }
      case "RecordUpdateHelperSingle": {
        if (returns(segment)) return undefined
        const columns = Object.keys(segment.value)
        const omit = [...segment.omit]
        parts.push({ _tag: "Update", columns, omit, set: columns.filter((column) => !omit.includes(column)) })
        break
      }
      default:
        return undefined
    }
  }
  return parts
}
