import { Statement } from "@effect/sql"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { compiledBy } from "../src/delius/compiled.js"
import { makeCompiler as makePgCompiler } from "../src/delius/postgres/PgClient.js"
import { makeCompiler as makeSqliteCompiler } from "../src/delius/sqlite/SqliteClient.js"

/**
 * compiled.ts gives the SQL text and parameters @effect/sql's own compile gives, taking the text from the statement's
 * shape after the first of that shape. Each statement here is made by @effect/sql's own `sql` tag over the clients'
 * real compilers; each `compile` is counted, so a test sees when the shape answered and when @effect/sql compiled.
 */

const compilers = [
  ["SQLite", makeSqliteCompiler()],
  ["PostgreSQL, names lower-cased", makePgCompiler((name) => name.toLowerCase())]
] as const

const tagOf = (compiler: Statement.Compiler) => Statement.make(Effect.die("no connection"), compiler, [], undefined)

/** A statement whose @effect/sql compile is counted. */
const counted = (statement: Statement.Statement<unknown>) => {
  const compile = statement.compile.bind(statement)
  const calls = { count: 0 }
  const withCount = Object.assign(statement, {
    compile: (withoutTransform?: boolean) => {
      calls.count++
      return compile(withoutTransform)
    }
  })
  return { statement: withCount, calls }
}

/** Each template twice, with other values the second time: what the shape must reproduce. */
const shaped = (sql: Statement.Constructor) => {
  const limit = (n: number) => sql`SELECT * FROM CONTACT WHERE CONTACT_ID = ${n} AND SOFT_DELETED = ${0}`
  const tail = sql.literal(" ORDER BY CONTACT_DATE")
  return [
    ["parameters", (v: number) => limit(v)],
    ["a parameter first", (v: number) => sql`${v} + 1`],
    ["no parameters", () => sql`SELECT 1 AS N`],
    ["null and undefined values", (v: number) => sql`SELECT ${v === 1 ? null : v} AS A, ${undefined} AS B`],
    ["an identifier", (v: number) => sql`SELECT ${sql("CONTACT_ID")} FROM CONTACT WHERE OFFENDER_ID = ${v}`],
    ["a literal fragment", (v: number) => sql`SELECT * FROM CONTACT WHERE OFFENDER_ID = ${v}${tail}`],
    [
      "a nested statement fragment",
      (v: number) => sql`SELECT * FROM CONTACT WHERE ${sql`OFFENDER_ID = ${v} AND EVENT_ID = ${v + 1}`}`
    ],
    [
      "a one-row insert",
      (v: number) =>
        sql`INSERT INTO CONTACT ${sql.insert({ CONTACT_ID: v, NOTES: v === 1 ? undefined : "text", OUTCOME: null })}`
    ],
    [
      "an update, with a column omitted",
      (v: number) =>
        sql`UPDATE CONTACT SET ${sql.update({ CONTACT_ID: v, NOTES: `n${v}`, OUTCOME_ID: v * 2 }, ["CONTACT_ID"])}
          WHERE CONTACT_ID = ${v}`
    ]
  ] as const
}

/** Statements compiled by @effect/sql every time. */
const unshaped = (sql: Statement.Constructor) =>
  [
    ["sql.in", (v: number) => sql`SELECT * FROM CONTACT WHERE CONTACT_ID IN ${sql.in([v, v + 1])}`],
    ["sql.unsafe with parameters", (v: number) => sql.unsafe("SELECT ? AS A", [v])],
    ["a two-row insert", (v: number) => sql`INSERT INTO CONTACT ${sql.insert([{ CONTACT_ID: v }, { CONTACT_ID: 2 }])}`],
    [
      "an insert returning",
      (v: number) => sql`INSERT INTO CONTACT ${sql.insert({ CONTACT_ID: v }).returning("CONTACT_ID")}`
    ],
    [
      "an update returning",
      (v: number) => sql`UPDATE CONTACT SET ${sql.update({ NOTES: `n${v}` }).returning("*")} WHERE CONTACT_ID = ${v}`
    ],
    ["a fragment as a column's value", (v: number) => sql`INSERT INTO CONTACT ${sql.insert({ CONTACT_ID: sql`${v}` })}`]
  ] as const

