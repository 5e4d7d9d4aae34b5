import type { SqlError } from "@effect/sql"
import { Effect, Either, Exit, Option, ParseResult, Schema, SchemaAST as AST } from "effect"
import type { DatabaseError } from "../errors.js"
import { toDatabaseError } from "./database.js"
import { isCanonicalStoredTimestamp } from "../domain/time.js"
import { memoizedBy } from "../memo.js"
import { run, runStatement } from "./statement.js"

/**
 * Run a statement, decode its rows with a Schema, and map driver and decode failures to one `DatabaseError` that
 * names the operation (DESIGN.md, The Delius data layer). With spans on, each statement is one client span named for
 * the operation, ended with the decoded result (statement.ts `runStatement`); it takes the same path as with spans off.
 */
export const findAll = <A, I>(operation: string, row: Schema.Schema<A, I>) => {
  const decode = rowsDecoderOf(row) as ReturnType<typeof rowsDecoder<A, I>>
  const toError = toDatabaseError(operation)
  // On a synchronous client (SQLite) the statement and its decode are one step of the runtime, on the PostgreSQL
  // client one `Effect.async` (statement.ts `runStatement`).
  const settle = (result: Either.Either<ReadonlyArray<unknown>, SqlError.SqlError>) => {
    if (Either.isLeft(result)) return Either.left(toError(result.left))
    const decoded = decode(result.right)
    return Either.isLeft(decoded) ? Either.left(toError(decoded.left)) : Either.right(decoded.right)
  }
  const slow = (_: unknown, statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>) =>
    run(statement).pipe(Effect.flatMap(decode), Effect.mapError(toError))
  return (
    statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>
  ): Effect.Effect<ReadonlyArray<A>, DatabaseError> =>
    Effect.withFiberRuntime((fiber) => runStatement(fiber, operation, statement, settle, slow))
}

/**
 * Decode rows one by one: with the row's plain decoder (`plainRowDecoder`) when the row Schema has one, else with the
 * Schema's parser (Effect keeps one parser per Schema, so nothing is built per call). Row schemas are synchronous, so
 * the decode is a plain function returning an Either (itself an Effect), without the effectful parser's per-row
 * Effect steps (DESIGN.md, The Delius data layer). A row the plain decoder declines, and any failure, goes to the
 * Schema: a failure is reported as the array's decode reports it (`[index]` and the row's issue).
 */
export const rowsDecoder = <A, I>(row: Schema.Schema<A, I>) => {
  const plain = plainRowDecoder(row.ast)
  const decodeRow = ParseResult.decodeUnknownEither(row)
  return (rows: ReadonlyArray<unknown>): Either.Either<ReadonlyArray<A>, ParseResult.ParseError> => {
    const decoded: Array<A> = []
    for (const value of rows) {
      const fast = plain === undefined ? DECLINED : plain(value)
      if (fast !== DECLINED) {
        decoded.push(fast as A)
        continue
      }
      const result = decodeRow(value)
      if (Either.isLeft(result)) return Schema.decodeUnknownEither(Schema.Array(row))(rows)
      decoded.push(result.right)
    }
    return Either.right(decoded)
  }
}

/**
 * A row Schema's decoder, built once: repositories call `findAll(operation, Row)` (and `findOne`) inside their methods,
 * once per statement run, and building the plain decoder of every field each time cost about 13 KB of allocation per
 * appointment create (a sampling allocation profile of the binary under creates).
 */
const rowsDecoderOf = memoizedBy((row: Schema.Schema<any, any>) => rowsDecoder(row))

/** A plain decoder's answer when the Schema has to decide. */
const DECLINED: unique symbol = Symbol("declined")
type Plain = (value: unknown) => unknown

/**
 * The decoder of one field's AST, or `undefined` when it has a part the plain decoder does not know. The parts are
 * the ones row schemas are made of, decoded as Effect's parser decodes them: String, Number, literals, `NullOr`,
 * refinements (`Schema.Int`, brands: their own filter is called) and `Schema.transform`s of those (their own decode is
 * called and must answer synchronously).
 */
