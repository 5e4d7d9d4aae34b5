/**
 * Queue benchmark (not a test; `npm run bench -w @ram-delius/sqs-host`). Session-feedback events end to end —
 * SendMessage to fauxqs → consumer → core → R&M stub callback → SQLite — beside the raw floor: the SQL that core ran
 * for one such event, replayed directly on node:sqlite in the same process.
 *
 *   events/s  — events handled per second of wall time (saturated: the queue is filled as fast as it drains)
 *   p50 / p99 — from SendMessage to the Delius write committed (the success telemetry core emits after the commit)
 *
 * Feedback on the same contact is idempotent, so every event gets its own appointment: N CRSAPT contacts with
 * distinct EXTERNAL_REFERENCEs are inserted for T140223 first, and the stub serves N session bodies.
 * A "core only" row (handleDomainEvent called directly, same stub and database) shows what the SQS transport adds.
 * Loopback only, bounded counts (BENCH_EVENTS, default 400; BENCH_SEQUENTIAL, default 100; BENCH_CONCURRENCY,
 * default 4), stops by itself. BENCH_SHOW_SQL=1 prints the captured statements.
 * Everything (SDK, emulator, stub, core, SQLite) shares one Node thread, so the figures are relative, not capacity.
 */
import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs"
import { Statement } from "@effect/sql"
import { devDetailUrlOrigins, handleDomainEvent, makeCoreLayer, Telemetry } from "@ram-delius/core"
import { createSeededDatabase, sqliteFile, testCoreOptions } from "@ram-delius/core/testing"
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { startDevStack } from "../src/devStack.js"
import { startConsumer, type HandlerServices } from "../src/poller.js"
import { defaultFixturesDir } from "../src/referAndMonitorStub.js"

const SATURATED = Number(process.env.BENCH_EVENTS ?? 400)
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 100)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4)
const WARM_UP = 20
const REFERRAL = "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080" // NSI 1 of the dev dataset (dev-dataset.md §5)

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}
const ms = (value: number) => `${value.toFixed(2)} ms`

// --- Delius: the dev dataset plus one CRSAPT contact per event ---------------------------------------------------
const delius = await createSeededDatabase("sqlite")
const path = sqliteFile(delius)
const total = WARM_UP + 1 + SATURATED + 2 * SEQUENTIAL
const appointments = Array.from({ length: total }, () => randomUUID())
{
  const db = new DatabaseSync(path)
  const template = db.prepare("SELECT * FROM CONTACT WHERE CONTACT_ID = 2").get() as Record<string, unknown>
  const columns = Object.keys(template)
  const insert = db.prepare(
    `INSERT INTO CONTACT (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`
  )
  const next = db.prepare(
    "UPDATE DELIUS_SEQUENCE SET LAST_VALUE = LAST_VALUE + 1 WHERE SEQUENCE_NAME = 'CONTACT_ID_SEQ' RETURNING LAST_VALUE"
  )
  db.exec("BEGIN")
  for (const appointment of appointments) {
    const id = (next.get() as { LAST_VALUE: number }).LAST_VALUE
    insert.run({
      ...template,
      CONTACT_ID: id,
      EXTERNAL_REFERENCE: `urn:hmpps:interventions-appointment:${appointment}`
    } as Record<string, SQLInputValue>)
  }
  db.exec("COMMIT")
  db.close()
}

// --- R&M stub bodies and SQS bodies -------------------------------------------------------------------------------
const stack = await startDevStack({ sqsPort: 0, referAndMonitorPort: 0 })
const sessionTemplate = JSON.parse(
  readFileSync(
    join(defaultFixturesDir(), "refer-and-monitor-api", "session-appointment-feedback-submitted-compliant.json"),
    "utf8"
  )
) as Record<string, unknown>
const eventTemplate = JSON.parse(
  readFileSync(join(defaultFixturesDir(), "events", "session-appointment-feedback-submitted-compliant.json"), "utf8")
) as { Message: string } & Record<string, unknown>
const sessionPath = (i: number) => `/referral/${REFERRAL}/sessions/${i + 1}`
appointments.forEach((appointment, i) =>
  stack.referAndMonitor.serve(sessionPath(i), {
    status: 200,
    body: { ...sessionTemplate, sessionNumber: i + 1, appointmentId: appointment, deliusAppointmentId: null }
  })
)
const bodyFor = (i: number) => {
  const event = JSON.parse(eventTemplate.Message) as Record<string, unknown>
  event.detailUrl = `http://127.0.0.1:${stack.referAndMonitor.port}${sessionPath(i)}`
  return JSON.stringify({ ...eventTemplate, MessageId: randomUUID(), Message: JSON.stringify(event) })
}
const eventType = "intervention.session-appointment.session-feedback-submitted"

