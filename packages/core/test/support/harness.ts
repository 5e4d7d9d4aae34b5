import { SqlClient } from "@effect/sql"
import { Cause, Effect, Exit, Layer, Logger, LogLevel, ManagedRuntime, Option, Schedule } from "effect"
import * as Database from "../../src/delius/database.js"
import { canonicalTimestamp } from "../../src/delius/query.js"
import { tables } from "../../src/delius/tables.js"
import { devDetailUrlOrigins } from "../../src/refer-and-monitor/config.js"
import { type TelemetryEvent, TelemetryEvents } from "../../src/telemetry/Telemetry.js"
import {
  cloneSeededDatabase,
  type TestCoreServices,
  testCoreLayer,
  type TestDatabase
} from "../../src/testing/index.js"
import { londonDate, londonDateTime } from "../../src/domain/time.js"

/**
 * One test's world: a fresh database with the dev dataset, the core wired as a host wires it (the kit's test core
 * layer: test telemetry, embedded directory, R&M client without auth and without retries), and helpers that read
 * Delius rows back in a dialect-neutral form (camelCase keys, timestamps as `YYYY-MM-DD HH:MM:SS.ffffff`, dates as
 * `YYYY-MM-DD`).
 */
type Services = TestCoreServices

export type Row = Record<string, unknown>

const columnTypes = new Map<string, Map<string, string>>()
for (const table of tables) {
  const types = new Map<string, string>()
  for (const column of table.columns) {
    if (column.type === "timestamp" || column.type === "date") types.set(Database.resultName(column.name), column.type)
  }
  columnTypes.set(table.name, types)
}

/** Dialect-neutral form of a row of `table` (drivers return timestamps and dates as differently shaped text). */
const normalise = (table: string, row: Row): Row => {
  const types = columnTypes.get(table)
  const out: Row = {}
  for (const [key, value] of Object.entries(row)) {
    const type = types?.get(key)
    out[key] =
      typeof value === "string" && type === "timestamp"
        ? canonicalTimestamp(value)
        : typeof value === "string" && type === "date"
          ? value.slice(0, 10)
          : value
  }
  return out
}

export interface Harness {
  readonly db: TestDatabase
  readonly run: <A, E>(effect: Effect.Effect<A, E, Services>) => Promise<A>
  readonly exit: <A, E>(effect: Effect.Effect<A, E, Services>) => Promise<Exit.Exit<A, E>>
  /** The expected failure of an effect (the test fails if it succeeds or dies). */
  readonly failure: <A, E>(effect: Effect.Effect<A, E, Services>) => Promise<E>
  readonly sql: <A>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) => Promise<A>
  /** Every row of a table, normalised, ordered by the given column(s). */
  readonly rows: (table: string, orderBy: string) => Promise<ReadonlyArray<Row>>
  /** Contacts with their type and outcome codes (`typeCode`, `outcomeCode`), ordered by id. */
  readonly contacts: () => Promise<ReadonlyArray<Row>>
  readonly contact: (id: number) => Promise<Row>
  readonly nsi: (id: number) => Promise<Row>
  readonly nsis: () => Promise<ReadonlyArray<Row>>
  /** AUDITED_INTERACTION rows with the business interaction code, in insertion order (DATE_TIME, then rowid). */
  readonly audits: () => Promise<ReadonlyArray<{ code: string; outcome: string; parameters: string; userId: number }>>
  readonly count: (table: string) => Promise<number>
  /** Every table this service writes (audit excluded), for before/after comparisons. */
  readonly snapshot: () => Promise<Record<string, ReadonlyArray<Row>>>
  readonly telemetry: () => Promise<ReadonlyArray<TelemetryEvent>>
  readonly clearTelemetry: () => Promise<void>
  readonly dispose: () => Promise<void>
}

export interface HarnessOptions {
  /** PostgreSQL pool size (concurrency tests). */
  readonly maxConnections?: number
  /** The port of the test's R&M stub: the origins the client may call (§5.3); default the dev stub's 8091. */
  readonly referAndMonitorPort?: number
  /** Make spans, as production does when it exports them (the kit's `tracing`); default off. */
  readonly tracing?: boolean
}

