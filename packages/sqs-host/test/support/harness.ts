import { SendMessageCommand } from "@aws-sdk/client-sqs"
import { devDetailUrlOrigins, type CoreOptions, TelemetryEvents, type TelemetryEvent } from "@ram-delius/core"
import { createSeededDatabase, sqliteFile, testCoreLayer } from "@ram-delius/core/testing"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { DatabaseSync, type SQLInputValue } from "node:sqlite"
import type { ConsumerSettings } from "../../src/config.js"
import { fillPlaceholders, startDevStack, type DevStack } from "../../src/devStack.js"
import { startConsumer, type HandlerServices, type RunningConsumer } from "../../src/poller.js"
import { defaultFixturesDir } from "../../src/referAndMonitorStub.js"
import { sendEvent } from "../../src/sqs.js"

/**
 * One test's world: fauxqs and the R&M stub on loopback ports, a temporary SQLite file seeded with the dev dataset,
 * and core wired to them (test telemetry, embedded directory, R&M client with a token from the stub and fast
 * retries). Consumers started here poll with short waits and 1 s back-offs so retries and DLQ moves take seconds.
 */
const fastSettings: Partial<ConsumerSettings> = {
  waitTimeSeconds: 1,
  concurrency: 4,
  visibilityTimeoutSeconds: 30,
  errorVisibilityTimeouts: [1],
  receiveErrorBackoffMillis: { initial: 50, max: 500 },
  statsIntervalMillis: 60_000,
  drainTimeoutMillis: 10_000
}

/** A temporary SQLite file, migrated and seeded with the dev dataset (core's test kit, `@ram-delius/core/testing`). */
export const createDevDatabase = async () => {
  const db = await createSeededDatabase("sqlite")
  return { url: db.url, path: sqliteFile(db), drop: db.drop }
}

export const fixtureFile = (name: string) => join(defaultFixturesDir(), "events", `${name}.json`)

export interface HarnessOptions {
  /** Replace the database layer (e.g. to shorten SQLite's busy timeout). */
  readonly database?: (url: string) => NonNullable<CoreOptions<unknown>["database"]>
}

export const startHarness = async (options: HarnessOptions = {}) => {
  const stack: DevStack = await startDevStack({ sqsPort: 0, referAndMonitorPort: 0 })
  const stub = stack.referAndMonitor
  const db = await createDevDatabase()
  const core = testCoreLayer(db.url, {
    ...(options.database === undefined ? {} : { database: options.database }),
    referAndMonitor: {
      // The client's default retry (none): the event handler's is the one retry layer (§5.2 step 6, §5.3).
      auth: { url: stub.authUrl, clientId: "refer-and-monitor-and-delius", clientSecret: Redacted.make("secret") },
      detailUrlOrigins: devDetailUrlOrigins(stub.port)
    }
  })
  const runtime: ManagedRuntime.ManagedRuntime<HandlerServices | TelemetryEvents, unknown> = ManagedRuntime.make(
    Layer.merge(core, Logger.minimumLogLevel(process.env.TEST_LOG_LEVEL === "debug" ? LogLevel.Debug : LogLevel.Error))
  )
  await runtime.runtime()
  const sqlite = new DatabaseSync(db.path, { readOnly: true })
  const consumers: Array<RunningConsumer> = []

  const harness = {
    stack,
    stub,
    db,
    runtime,
    client: stack.client,
    queueUrl: stack.queueUrl,
    dlqUrl: stack.dlqUrl,
    sqlitePath: db.path,

    start: async (settings: Partial<ConsumerSettings> = {}) => {
      const consumer = await startConsumer({
        client: stack.client,
        queue: stack.queueUrl,
        core: runtime,
        ...fastSettings,
        ...settings
      })
      consumers.push(consumer)
      return consumer
    },

    /** Sends `fixtures/events/{name}.json` with the stub's port filled in. */
    sendFixture: (name: string) =>
      sendEvent(stack.client, stack.queueUrl, fillPlaceholders(readFileSync(fixtureFile(name), "utf8"), stub.port)),

    sendBody: async (body: string) =>
      (await stack.client.send(new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: body }))).MessageId ??
      "",

    telemetry: (): Promise<ReadonlyArray<TelemetryEvent>> =>
      runtime.runPromise(Effect.flatMap(TelemetryEvents, (events) => events.all)),

    rows: <T = Record<string, unknown>>(sql: string, ...params: ReadonlyArray<unknown>): Array<T> =>
      sqlite.prepare(sql).all(...(params as Array<SQLInputValue>)) as unknown as Array<T>,

    /** Messages on a queue by state, without touching them. */
    queue: (which: "main" | "dlq" = "main") => {
      const name = which === "main" ? "refer-and-monitor-and-delius-queue" : "refer-and-monitor-and-delius-dlq"
      const inspected = stack.sqs.inspectQueue(name)
      if (inspected === undefined) throw new Error(`no queue ${name}`)
      return {
        ready: inspected.messages.ready.length,
        inflight: inspected.messages.inflight.length,
        delayed: inspected.messages.delayed.length,
        total: inspected.messages.ready.length + inspected.messages.inflight.length + inspected.messages.delayed.length,
        bodies: [...inspected.messages.ready, ...inspected.messages.inflight.map((entry) => entry.message)].map(
          (m) => m.body
        )
      }
    },

    close: async () => {
      for (const consumer of consumers) await consumer.stop()
      sqlite.close()
      await runtime.dispose()
      await stack.close()
      await db.drop()
    }
  }
  return harness
}

