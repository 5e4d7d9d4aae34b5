/**
 * How core runs the statements it issues (DESIGN.md, The Delius data layer). The fast path reads @effect/sql internals
 * (a statement's `compile` and `transformRows`, `Statement.currentTransformer`, `SqlClient.TransactionConnection`):
 * test/statement.test.ts pins each of them and the @effect/sql release, and fails naming the one that changed.
 */
import { SqlClient, type SqlConnection, type SqlError, Statement } from "@effect/sql"
import { Context, Effect, type Either, Exit, FiberId, FiberRef, Option, type Tracer } from "effect"
import { startSpan, underSpan } from "../telemetry/spans.js"
import { compiledBy } from "./compiled.js"

const { currentTransformer } = Statement

type TransformRows = NonNullable<Parameters<SqlConnection.Connection["execute"]>[2]>
/**
 * What `run` reads from an @effect/sql statement: its segments, its public `compile` and the row transform it was built
 * with.
 */
interface Compilable {
  readonly segments: ReadonlyArray<Statement.Segment>
  readonly compile: () => readonly [sql: string, params: ReadonlyArray<unknown>]
  readonly transformRows: TransformRows | undefined
}
const isCompilable = (u: unknown): u is Compilable =>
  typeof u === "object" && u !== null && "compile" in u && "transformRows" in u && "segments" in u

// The clients that register a fast path (SQLite's `?`, PostgreSQL's `$n` placeholders) compile each statement shape
// once (compiled.ts), keyed by the connection getter their statements carry.
const compilers = new WeakMap<object, ReturnType<typeof compiledBy>>()

/** `statement.compile()`, from its client's compiled shapes when it has them. */
const compile = (statement: Compilable): readonly [string, ReadonlyArray<unknown>] => {
  const acquirer = acquirerOf(statement)
  const compiled = acquirer === undefined ? undefined : compilers.get(acquirer)
  return compiled === undefined ? statement.compile() : compiled(statement)
}

const compiling = (statement: unknown) => {
  const acquirer = acquirerOf(statement)
  if (acquirer !== undefined && !compilers.has(acquirer)) compilers.set(acquirer, compiledBy())
}

/** Runs one compiled statement outside a transaction, holding the client's connection for that statement only. */
export type DirectExecute = (
  sql: string,
  params: ReadonlyArray<unknown>,
  transformRows: TransformRows | undefined
) => Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>

/** Runs one compiled statement synchronously on a connection: its rows, or the driver's failure as a SqlError. */
export type SyncExecute = (
  sql: string,
  params: ReadonlyArray<unknown>,
  transformRows: TransformRows | undefined
) => Either.Either<ReadonlyArray<unknown>, SqlError.SqlError>

/** What a client over a synchronous driver on one connection (the SQLite client) offers `run`. */
export interface DirectPath {
  /** Run the statement now; outside a transaction only while `free()` (no other fiber holds the connection). */
  readonly now: SyncExecute
  readonly free: () => boolean
  /** Outside a transaction, when the connection is held: wait for it, run, give it back. */
  readonly later: DirectExecute
}

// Keyed by the connection getter the client's statements carry (`acquirer`, an @effect/sql internal pinned by
// test/statement.test.ts) for statements outside a transaction, and by the connection for those inside one.
const byAcquirer = new WeakMap<object, DirectPath>()
const byConnection = new WeakMap<object, SyncExecute>()

/** Register the direct path of the client `statement` (any statement made by it) belongs to, and its connection. */
export const registerDirectPath = (statement: unknown, connection: object, path: DirectPath): void => {
  const acquirer = acquirerOf(statement)
  if (acquirer !== undefined) byAcquirer.set(acquirer, path)
  byConnection.set(connection, path.now)
  compiling(statement)
}

/** Runs one compiled statement and calls `done` with its rows or failure; returns what interrupts it. */
export type CallbackExecute = (
  sql: string,
  params: ReadonlyArray<unknown>,
  transformRows: TransformRows | undefined,
  done: (result: Either.Either<ReadonlyArray<unknown>, SqlError.SqlError>) => void
) => Effect.Effect<void>