describe.each(compilers)("compiled.ts over the %s compiler", (_, compiler) => {
  it.each(shaped(tagOf(compiler)))(
    "%s: the text and parameters @effect/sql gives, compiled by it once for the shape",
    (_, make) => {
      const compiled = compiledBy()
      const first = counted(make(1))
      const second = counted(make(7))
      const third = counted(make(9))
      expect(compiled(first.statement)).toEqual(make(1).compile())
      expect(compiled(second.statement)).toEqual(make(7).compile())
      expect(compiled(third.statement)).toEqual(make(9).compile())
      expect([first.calls.count, second.calls.count, third.calls.count]).toEqual([1, 0, 0])
    }
  )

  it.each(unshaped(tagOf(compiler)))("%s: compiled by @effect/sql every time, with its answer", (_, make) => {
    const compiled = compiledBy()
    const runs = [1, 7, 9].map((v) => ({ v, ...counted(make(v)) }))
    for (const { v, statement } of runs) expect(compiled(statement)).toEqual(make(v).compile())
    expect(runs.map((run) => run.calls.count)).toEqual([1, 1, 1])
  })

  it("statements that share their first text but not the rest each get their own text", () => {
    const sql = tagOf(compiler)
    const compiled = compiledBy()
    const makes = [
      (v: number) => sql`SELECT * FROM CONTACT WHERE CONTACT_ID = ${v}`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE CONTACT_ID = ${v} AND SOFT_DELETED = 0`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE CONTACT_ID = ${v} AND ${sql("SOFT_DELETED")} = 0`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE CONTACT_ID = ${v} AND ${sql("ROW_VERSION")} = 0`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE CONTACT_ID = ${v}${sql.literal(" AND SOFT_DELETED = 0")}`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE CONTACT_ID = ${sql.literal(String(v))}`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE ${sql.insert({ CONTACT_ID: v })}`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE ${sql.insert({ OFFENDER_ID: v })}`,
      // The same helpers with `.returning`, after their plain forms have made shapes: never given the plain text.
      (v: number) => sql`SELECT * FROM CONTACT WHERE ${sql.insert({ CONTACT_ID: v }).returning("CONTACT_ID")}`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE ${sql.update({ CONTACT_ID: v, NOTES: "x" }).returning("*")}`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE ${sql.update({ CONTACT_ID: v, NOTES: "x" })}`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE ${sql.update({ CONTACT_ID: v, NOTES: "x" }, ["NOTES"])}`,
      (v: number) => sql`SELECT * FROM CONTACT WHERE ${sql.update({ NOTES: "x", CONTACT_ID: v }, ["NOTES"])}`
    ]
    for (const round of [1, 2, 3]) {
      for (const make of makes) expect(compiled(make(round))).toEqual(make(round).compile())
    }
  })

  it("a text built per call is a shape of its own; past 2,000 shapes, new ones are compiled every time", () => {
    const sql = tagOf(compiler)
    const compiled = compiledBy()
    const make = (i: number, v: number) => sql`SELECT ${sql.literal(`${i}`)} AS N, ${v} AS V`
    for (let i = 0; i < 2_000; i++) expect(compiled(make(i, i))).toEqual(make(i, i).compile())
    const kept = counted(make(1_999, 5))
    expect(compiled(kept.statement)).toEqual(make(1_999, 5).compile())
    expect(kept.calls.count).toBe(0)
    const past = [counted(make(2_000, 1)), counted(make(2_000, 2))]
    for (const [v, { statement }] of past.entries()) expect(compiled(statement)).toEqual(make(2_000, v + 1).compile())
    expect(past.map((run) => run.calls.count)).toEqual([1, 1])
  })
})

describe("compiled.ts with a compiler that binds otherwise", () => {
  it("a shape whose gathered parameters are not the compile's is never kept", () => {
    // A compiler whose inserts bind their values in reverse: the shape's gathering (column order) disagrees.
    const compiler = Statement.makeCompiler({
      dialect: "sqlite",
      placeholder: () => "?",
      onIdentifier: (name) => `"${name}"`,
      onRecordUpdate: () => ["", []],
      onCustom: () => ["", []],
      onInsert: (columns, placeholders, values) => [
        `(${columns.join(",")}) VALUES ${placeholders}`,
        values.flat().reverse()
      ]
    })
    const sql = tagOf(compiler)
    const compiled = compiledBy()
    const make = (v: number) => sql`INSERT INTO CONTACT ${sql.insert({ CONTACT_ID: v, NOTES: "n" })}`
    const runs = [1, 2].map((v) => ({ v, ...counted(make(v)) }))
    for (const { v, statement } of runs) expect(compiled(statement)).toEqual(make(v).compile())
    expect(runs.map((run) => run.calls.count)).toEqual([1, 1])
  })
})