export type Harness = Awaited<ReturnType<typeof startHarness>>

/** Polls `check` every 25 ms until it holds; fails with `what` after `timeoutMillis`. */
export const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMillis = 15_000) => {
  const deadline = Date.now() + timeoutMillis
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Delius state that a repeated delivery must not change (audit rows excepted: every delivery is audited, §8.3). */
export const deliusSnapshot = (h: Harness) => ({
  contacts: h
    .rows<Record<string, unknown>>(
      `SELECT c.CONTACT_ID, t.CODE AS TYPE, o.CODE AS OUTCOME, c.ATTENDED, c.COMPLIED, c.RAR_ACTIVITY, c.ENFORCEMENT,
            c.HOURS_CREDITED, c.NOTES, c.EXTERNAL_REFERENCE
       FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
       LEFT JOIN R_CONTACT_OUTCOME_TYPE o ON o.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID
      ORDER BY c.CONTACT_ID`
    )
    .map((row) => ({
      ...row,
      // Notes of enforcement contacts carry the processing time, which differs between two runs.
      NOTES:
        typeof row.NOTES === "string"
          ? row.NOTES.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?/g, "<time>")
          : row.NOTES
    })),
  enforcements: h.rows("SELECT CONTACT_ID, ENFORCEMENT_ACTION_ID FROM ENFORCEMENT ORDER BY ENFORCEMENT_ID"),
  nsis: h.rows(
    "SELECT NSI_ID, NSI_STATUS_ID, NSI_OUTCOME_ID, ACTIVE_FLAG, ACTUAL_END_DATE, RAR_COUNT FROM NSI ORDER BY NSI_ID"
  ),
  statusHistory: h.rows("SELECT NSI_ID, NSI_STATUS_ID FROM NSI_STATUS_HISTORY ORDER BY NSI_STATUS_HISTORY_ID"),
  events: h.rows("SELECT EVENT_ID, FTC_COUNT, IN_BREACH FROM EVENT ORDER BY EVENT_ID")
})

/** A contact with its type and outcome codes. */
export const contact = (h: Harness, id: number) =>
  h.rows<{
    TYPE: string
    OUTCOME: string | null
    ATTENDED: string | null
    COMPLIED: string | null
    RAR_ACTIVITY: string | null
    HOURS_CREDITED: number | null
    ENFORCEMENT: number | null
  }>(
    `SELECT t.CODE AS TYPE, o.CODE AS OUTCOME, c.ATTENDED, c.COMPLIED, c.RAR_ACTIVITY, c.HOURS_CREDITED, c.ENFORCEMENT
       FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
       LEFT JOIN R_CONTACT_OUTCOME_TYPE o ON o.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID
      WHERE c.CONTACT_ID = ?`,
    id
  )[0]

/** Contacts of a type on the WITHDRAWN NSI (dev-dataset.md §5: NSI 1). */
export const nsiContacts = (h: Harness, type: string) =>
  h.rows<{ CONTACT_ID: number; CONTACT_DATE: string; NOTES: string | null }>(
    `SELECT c.CONTACT_ID, c.CONTACT_DATE, c.NOTES FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
      WHERE t.CODE = ? AND c.NSI_ID = 1`,
    type
  )

/** Starts a consumer, sends the fixtures, and waits until each was received and the queue is empty. */
export const deliver = async (h: Harness, ...fixtures: ReadonlyArray<string>) => {
  const consumer = await h.start()
  for (const fixture of fixtures) await h.sendFixture(fixture)
  await waitFor(
    `${fixtures.join(", ")} handled`,
    () => consumer.stats.received >= fixtures.length && consumer.stats.inFlight === 0 && h.queue().total === 0
  )
  return consumer
}