// A pooled client over an asynchronous driver (PostgreSQL): by acquirer for statements outside a transaction (each
// on a connection checked out for it alone), by connection for those inside one.
const callbackByAcquirer = new WeakMap<object, CallbackExecute>()
const callbackByConnection = new WeakMap<object, CallbackExecute>()

/** Register how the pooled client `statement` (any statement made by it) runs a statement outside a transaction. */
export const registerCallbackPath = (statement: unknown, execute: CallbackExecute): void => {
  const acquirer = acquirerOf(statement)
  if (acquirer !== undefined) callbackByAcquirer.set(acquirer, execute)
  compiling(statement)
}

/** Register how a pooled client's transaction connection runs a statement. */
export const registerCallbackConnection = (connection: object, execute: CallbackExecute): void => {
  callbackByConnection.set(connection, execute)
}

const acquirerOf = (statement: unknown): object | undefined => {
  const acquirer = typeof statement === "object" && statement !== null ? Reflect.get(statement, "acquirer") : undefined
  return typeof acquirer === "object" && acquirer !== null ? acquirer : undefined
}

type Fiber = Parameters<Parameters<typeof Effect.withFiberRuntime>[0]>[0]

/**
 * The statement run at once, synchronously, when its client allows it (no statement transformer, a client
 * with a direct path whose connection is free or is this fiber's transaction's); undefined when it must take a path
 * that returns an Effect (`run`).
 */
const runNow = (
  fiber: Fiber,
  statement: unknown,
  span?: StatementSpan
): Either.Either<ReadonlyArray<unknown>, SqlError.SqlError> | undefined => {
  if (!isCompilable(statement)) return undefined
  if (Option.isSome(fiber.getFiberRef(currentTransformer))) return undefined
  const transaction = Context.getOption(fiber.currentContext, SqlClient.TransactionConnection)
  const now = Option.isSome(transaction) ? byConnection.get(transaction.value[0]) : freePath(statement)
  if (now === undefined) return undefined
  const [sql, params] = compile(statement)
  span?.attribute("db.statement", sql)
  return now(sql, params, statement.transformRows)
}

const freePath = (statement: unknown) => {
  const acquirer = acquirerOf(statement)
  const path = acquirer === undefined ? undefined : byAcquirer.get(acquirer)
  return path !== undefined && path.free() ? path.now : undefined
}

/**
 * The statement bound to its pooled client's callback path (no statement transformer, a client that registered one):
 * call it with `done` inside one `Effect.async`. Undefined when it must take another path.
 */
const runLater = (
  fiber: Fiber,
  statement: unknown,
  span?: StatementSpan
):
  | ((done: (result: Either.Either<ReadonlyArray<unknown>, SqlError.SqlError>) => void) => Effect.Effect<void>)
  | undefined => {
  if (!isCompilable(statement)) return undefined
  if (Option.isSome(fiber.getFiberRef(currentTransformer))) return undefined
  const transaction = Context.getOption(fiber.currentContext, SqlClient.TransactionConnection)
  let execute: CallbackExecute | undefined
  if (Option.isSome(transaction)) execute = callbackByConnection.get(transaction.value[0])
  else {
    const acquirer = acquirerOf(statement)
    execute = acquirer === undefined ? undefined : callbackByAcquirer.get(acquirer)
  }
  if (execute === undefined) return undefined
  const [sql, params] = compile(statement)
  span?.attribute("db.statement", sql)
  return (done) => execute(sql, params, statement.transformRows, done)
}

// The names the Azure Monitor exporter reads to make a span an SQL dependency (type, target, and the statement as its
// `data`): the legacy semantic conventions, where @effect/sql's spans carry the current ones (`db.system.name`,
// `db.query.text`), which the exporter only copies into custom dimensions.
const LEGACY_DB_SYSTEM: Readonly<Record<string, string>> = {
  sqlite: "sqlite",
  postgresql: "postgresql",
  "oracle.db": "oracle",
  "microsoft.sql_server": "mssql"
}

/** The span attributes the client gave its statements (`Statement#spanAttributes`, an @effect/sql internal). */
const spanAttributesOf = (statement: unknown): ReadonlyArray<readonly [string, unknown]> => {
  const attributes = typeof statement === "object" && statement !== null ? Reflect.get(statement, "spanAttributes") : []
  return Array.isArray(attributes) ? (attributes as ReadonlyArray<readonly [string, unknown]>) : []
}