// --- core, with telemetry that timestamps each Delius write ------------------------------------------------------
const written = new Map<string, number>()
let onWrite: (() => void) | undefined
const telemetry = Layer.succeed(Telemetry, {
  trackEvent: (name, properties) =>
    Effect.sync(() => {
      if (name === "SessionAppointmentSubmitted" && properties.appointmentId !== undefined) {
        written.set(properties.appointmentId, performance.now())
        onWrite?.()
      } else if (name !== "SessionAppointmentSubmitted") {
        process.stderr.write(`unexpected telemetry ${name}: ${JSON.stringify(properties)}\n`)
      }
    })
})
const runtime: ManagedRuntime.ManagedRuntime<HandlerServices, unknown> = ManagedRuntime.make(
  Layer.merge(
    makeCoreLayer({
      ...testCoreOptions(delius.url, {
        referAndMonitor: {
          auth: { url: stack.referAndMonitor.authUrl, clientId: "bench", clientSecret: Redacted.make("bench") },
          // The stub is on an ephemeral port, not the dev default 8091: it is the one allowed detail-URL origin (§5.3).
          detailUrlOrigins: devDetailUrlOrigins(stack.referAndMonitor.port)
        }
      }),
      telemetry
    }),
    Logger.minimumLogLevel(LogLevel.Warning)
  )
)
await runtime.runtime()

const waitForWrites = (appointmentIds: ReadonlyArray<string>) =>
  new Promise<void>((resolve) => {
    const check = () => {
      if (appointmentIds.every((id) => written.has(id))) {
        onWrite = undefined
        resolve()
      }
    }
    onWrite = check
    check()
  })

// --- the SQL of one event, captured for the raw floor --------------------------------------------------------------
const captured: Array<readonly [string, ReadonlyArray<unknown>]> = []
const captureIndex = WARM_UP
await runtime.runPromise(
  handleDomainEvent(bodyFor(captureIndex)).pipe(
    Statement.withTransformer((statement) =>
      Effect.sync(() => {
        captured.push(statement.compile())
        return statement
      })
    )
  )
)
if (process.env.BENCH_SHOW_SQL === "1") for (const [sql, params] of captured) console.log(sql, JSON.stringify(params))
await new Promise((resolve) => setTimeout(resolve, 100)) // the audit row is written after the workflow (§8.3)

const consumer = await startConsumer({
  client: stack.client,
  queue: stack.queueUrl,
  core: runtime,
  concurrency: CONCURRENCY,
  waitTimeSeconds: 1,
  statsIntervalMillis: 3_600_000
})

const sendBatch = async (indices: ReadonlyArray<number>, sentAt: Map<string, number>) => {
  const now = performance.now()
  for (const i of indices) sentAt.set(appointments[i]!, now)
  await stack.client.send(
    new SendMessageBatchCommand({
      QueueUrl: stack.queueUrl,
      Entries: indices.map((i) => ({
        Id: String(i),
        MessageBody: bodyFor(i),
        MessageAttributes: { eventType: { DataType: "String", StringValue: eventType } }
      }))
    })
  )
}

// Warm-up: JIT, token, prepared statements.
const warm = new Map<string, number>()
for (let i = 0; i < WARM_UP; i += 10)
  await sendBatch(
    Array.from({ length: Math.min(10, WARM_UP - i) }, (_, k) => i + k),
    warm
  )
await waitForWrites([...warm.keys()])

// Saturated: send everything as fast as SendMessageBatch allows while the consumer drains.
const saturatedStart = WARM_UP + 1
const saturatedSent = new Map<string, number>()
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}
const saturatedCpu = process.cpuUsage()
const t0 = performance.now()
for (let i = 0; i < SATURATED; i += 10) {
  await sendBatch(
    Array.from({ length: Math.min(10, SATURATED - i) }, (_, k) => saturatedStart + i + k),
    saturatedSent
  )
}
await waitForWrites([...saturatedSent.keys()])
const saturatedCpuMs = cpuMs(saturatedCpu) / SATURATED
const saturatedSeconds = (Math.max(...[...saturatedSent.keys()].map((id) => written.get(id)!)) - t0) / 1000
const saturatedLatency = [...saturatedSent].map(([id, sent]) => written.get(id)! - sent)

// Sequential: one event at a time (no queueing), send → write.
const sequentialStart = saturatedStart + SATURATED
const sequentialLatency: Array<number> = []
for (let i = 0; i < SEQUENTIAL; i++) {
  const index = sequentialStart + i
  const sent = performance.now()
  await stack.client.send(
    new SendMessageCommand({
      QueueUrl: stack.queueUrl,
      MessageBody: bodyFor(index),
      MessageAttributes: { eventType: { DataType: "String", StringValue: eventType } }
    })
  )
  await waitForWrites([appointments[index]!])
  sequentialLatency.push(written.get(appointments[index]!)! - sent)
}
await consumer.stop()
const stats = consumer.stats

