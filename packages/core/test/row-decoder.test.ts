import { describe, expect, it } from "@effect/vitest"
import { Either, ParseResult, Schema, SchemaAST as AST } from "effect"
import * as Repositories from "../src/delius/repositories/index.js"
import {
  canonicalTimestamp,
  plainRowDecoder,
  rebuiltTimestamp,
  rowsDecoder,
  StoredDate,
  StoredTimestamp
} from "../src/delius/query.js"
import { NsiId } from "../src/domain/index.js"

/**
 * The rows decoder's plain path (query.ts `plainRowDecoder`) against the row Schemas it stands in for: for every
 * exported repository row Schema, a typical row and every single-column mutation of it decode to the same value (same
 * keys, same order) or fail with the same message as `Schema.decodeUnknownEither(Schema.Array(row))`; and every row
 * Schema has a plain decoder, so none pays for the Schema parser on the hot path.
 */

const rowSchemas: ReadonlyArray<readonly [string, Schema.Schema<any, any>]> = Object.entries(Repositories).flatMap(
  ([name, value]) =>
    Schema.isSchema(value) && AST.isTypeLiteral(value.ast) ? [[name, value as Schema.Schema<any, any>] as const] : []
)

/** A value each column kind accepts. */
const typical = (ast: AST.AST): unknown => {
  switch (ast._tag) {
    case "StringKeyword":
      return "2023-02-14 15:07:03.774"
    case "NumberKeyword":
      return 12
    case "Literal":
      return ast.literal
    case "Union":
      return typical(
        ast.types.find((member) => !(member._tag === "Literal" && member.literal === null)) ?? ast.types[0]!
      )
    case "Refinement":
    case "Transformation":
      return typical(ast.from)
    default:
      throw new Error(`no typical value for ${ast._tag}`)
  }
}
const typicalRow = (schema: Schema.Schema<any, any>) =>
  Object.fromEntries((schema.ast as AST.TypeLiteral).propertySignatures.map((p) => [p.name, typical(p.type)]))

const DELETE = Symbol("delete")
const replacements: ReadonlyArray<unknown> = [
  DELETE,
  null,
  undefined,
  "",
  "x",
  "12",
  "E",
  "R",
  "2023-02-14",
  "2023-02-14T15:07:03.774123Z",
  "2023-02-14 15:07",
  0,
  -1,
  1.5,
  Number.NaN,
  2 ** 53,
  true,
  {},
  [],
  12n
]

const same = (schema: Schema.Schema<any, any>, rows: ReadonlyArray<unknown>, what: string) => {
  const plain = rowsDecoder(schema)(rows)
  const reference = Schema.decodeUnknownEither(Schema.Array(schema))(rows)
  if (Either.isRight(reference)) {
    expect(Either.isRight(plain), `${what}: declined what the Schema decodes`).toBe(true)
    expect(Either.getOrThrow(plain), what).toStrictEqual(reference.right)
    expect(JSON.stringify(Either.getOrThrow(plain)), what).toBe(JSON.stringify(reference.right))
    return "value"
  }
  expect(Either.isLeft(plain), `${what}: decoded what the Schema rejects`).toBe(true)
  const message = (result: Either.Either<unknown, ParseResult.ParseError>) =>
    Either.isLeft(result) ? ParseResult.TreeFormatter.formatErrorSync(result.left) : ""
  expect(message(plain), what).toBe(message(reference))
  return "failure"
}

describe("the rows decoder's plain path agrees with the row Schemas", () => {
  it("finds the repositories' row Schemas, and each has a plain decoder", () => {
    expect(rowSchemas.map(([name]) => name)).toEqual(expect.arrayContaining(["Contact", "Nsi", "Person", "Limitation"]))
    for (const [name, schema] of rowSchemas) expect(plainRowDecoder(schema.ast), name).toBeTypeOf("function")
  })

  it.each(rowSchemas)(
    "%s: a typical row and every single-column mutation decode the same both ways",
    (name, schema) => {
      const row = typicalRow(schema)
      expect(same(schema, [row], name)).toBe("value")
      const counts = { value: 0, failure: 0 }
      for (const column of Object.keys(row))
        for (const value of replacements) {
          const mutated: Record<string, unknown> = { ...row, extra: "dropped" }
          if (value === DELETE) delete mutated[column]
          else mutated[column] = value
          counts[same(schema, [row, mutated], `${name} with ${column} = ${String(value)}`)]++
        }
      expect(counts.value).toBeGreaterThan(0)
      expect(counts.failure).toBeGreaterThan(0)
    }
  )

  it("each column kind: the Schema's value, its transformation applied, its filter checked", () => {
    const Row = Schema.Struct({
      at: StoredTimestamp,
      on: Schema.NullOr(StoredDate),
      nsiId: NsiId,
      kind: Schema.Literal("E", "R"),
      n: Schema.Number
    })
    const decode = rowsDecoder(Row)
    expect(
      decode([{ at: "2023-02-14T15:07:03.7Z", on: "2023-02-14 00:00:00", nsiId: 7, kind: "E", n: 1, x: 1 }])
    ).toEqual(Either.right([{ at: "2023-02-14 15:07:03.700000", on: "2023-02-14", nsiId: 7, kind: "E", n: 1 }]))
    for (const bad of [{ nsiId: 7.5 }, { kind: "Z" }, { at: null }, { n: "1" }])
      expect(Either.isLeft(decode([{ at: "2023-02-14", on: null, nsiId: 7, kind: "R", n: 1, ...bad }]))).toBe(true)
  })

  it("a Schema with parts it does not know is decoded by the Schema alone", () => {
    expect(plainRowDecoder(Schema.Struct({ a: Schema.optional(Schema.String) }).ast)).toBeUndefined()
    expect(plainRowDecoder(Schema.Struct({ a: Schema.Date }).ast)).toBeUndefined()
    expect(plainRowDecoder(Schema.Record({ key: Schema.String, value: Schema.Number }).ast)).toBeUndefined()
    const Optional = Schema.Struct({ a: Schema.optional(Schema.String), b: Schema.Number })
    expect(rowsDecoder(Optional)([{ b: 1 }, { a: "x", b: 2 }])).toEqual(Either.right([{ b: 1 }, { a: "x", b: 2 }]))
  })
})

describe("canonicalTimestamp", () => {
  // The driver text forms a Delius timestamp column arrives in, and near misses of the canonical form.
  const texts = [
    "2026-12-07 10:15:30.123456",
    "2026-12-07 10:15:30.123",
    "2026-12-07 10:15:30",
    "2026-12-07 10:15",
    "2026-12-07T10:15:30.123456",
    "2026-12-07T10:15:30.123Z",
    "2026-12-07 10:15:30.123456789",
    "2026-12-07 10:15:30.1234567",
    "2026-12-07 10:15:30.123456+00",
    "2026-12-07",
    "2026-12-07 1a:15:30.123456",
    "2026-12-07 10:15:30,123456",
    "2026-12-07 10:15:30.12345 ",
    " 026-12-07 10:15:30.123456",
    "2026/12/07 10:15:30.123456",
    "not a timestamp at all, 26",
    ""
  ]
  it.each(texts)("%j: the same text whichever path it takes", (text) => {
    expect(canonicalTimestamp(text)).toBe(rebuiltTimestamp(text))
  })
  it("a canonical text comes back unchanged; a shorter one is completed", () => {
    const text = ["2026-12-07", "10:15:30.123456"].join(" ")
    expect(canonicalTimestamp(text)).toBe(text)
    expect(canonicalTimestamp("2026-12-07 10:15:30.123")).toBe("2026-12-07 10:15:30.123000")
  })
})
