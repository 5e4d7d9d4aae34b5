/**
 * One statement on PostgreSQL as one Effect step: a pg query (named when it has parameters) whose callback resumes the
 * fiber with the rows already shaped — no per-statement scope, span or finalizer (DESIGN.md, The Delius data layer).
 */
import { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import pg from "pg"

/** What a statement's result becomes: objects (names as reported or transformed), arrays, or pg's own Result. */
export type Shape = "objects" | "transformed" | "arrays" | "raw"

export type PgRunner = (
  sql: string,
  params: ReadonlyArray<unknown>,
  shape: Shape
) => Effect.Effect<ReadonlyArray<any>, SqlError>

/** The prepared statement name for a SQL text, or undefined to run it unnamed. */
export type StatementNames = (sql: string, params: ReadonlyArray<unknown>) => string | undefined

// A schema change can alter what a prepared statement returns (`SELECT *`); after DDL every text gets a new name, so
// each connection prepares it afresh rather than fail with "cached plan must not change result type".
const DDL = /^\s*(CREATE|ALTER|DROP)\b/i

/**
 * Names for SQL texts with parameters, one per text per client (pg prepares a name once per connection). Texts without
 * parameters run as simple queries, as they did: BEGIN / COMMIT, and scripts of several statements, which PostgreSQL
 * does not prepare. Beyond `capacity` texts, new ones run unnamed, so the server's statements per connection are bounded.
 */
export const statementNames = (capacity: number): StatementNames => {
  let generation = 0
  const names = new Map<string, string>()
  return (sql, params) => {
    const name = names.get(sql)
    if (name !== undefined) return name
    if (DDL.test(sql)) {
      generation++
      names.clear()
      return undefined
    }
    if (params.length === 0 || names.size >= capacity) return undefined
    const made = `ram_delius_${generation}_${names.size}`
    names.set(sql, made)
    return made
  }
}

const failed = (cause: unknown) => new SqlError({ cause, message: "Failed to execute statement" })

/** Column names transformed once each (a client's result names are a small, fixed set). */
const nameTransformer = (transform: ((name: string) => string) | undefined) => {
  if (transform === undefined) return undefined
  const seen = new Map<string, string>()
  return (name: string) => {
    let out = seen.get(name)
    if (out === undefined) seen.set(name, (out = transform(name)))
    return out
  }
}

type Transform = ((name: string) => string) | undefined

/** Array rows (pg's `rowMode: "array"`) as objects keyed by the result's column names. */
const toObjects = (result: pg.QueryResult<Array<unknown>>, transform: Transform) => {
  const names = result.fields.map((field) => (transform === undefined ? field.name : transform(field.name)))
  return result.rows.map((row) => {
    const object: Record<string, unknown> = {}
    let j = 0
    for (const name of names) object[name] = row[j++]
    return object
  })
}

const shaped = (result: pg.QueryResult<Array<unknown>>, shape: Shape, transform: Transform): ReadonlyArray<unknown> => {
  switch (shape) {
    case "raw":
      return result as unknown as ReadonlyArray<unknown>
    case "arrays":
      return result.rows ?? []
    case "objects":
      return result.rows === undefined ? [] : toObjects(result, undefined)
    case "transformed":
      return result.rows === undefined ? [] : toObjects(result, transform)
  }
}

/** A result, or the results of a script of several statements (one array of rows each). */
const shape = (result: unknown, how: Shape, transform: Transform): ReadonlyArray<unknown> =>
  Array.isArray(result) && how !== "raw"
    ? result.map((r: pg.QueryResult<Array<unknown>>) => shaped(r, how, transform))
    : shaped(result as pg.QueryResult<Array<unknown>>, how, transform)

const queryOf = (sql: string, params: ReadonlyArray<unknown>, shape: Shape, names: StatementNames) => {
  const name = names(sql, params)
  return {
    text: sql,
    values: params as Array<unknown>,
    ...(name === undefined ? {} : { name }),
    ...(shape === "raw" ? {} : { rowMode: "array" as const })
  }
}

/**
 * Best-effort cancel of the statement a connection is running when the fiber waiting for it is interrupted: the
 * protocol's CancelRequest on a connection of its own (what pg's `Client#cancel` sends), so it needs no pooled
 * connection — every one may be taken, by the very transactions the statement waits for. Waited for (until the server
 * closes that connection, at most 5 s), so the cancel cannot land on the connection's next statement (a transaction's
 * ROLLBACK, queued behind it).
 */
const cancel = (pool: pg.Pool, client: pg.PoolClient) =>
  Effect.async<void>((resume) => {
    const { processID, secretKey } = client as unknown as { processID?: number; secretKey?: number }
    if (processID === undefined || pool.ending) return resume(Effect.void)
    const canceller = new pg.Client(pool.options) as unknown as CancellingClient
    const connection = canceller.connection
    const done = () => resume(Effect.void)
    connection.once("end", done)
    connection.once("error", done)
    connection.once("connect", () => connection.cancel(processID, secretKey))
    if (canceller.host.startsWith("/")) connection.connect(`${canceller.host}/.s.PGSQL.${canceller.port}`)
    else connection.connect(canceller.port, canceller.host)
  }).pipe(Effect.interruptible, Effect.timeoutOption(5000), Effect.asVoid)

/** The parts of an unconnected pg Client its protocol cancel uses (pg does not declare them). */
interface CancellingClient {
  readonly host: string
  readonly port: number
  readonly connection: {
    connect(portOrPath: number | string, host?: string): void
    cancel(processID: number, secretKey: number | undefined): void
    once(event: "connect" | "end" | "error", listener: () => void): void
  }
}

type Done = (result: Either.Either<ReadonlyArray<any>, SqlError>) => void

/** One statement, its outcome handed to `done`; returns what interrupts it. */
export type PgCallback = (sql: string, params: ReadonlyArray<unknown>, shape: Shape, done: Done) => Effect.Effect<void>

/** A callback-style statement as an Effect (one `Effect.async`). */
export const asRunner =
  (run: PgCallback): PgRunner =>
  (sql, params, how) =>
    Effect.async((resume) => run(sql, params, how, resume))

/** Statements on a checked-out client (a transaction's). */
export const onClient = (pool: pg.Pool, client: pg.PoolClient, names: StatementNames, transformName: Transform) => {
  const transform = nameTransformer(transformName)
  const interrupt = cancel(pool, client)
  const run: PgCallback = (sql, params, how, done) => {
    try {
      client.query(queryOf(sql, params, how, names), (error: Error | null, result: unknown) =>
        done(error ? Either.left(failed(error)) : Either.right(shape(result, how, transform)))
      )
    } catch (error) {
      // pg throws synchronously on values it cannot serialise.
      done(Either.left(failed(error)))
    }
    return interrupt
  }
  return run
}

/**
 * A statement outside a transaction: a connection checked out for it alone and released when it has run (destroyed
 * when it reported an error of its own, as @effect/sql-pg did).
 */
export const onPool = (pool: pg.Pool, names: StatementNames, transformName: Transform): PgCallback => {
  const transform = nameTransformer(transformName)
  return (sql, params, how, finish) => {
    let interrupted = false
    let running: pg.PoolClient | undefined
    pool.connect((error, client, release) => {
      if (error || client === undefined) {
        const cause = error ?? new Error("No client returned")
        return finish(Either.left(new SqlError({ cause, message: "Failed to acquire connection" })))
      }
      if (interrupted) return release()
      let broken: Error | undefined
      const onError = (cause: Error) => (broken = cause)
      client.once("error", onError)
      const done = () => {
        client.off("error", onError)
        release(broken)
      }
      running = client
      try {
        client.query(queryOf(sql, params, how, names), (error: Error | null, result: unknown) => {
          done()
          finish(error ? Either.left(failed(error)) : Either.right(shape(result, how, transform)))
        })
      } catch (error) {
        done()
        finish(Either.left(failed(error)))
      }
    })
    return Effect.suspend(() => {
      interrupted = true
      return running === undefined ? Effect.void : cancel(pool, running)
    })
  }
}