/** The span of one statement: started before it runs, ended once with how it ended. */
export interface StatementSpan {
  readonly attribute: (key: string, value: unknown) => void
  /** Ends the span, failed with a Left's error or a failed Exit; a span already ended stays as it ended. */
  readonly end: (result: Either.Either<unknown, unknown> | Exit.Exit<unknown, unknown>) => void
}

const SPAN_OPTIONS: Tracer.SpanOptions = { kind: "client", captureStackTrace: false }

/**
 * With spans on, the client span of one statement, named for what it does (the repository operation, else
 * `sql.execute`): the client's attributes, and the database system and statement text as the exporter reads them.
 * Undefined when spans are off.
 *
 * It is started as `Effect.withSpan` starts a span (telemetry/spans.ts, `startSpan`) but it is never put in the
 * fiber's context: nothing runs inside a statement, so no span ever has it as parent. Providing it would copy the
 * context (every service) and set a fiber ref for each statement, which was most of the runtime's extra work per
 * request with spans on; and the statement still takes its fast path (`runNow`, `runLater`), which then sets the
 * statement text once it has compiled it.
 */
const startStatementSpan = (fiber: Fiber, name: string, statement: unknown): StatementSpan | undefined => {
  if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return undefined
  const { span, end } = startSpan(fiber, name, SPAN_OPTIONS)
  let system: unknown
  for (const [key, value] of spanAttributesOf(statement)) {
    span.attribute(key, value)
    if (key === "db.system.name") system = LEGACY_DB_SYSTEM[String(value)]
    else if (key === "db.namespace") span.attribute("db.name", value)
  }
  if (system !== undefined) span.attribute("db.system", system)
  return {
    attribute: (key, value) => span.attribute(key, value),
    end: (result) =>
      end(
        result._tag === "Left"
          ? Exit.fail(result.left)
          : result._tag === "Right"
            ? Exit.void
            : (result as Exit.Exit<unknown, unknown>)
      )
  }
}

/**
 * `effect`, which runs `statement` by a path that is not `runNow` or `runLater`, inside `span` (when spans are on): its
 * own spans (@effect/sql's `sql.execute` would be a second dependency for the same statement) are off.
 */
const withinSpan = <A, E, R>(
  span: StatementSpan | undefined,
  statement: unknown,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  if (span === undefined) return effect
  if (isCompilable(statement)) span.attribute("db.statement", compile(statement)[0])
  return Effect.onExit(Effect.withTracerEnabled(effect, false), (exit) => Effect.sync(() => span.end(exit)))
}

type Rows = Either.Either<ReadonlyArray<unknown>, SqlError.SqlError>

/**
 * Run `statement` on the fastest path its client offers — `runNow`, else `runLater` in one `Effect.async`, else
 * `slow` — and answer with `settle` of its rows or failure (`slow` answers for itself). With spans on, it is one client
 * span named `name` (`startStatementSpan`), ended with what `settle` answers, with `slow`'s exit, or as interrupted
 * when the fiber is interrupted while the statement runs. `run`, `findAll` and `execute` (query.ts) are this with
 * their own `settle` and `slow`.
 */
export const runStatement = <B, E>(
  fiber: Fiber,
  name: string,
  statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>,
  settle: (result: Rows) => Either.Either<B, E> | Exit.Exit<B, E>,
  slow: (fiber: Fiber, statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>) => Effect.Effect<B, E>
): Effect.Effect<B, E> => {
  const span = startStatementSpan(fiber, name, statement)
  const now = runNow(fiber, statement, span)
  if (now !== undefined) return spanEnded(span, settle(now))
  const later = runLater(fiber, statement, span)
  if (later !== undefined) {
    return Effect.async<B, E>((resume) => {
      const cancel = later((result) => resume(spanEnded(span, settle(result))))
      return span === undefined
        ? cancel
        : Effect.ensuring(
            cancel,
            Effect.sync(() => span.end(Exit.interrupt(FiberId.none)))
          )
    })
  }
  return withinSpan(span, statement, slow(fiber, statement))
}