export const makeHarness = async (kind: "sqlite" | "postgres", options: HarnessOptions = {}): Promise<Harness> => {
  const db = await cloneSeededDatabase(kind)
  const core = testCoreLayer(db.url, {
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    ...(options.tracing === undefined ? {} : { tracing: options.tracing }),
    referAndMonitor: {
      retrySchedule: Schedule.recurs(0),
      // The test's R&M stub is the dev-mode origin (§5.3), on whatever port it got.
      ...(options.referAndMonitorPort === undefined
        ? {}
        : { detailUrlOrigins: devDetailUrlOrigins(options.referAndMonitorPort) })
    }
  })
  // Warnings (e.g. "R&M is called without an Authorization header", expected in tests) are not printed.
  const layer = Layer.provide(core, Logger.minimumLogLevel(LogLevel.Error))
  const runtime = ManagedRuntime.make(layer as Layer.Layer<Services, Layer.Layer.Error<typeof layer>>)
  await runtime.runtime()
  // The runtime's own (layer) errors surface on the first run; after `runtime.runtime()` above they cannot occur.
  const run = <A, E>(effect: Effect.Effect<A, E, Services>): Promise<A> => runtime.runPromise(effect)
  const exit = <A, E>(effect: Effect.Effect<A, E, Services>) =>
    runtime.runPromiseExit(effect) as Promise<Exit.Exit<A, E>>
  const failure = async <A, E>(effect: Effect.Effect<A, E, Services>): Promise<E> => {
    const result = await exit(effect)
    if (Exit.isSuccess(result)) throw new Error(`Expected a failure, got success: ${JSON.stringify(result.value)}`)
    const error = Cause.failureOption(result.cause)
    if (Option.isNone(error)) throw new Error(`Expected a typed failure, got: ${Cause.pretty(result.cause)}`)
    return error.value
  }
  const sql = <A>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
    run(Effect.flatMap(SqlClient.SqlClient, f) as Effect.Effect<A, unknown, Services>)
  const rows = (table: string, orderBy: string) =>
    sql((s) => s.unsafe<Row>(`SELECT * FROM ${table} ORDER BY ${orderBy}`)).then((rs) =>
      rs.map((r) => normalise(table, r))
    )
  const contacts = () =>
    sql((s) =>
      s.unsafe<Row>(`SELECT c.*, t.CODE AS TYPE_CODE, o.CODE AS OUTCOME_CODE
        FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
        LEFT JOIN R_CONTACT_OUTCOME_TYPE o ON o.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID
        ORDER BY c.CONTACT_ID`)
    ).then((rs) => rs.map((r) => normalise("CONTACT", r)))
  const nsis = () =>
    sql((s) =>
      s.unsafe<Row>(`SELECT n.*, s.CODE AS STATUS_CODE, t.CODE AS TYPE_CODE, l.CODE_VALUE AS OUTCOME_CODE
        FROM NSI n JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = n.NSI_STATUS_ID JOIN R_NSI_TYPE t ON t.NSI_TYPE_ID = n.NSI_TYPE_ID
        LEFT JOIN R_STANDARD_REFERENCE_LIST l ON l.STANDARD_REFERENCE_LIST_ID = n.NSI_OUTCOME_ID
        ORDER BY n.NSI_ID`)
    ).then((rs) => rs.map((r) => normalise("NSI", r)))
  const find = (list: ReadonlyArray<Row>, key: string, id: number, what: string) => {
    const row = list.find((r) => r[key] === id)
    if (row === undefined) throw new Error(`${what} ${id} not found`)
    return row
  }
  const harness: Harness = {
    db,
    run,
    exit,
    failure,
    sql,
    rows,
    contacts,
    contact: async (id) => find(await contacts(), "contactId", id, "Contact"),
    nsi: async (id) => find(await nsis(), "nsiId", id, "NSI"),
    nsis,
    audits: () =>
      sql((s) =>
        s.unsafe<{ code: string; outcome: string; parameters: string | null; userId: number }>(
          `SELECT b.BUSINESS_INTERACTION_CODE AS CODE, a.OUTCOME, a.INTERACTION_PARAMETERS AS PARAMETERS, a.USER_ID
           FROM AUDITED_INTERACTION a JOIN BUSINESS_INTERACTION b ON b.BUSINESS_INTERACTION_ID = a.BUSINESS_INTERACTION_ID
           ORDER BY a.DATE_TIME`
        )
      ).then((rs) => rs.map((r) => ({ ...r, parameters: r.parameters ?? "" }))),
    count: (table) =>
      sql((s) => s.unsafe<{ n: number }>(`SELECT COUNT(*) AS N FROM ${table}`)).then((rs) => Number(rs[0]?.n ?? 0)),
    snapshot: async () => ({
      NSI: await rows("NSI", "NSI_ID"),
      NSI_MANAGER: await rows("NSI_MANAGER", "NSI_MANAGER_ID"),
      NSI_STATUS_HISTORY: await rows("NSI_STATUS_HISTORY", "NSI_STATUS_HISTORY_ID"),
      CONTACT: await rows("CONTACT", "CONTACT_ID"),
      ENFORCEMENT: await rows("ENFORCEMENT", "ENFORCEMENT_ID"),
      EVENT: await rows("EVENT", "EVENT_ID")
    }),
    telemetry: () => run(Effect.flatMap(TelemetryEvents, (t) => t.all)),
    clearTelemetry: () => run(Effect.flatMap(TelemetryEvents, (t) => t.clear)),
    dispose: async () => {
      await runtime.dispose()
      await db.drop()
    }
  }
  return harness
}

/** London "today" and wall-clock helpers for expectations. */
export const today = () => londonDate(Date.now())
export const nowWallClock = () => londonDateTime(Date.now())

/** Telemetry events with a given name. */
export const named = (events: ReadonlyArray<TelemetryEvent>, name: string) => events.filter((e) => e.name === name)
