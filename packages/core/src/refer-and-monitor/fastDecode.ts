/**
 * Hand-written decoders for the exact shapes of the R&M callback bodies (`schemas.ts`), run before the Schema decode.
 * A callback body is decoded on every domain event (§5.4, §5.6), and Schema's interpreter costs several times the
 * `JSON.parse` of the same body; these checks do the same work directly.
 *
 * The contract: a fast decoder either returns exactly the value the Schema decode returns for that input, or
 * rejects (returns `undefined`), and then the Schema decode runs and decides: its value, or its failure and message.
 * So a fast decoder may reject more than the Schema does (the cost is only time), never accept more, and every
 * failure stays Schema's. The tests pin each decoder against its Schema on the fixtures and on mutations of them.
 *
 * Input is a JSON value (`JSON.parse` output): an absent key and an `undefined` value are the same there.
 */

import { Either, Option, type ParseResult, Schema } from "effect"
import type { ParseOptions } from "effect/SchemaAST"
import { parseInstant, type Instant } from "../domain/index.js"

/** Annotation key of a schema's fast decoder (read by the client's decode, `ReferAndMonitorClient.ts`). */
const FastDecodeId: unique symbol = Symbol.for("@ram-delius/core/refer-and-monitor/FastDecode")

/** A JSON value → the decoded value, or `undefined` when the Schema has to decide. */
export type FastDecoder<A> = (json: unknown) => A | undefined

/** The fast decoder annotated on `schema`, if any. */
export const fastDecoderOf = <A, I>(schema: Schema.Schema<A, I>): FastDecoder<A> | undefined =>
  schema.ast.annotations[FastDecodeId] as FastDecoder<A> | undefined

/**
 * `Schema.decodeUnknownEither(schema, options)` with `schema`'s fast path taken first when it has one: a decline goes to
 * the Schema, so every failure and its message are the Schema's. Build it once per schema (the R&M client, the domain
 * event and the HTTP host's request bodies each keep theirs).
 */
export const fastThenSchema = <A, I>(
  schema: Schema.Schema<A, I>,
  options?: ParseOptions
): ((input: unknown) => Either.Either<A, ParseResult.ParseError>) => {
  const parse = Schema.decodeUnknownEither(schema, options)
  const fast = fastDecoderOf(schema)
  if (fast === undefined) return parse
  return (input) => {
    const value = fast(input)
    return value === undefined ? parse(input) : Either.right(value)
  }
}

/** `schema` with `decoder` as its fast path. */
export const withFastDecode = <S extends Schema.Schema.Any>(
  schema: S,
  decoder: FastDecoder<Schema.Schema.Type<S>>
): S => schema.annotations({ [FastDecodeId]: decoder }) as S

// --- building blocks: each returns the decoded value or throws REJECT -------------------------------------------

/**
 * Thrown to leave a decoder; `fastDecoder` turns it into `undefined`. Made once, so a rejection captures no stack.
 */
const REJECT = new Error("the fast decoder declined: the Schema decides")
export const reject = (): never => {
  throw REJECT
}

/** Runs `decode`, mapping a rejection to `undefined` (anything else thrown is a bug and propagates). */
export const fastDecoder =
  <A>(decode: (json: unknown) => A): FastDecoder<A> =>
  (json) => {
    try {
      return decode(json)
    } catch (error) {
      if (error === REJECT) return undefined
      throw error
    }
  }

export type Json = Readonly<Record<string, unknown>>

/** A JSON object (not an array: Schema's struct parser takes arrays too, so those go to it). */
export const object = (value: unknown): Json =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : reject()

export const string = (value: unknown): string => (typeof value === "string" ? value : reject())
export const number = (value: unknown): number => (typeof value === "number" ? value : reject())
export const boolean = (value: unknown): boolean => (typeof value === "boolean" ? value : reject())
export const array = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : reject())

/** `value` when `is` says it belongs to the schema behind it (a literal union, `Schema.UUID`). */
export const member =
  <A>(is: (value: unknown) => value is A) =>
  (value: unknown): A =>
    is(value) ? value : reject()

/**
 * `Schema.UUID`: the schema's own pattern, tested directly (`Schema.is` runs the parser around the same test, about
 * 1 µs a value).
 */
const UUID_PATTERN = (Schema.UUID.ast.annotations[Schema.PatternSchemaId] as { readonly regex: RegExp }).regex
export const uuid = (value: unknown): string =>
  typeof value === "string" && UUID_PATTERN.test(value) ? value : reject()

/** `IsoDateTime`: the same parser its transformation runs. */
export const instant = (value: unknown): Instant => {
  const parsed = parseInstant(string(value))
  return Option.isSome(parsed) ? parsed.value : reject()
}

/** `NullOr(…)`: null, else `decode(value)`. */
export const nullOr =
  <A>(decode: (value: unknown) => A) =>
  (value: unknown): A | null =>
    value === null ? null : decode(value)

/** Absent → `fallback`, else `decode(value)`, null included (`optionalWith(…, { default })`). */
export const withDefault = <A, B>(value: unknown, decode: (value: unknown) => A, fallback: () => B): A | B =>
  value === undefined ? fallback() : decode(value)

/** Null or absent → `fallback`, else `decode(value)` (`optionalWith(…, { nullable: true, default })`). */
export const orDefault = <A, B>(value: unknown, decode: (value: unknown) => A, fallback: () => B): A | B =>
  value === undefined || value === null ? fallback() : decode(value)

/**
 * Sets `output[key]` unless `value` is null or absent (`optionalWith(…, { nullable: true, exact: true })`: the
 * decoded key is then absent).
 */
export const setOptional = <A>(
  output: Record<string, unknown>,
  key: string,
  value: unknown,
  decode: (value: unknown) => A
): void => {
  if (value !== undefined && value !== null) output[key] = decode(value)
}

/** `withKeyAliases`: the canonical key when it holds a non-null value, otherwise the alias. */
export const aliased = (json: Json, key: string, alias: string): unknown =>
  json[key] === undefined || json[key] === null ? (json[alias] !== undefined ? json[alias] : json[key]) : json[key]