const spanEnded = <S extends Either.Either<unknown, unknown> | Exit.Exit<unknown, unknown>>(
  span: StatementSpan | undefined,
  settled: S
): S => {
  span?.end(settled)
  return settled
}

/**
 * `effect`, which runs `statement` some other way than `run` does (for a driver's own result, such as Oracle's
 * `rowsAffected`), as that statement's one span when spans are on.
 */
export const asStatement =
  (name: string, statement: unknown) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiberRuntime((fiber) => withinSpan(startStatementSpan(fiber, name, statement), statement, effect))

type WithTransaction = SqlClient.SqlClient["withTransaction"]

/**
 * The `withTransaction` of a client that runs its own transactions (sqlite/lean.ts, postgres/lean.ts): `transaction`,
 * given the caller's context to put back when it ends. Inside another transaction (a savepoint) @effect/sql's own
 * `fallback` runs. With spans on, the transaction is one client span, `sql.transaction`, with the client's attributes,
 * as @effect/sql's is — without its commit and rollback span events, which the exporter sends as one more trace record
 * each: the span's success already says which it was.
 */
export const leanWithTransaction = (
  fallback: WithTransaction,
  spanAttributes: ReadonlyArray<readonly [string, unknown]>,
  transaction: <R, E, A>(
    effect: Effect.Effect<A, E, R>,
    context: Context.Context<never>
  ) => Effect.Effect<A, E | SqlError.SqlError, R>
): WithTransaction => {
  const options = { kind: "client", captureStackTrace: false, attributes: Object.fromEntries(spanAttributes) } as const
  return <R, E, A>(effect: Effect.Effect<A, E, R>) =>
    Effect.withFiberRuntime<A, E | SqlError.SqlError, R>((fiber) => {
      const context = fiber.currentContext
      if (Option.isSome(Context.getOption(context, SqlClient.TransactionConnection))) return fallback(effect)
      if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return transaction(effect, context)
      const inSpan = Effect.withFiberRuntime<A, E | SqlError.SqlError, R>((spanned) =>
        transaction(effect, spanned.currentContext)
      )
      return underSpan(startSpan(fiber, "sql.transaction", options), inSpan)
    })
}

/**
 * Execute a statement. With spans on, it is one client span (`startStatementSpan`, named `name`) and takes the same
 * path as with spans off. With a statement transformer installed, it runs as @effect/sql runs it. Otherwise @effect/sql's path — a
 * span, a scope and a connection lookup every time, about 45 µs against 8 µs of SQLite work (measured on the
 * appointment merge) — is skipped: a client over a synchronous driver (SQLite) runs it at once (`runNow`), or once its
 * connection is handed over; inside a transaction it runs straight on the transaction's connection; the PostgreSQL
 * client runs it in one `Effect.async` (`runLater`), on its transaction's connection or on one checked out for it
 * alone; another pooled client (Oracle, SQL Server) runs it outside a transaction as @effect/sql does.
 */
export const run = <A>(
  statement: Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>,
  name = "sql.execute"
): Effect.Effect<ReadonlyArray<A>, SqlError.SqlError> =>
  Effect.withFiberRuntime(
    (fiber) =>
      runStatement(fiber, name, statement, unchanged, slowPath) as Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>
  )

const unchanged = (result: Rows): Rows => result

/** `run` where there is no fast path: the transaction's connection, the client's own `later`, or @effect/sql's path. */
const slowPath = <A>(
  fiber: Fiber,
  statement: Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>
): Effect.Effect<ReadonlyArray<A>, SqlError.SqlError> => {
  if (!isCompilable(statement)) return statement
  if (Option.isSome(fiber.getFiberRef(currentTransformer))) return statement
  const transaction = Context.getOption(fiber.currentContext, SqlClient.TransactionConnection)
  const [sql, params] = compile(statement)
  if (Option.isSome(transaction)) return transaction.value[0].execute(sql, params, statement.transformRows)
  const acquirer = acquirerOf(statement)
  const path = acquirer === undefined ? undefined : byAcquirer.get(acquirer)
  if (path === undefined) return statement
  return path.later(sql, params, statement.transformRows) as Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>
}