// Core alone, one at a time (no SQS): what the transport adds is the difference to the sequential row.
const directStart = sequentialStart + SEQUENTIAL
const directLatency: Array<number> = []
const directCpu = process.cpuUsage()
for (let i = 0; i < SEQUENTIAL; i++) {
  const started = performance.now()
  await runtime.runPromise(handleDomainEvent(bodyFor(directStart + i)))
  directLatency.push(performance.now() - started)
}
const directCpuMs = cpuMs(directCpu) / SEQUENTIAL
await runtime.dispose()
await stack.close()

// --- raw floor: the captured statements, one transaction per event, on node:sqlite ------------------------------------
const raw = new DatabaseSync(path, { timeout: 10000 })
const prepared = new Map<string, StatementSync>()
const toSqlite = (value: unknown) => (typeof value === "boolean" ? (value ? 1 : 0) : value)
const replay = () => {
  raw.exec("BEGIN")
  for (const [sql, params] of captured) {
    let statement = prepared.get(sql)
    if (statement === undefined) {
      statement = raw.prepare(sql)
      prepared.set(sql, statement)
    }
    statement.all(...(params.map(toSqlite) as Array<SQLInputValue>))
  }
  raw.exec("COMMIT")
}
for (let i = 0; i < WARM_UP; i++) replay()
const floorLatency: Array<number> = []
const f0 = performance.now()
for (let i = 0; i < SATURATED; i++) {
  const start = performance.now()
  replay()
  floorLatency.push(performance.now() - start)
}
const floorSeconds = (performance.now() - f0) / 1000
raw.close()
await delius.drop()

// --- report ---------------------------------------------------------------------------------------------------------
const endToEndRate = SATURATED / saturatedSeconds
const floorRate = SATURATED / floorSeconds
const rows = [
  [
    "end to end, saturated",
    `${endToEndRate.toFixed(0)}/s`,
    ms(percentile(saturatedLatency, 50)),
    ms(percentile(saturatedLatency, 99))
  ],
  [
    "end to end, one at a time",
    `${(1000 / (sequentialLatency.reduce((a, b) => a + b, 0) / SEQUENTIAL)).toFixed(0)}/s`,
    ms(percentile(sequentialLatency, 50)),
    ms(percentile(sequentialLatency, 99))
  ],
  [
    "core only, one at a time",
    `${(1000 / (directLatency.reduce((a, b) => a + b, 0) / SEQUENTIAL)).toFixed(0)}/s`,
    ms(percentile(directLatency, 50)),
    ms(percentile(directLatency, 99))
  ],
  [
    "raw floor (node:sqlite)",
    `${floorRate.toFixed(0)}/s`,
    ms(percentile(floorLatency, 50)),
    ms(percentile(floorLatency, 99))
  ]
]
console.log(
  `\nqueue bench: ${SATURATED} saturated + ${SEQUENTIAL} sequential session-feedback events, concurrency ${CONCURRENCY}, ${captured.length} SQL statements per event`
)
console.log(`${"".padEnd(30)}${"events/s".padStart(10)}${"p50".padStart(12)}${"p99".padStart(12)}`)
for (const [name, rate, p50, p99] of rows)
  console.log(`${name!.padEnd(30)}${rate!.padStart(10)}${p50!.padStart(12)}${p99!.padStart(12)}`)
console.log(`floor ÷ end to end (saturated events/s): ${(floorRate / endToEndRate).toFixed(1)}×`)
// One thread runs the emulator, the R&M stub and core here, so this is the whole process's CPU per event.
console.log(`process CPU per event: saturated ${saturatedCpuMs.toFixed(2)} ms, core only ${directCpuMs.toFixed(2)} ms`)
console.log(
  JSON.stringify({
    saturated: {
      events: SATURATED,
      eventsPerSecond: endToEndRate,
      p50Ms: percentile(saturatedLatency, 50),
      p99Ms: percentile(saturatedLatency, 99)
    },
    sequential: {
      events: SEQUENTIAL,
      p50Ms: percentile(sequentialLatency, 50),
      p99Ms: percentile(sequentialLatency, 99)
    },
    coreOnly: { events: SEQUENTIAL, p50Ms: percentile(directLatency, 50), p99Ms: percentile(directLatency, 99) },
    floor: {
      eventsPerSecond: floorRate,
      p50Ms: percentile(floorLatency, 50),
      p99Ms: percentile(floorLatency, 99),
      statements: captured.length
    },
    floorOverEndToEnd: floorRate / endToEndRate,
    cpuMsPerEvent: { saturated: saturatedCpuMs, coreOnly: directCpuMs },
    consumer: stats
  })
)
process.exit(0)