const plainField = (ast: AST.AST): Plain | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return (value) => (typeof value === "string" ? value : DECLINED)
    case "NumberKeyword":
      return (value) => (typeof value === "number" ? value : DECLINED)
    case "Literal":
      return (value) => (value === ast.literal ? value : DECLINED)
    case "Union": {
      // `NullOr(field)`; otherwise only unions of literals (`Schema.Literal("E", "R")`), which decode to the input.
      const [first, second] = ast.types
      const isNull = (member: AST.AST | undefined) => member?._tag === "Literal" && member.literal === null
      const other = ast.types.length !== 2 ? undefined : isNull(second) ? first : isNull(first) ? second : undefined
      const decode = other === undefined ? undefined : plainField(other)
      if (decode !== undefined) return (value) => (value === null ? null : decode(value))
      if (!ast.types.every((member) => member._tag === "Literal")) return undefined
      const literals = new Set(ast.types.map((member) => (member as AST.Literal).literal))
      return (value) => (literals.has(value as AST.LiteralValue) ? value : DECLINED)
    }
    case "Refinement": {
      const from = plainField(ast.from)
      if (from === undefined) return undefined
      return (value) => {
        const decoded = from(value)
        return decoded !== DECLINED && Option.isNone(ast.filter(decoded, AST.defaultParseOption, ast))
          ? decoded
          : DECLINED
      }
    }
    case "Transformation": {
      const from = plainField(ast.from)
      const to = plainField(ast.to)
      const { transformation } = ast
      if (from === undefined || to === undefined || transformation._tag !== "FinalTransformation") return undefined
      return (value) => {
        const decoded = from(value)
        if (decoded === DECLINED) return DECLINED
        const transformed: unknown = transformation.decode(decoded, AST.defaultParseOption, ast, value)
        return Either.isEither(transformed) && Either.isRight(transformed) ? to(transformed.right) : DECLINED
      }
    }
    default:
      return undefined
  }
}

/**
 * A row Struct's plain decoder: each declared column decoded by `plainField`, into a new object with the Struct's keys
 * in its order (other columns dropped, as the Schema drops them). `undefined` when the Struct has a part it does not
 * know (optional keys, index signatures, other field kinds): the Schema then decodes every row. On SQLite a row
 * Schema's parser cost more than the statement that read the row.
 */
export const plainRowDecoder = (ast: AST.AST): Plain | undefined => {
  if (ast._tag !== "TypeLiteral" || ast.indexSignatures.length > 0) return undefined
  const fields: Array<readonly [string, Plain]> = []
  for (const property of ast.propertySignatures) {
    const decode = plainField(property.type)
    if (property.isOptional || typeof property.name !== "string" || decode === undefined) return undefined
    fields.push([property.name, decode])
  }
  return (value) => {
    if (typeof value !== "object" || value === null) return DECLINED
    const input = value as Record<string, unknown>
    const output: Record<string, unknown> = {}
    for (const [name, decode] of fields) {
      const decoded = decode(input[name])
      if (decoded === DECLINED) return DECLINED
      output[name] = decoded
    }
    return output
  }
}

export const findOne = <A, I>(operation: string, row: Schema.Schema<A, I>) => {
  const all = findAll(operation, row)
  return (
    statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>
  ): Effect.Effect<Option.Option<A>, DatabaseError> =>
    all(statement).pipe(Effect.map((rows) => Option.fromNullable(rows[0])))
}

export const execute = (operation: string) => {
  const toError = toDatabaseError(operation)
  // Success is `Exit.void`, the same one step as `Effect.void` (an `Either.right` would be a step more per statement).
  const settle = (result: Either.Either<unknown, SqlError.SqlError>) =>
    Either.isLeft(result) ? Either.left(toError(result.left)) : Exit.void
  const slow = (_: unknown, statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>) =>
    run(statement).pipe(Effect.asVoid, Effect.mapError(toError))
  return (statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>): Effect.Effect<void, DatabaseError> =>
    Effect.withFiberRuntime((fiber) => runStatement(fiber, operation, statement, settle, slow))
}

/** `COUNT(*) AS N`-style single number. */
export const countOf = (operation: string) => {
  const all = findAll(operation, CountRow)
  return (statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>): Effect.Effect<number, DatabaseError> =>
    all(statement).pipe(Effect.map((rows) => rows[0]?.n ?? 0))
}

const CountRow = Schema.Struct({ n: Schema.Number })

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2}))?(?:\.(\d{1,9}))?/

/**
 * Canonical stored timestamp `YYYY-MM-DD HH:MM:SS.ffffff` from any driver's text form. A text already canonical is
 * returned as it is — what the general path would build from it — without the match and the strings it allocates:
 * a clash check decodes two timestamps for every contact of the day.
 */
export const canonicalTimestamp = (text: string): string => {
  if (isCanonicalStoredTimestamp(text)) return text
  return rebuiltTimestamp(text)
}

/** The general path of `canonicalTimestamp` (exported for the test that holds the two paths to the same answers). */
export const rebuiltTimestamp = (text: string): string => {
  const m = TIMESTAMP.exec(text)
  if (!m) return text.length === 10 ? `${text} 00:00:00.000000` : text
  return `${m[1]} ${m[2]}:${m[3] ?? "00"}.${(m[4] ?? "").padEnd(6, "0").slice(0, 6)}`
}

/** A Delius timestamp column (Europe/London wall clock), decoded to the canonical text form. */
export const StoredTimestamp = Schema.transform(Schema.String, Schema.String, {
  strict: true,
  decode: canonicalTimestamp,
  encode: (s) => s
})

/** A Delius DATE column as `YYYY-MM-DD` (Oracle DATE carries a time part, which is dropped). */
export const StoredDate = Schema.transform(Schema.String, Schema.String, {
  strict: true,
  decode: (s) => s.slice(0, 10),
  encode: (s) => s
})
