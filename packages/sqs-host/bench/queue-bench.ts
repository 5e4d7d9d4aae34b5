/**
 * Queue benchmark (host CPU per event; not a test: `npm run bench -w @ram-delius/sqs-host`, or `npm run bench:queue`).
 *
 * The host runs as it is deployed: `ram-delius serve --queue` in a child process, on an SQLite file, pointed with its
 * ordinary configuration at an SQS emulator (fauxqs) and a Refer and Monitor stub that both run in THIS process —
 * `AWS_ENDPOINT_URL_SQS` plus `HMPPS_AUTH_URL` turn the host's own in-process dev stack off (config.ts
 * `devStackWanted`), so the child's CPU is the host's alone. R&M callbacks take a client-credentials token from the
 * stub's `/auth` and may only go to the stub's origin (`MESSAGING_CONSUMER_DETAIL_URLS`, §5.3).
 *
 * Data: the dev dataset, then BENCH_PERSONS persons (default 200), each a clone of T140223's shape — event, disposal,
 * RAR requirement, CRS NSI with its manager — with CRSAPT appointment contacts; every event has its own appointment
 * (feedback on the same contact is idempotent), event i going to person i mod PERSONS, so every round touches every
 * person. The stub serves one session-feedback body per appointment.
 *
 * Measured, after a warm-up, over BENCH_ROUNDS rounds (default 4) of BENCH_EVENTS / rounds events (default 800):
 *   host CPU per event — utime + stime of the host process (/proc/<pid>/stat, all its threads) over the round,
 *                        divided by the events it handled; median over rounds
 *   events/s           — events of a round ÷ (last commit − first send); the queue is filled as fast as it drains
 *   p50 / p99          — SendMessageBatch → the Success telemetry line the host prints after the commit (§5.2):
 *                        in the rounds (mostly time queued behind the backlog), and for BENCH_SEQUENTIAL events
 *                        (default 50) sent one at a time afterwards
 * Every event's contact outcome is then checked in the database; the bench aborts if one is missing.
 * Concurrency is the host's default unless BENCH_CONCURRENCY is set (→ QUEUE_CONCURRENCY).
 * Then bench/callback.ts: the R&M callback against a plain fetch.
 */
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs"
import { createSeededDatabase, sqliteFile } from "@ram-delius/core/testing"
import { execFileSync, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { createInterface } from "node:readline"
import { DatabaseSync, type SQLInputValue } from "node:sqlite"
import { DEV_STACK_DEFAULTS } from "@ram-delius/sqs-host"
import { defaultFixturesDir, startDevStack } from "@ram-delius/sqs-host/dev"

const EVENTS = Number(process.env.BENCH_EVENTS ?? 800)
const PERSONS = Number(process.env.BENCH_PERSONS ?? 200)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4)
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 200) // one event per person by default
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 50)
const ROUND_TIMEOUT_MS = 120_000
const PER_ROUND = Math.ceil(EVENTS / ROUNDS)
const TOTAL = WARM_UP + PER_ROUND * ROUNDS + SEQUENTIAL
const SLOTS = Math.ceil(TOTAL / PERSONS)
const EVENT_TYPE = "intervention.session-appointment.session-feedback-submitted"
const SUCCESS = "SessionAppointmentSubmitted"
if (process.versions.node.split(".")[0] !== "24") throw new Error(`run on the pinned Node 24, not ${process.version}`)

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = (sorted.length - 1) / 2
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2
}
const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
}
const fixture = (...path: ReadonlyArray<string>) => readFileSync(join(defaultFixturesDir(), ...path), "utf8")

// --- Delius: the dev dataset plus PERSONS persons shaped like T140223 (dev-dataset.md §3–§6) ------------------------
interface Person {
  readonly crn: string
  readonly referralId: string
  readonly appointments: ReadonlyArray<string>
}
const delius = await createSeededDatabase("sqlite")
const databaseFile = sqliteFile(delius)
const seedPersons = (): ReadonlyArray<Person> => {
  const db = new DatabaseSync(databaseFile)
  const inserts = new Map<string, ReturnType<DatabaseSync["prepare"]>>()
  // A row of the dev dataset with some columns replaced: the shapes stay exactly the seed's (seed.ts).
  const clone = (table: string, where: string, overrides: Record<string, SQLInputValue>) => {
    const row = { ...(db.prepare(`SELECT * FROM ${table} WHERE ${where}`).get() as Record<string, SQLInputValue>) }
    let insert = inserts.get(table)
    if (insert === undefined) {
      const columns = Object.keys(row)
      insert = db.prepare(
        `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`
      )
      inserts.set(table, insert)
    }
    insert.run({ ...row, ...overrides })
  }
  const next = db.prepare(
    "UPDATE DELIUS_SEQUENCE SET LAST_VALUE = LAST_VALUE + 1 WHERE SEQUENCE_NAME = ? RETURNING LAST_VALUE"
  )
  const nextId = (sequence: string) => (next.get(sequence) as { LAST_VALUE: number }).LAST_VALUE
  const persons: Array<Person> = []
  db.exec("BEGIN")
  for (let i = 0; i < PERSONS; i++) {
    const id = 100_000 + i // OFFENDER, EVENT, DISPOSAL and RQMNT have no sequence in the dataset
    const person: Person = {
      crn: `X${String(i).padStart(6, "0")}`,
      referralId: randomUUID(),
      appointments: Array.from({ length: SLOTS }, () => randomUUID())
    }
    clone("OFFENDER", "CRN = 'T140223'", { OFFENDER_ID: id, CRN: person.crn, NOMS_NUMBER: null })
    clone("EVENT", "EVENT_ID = 1", { EVENT_ID: id, OFFENDER_ID: id })
    clone("DISPOSAL", "DISPOSAL_ID = 1", { DISPOSAL_ID: id, EVENT_ID: id })
    clone("RQMNT", "RQMNT_ID = 2", { RQMNT_ID: id, OFFENDER_ID: id, DISPOSAL_ID: id })
    const nsiId = nextId("NSI_ID_SEQ")
    clone("NSI", "NSI_ID = 1", {
      NSI_ID: nsiId,
      OFFENDER_ID: id,
      EVENT_ID: id,
      RQMNT_ID: id,
      EXTERNAL_REFERENCE: `urn:hmpps:interventions-referral:${person.referralId}`
    })
    clone("NSI_MANAGER", "NSI_ID = 1", { NSI_MANAGER_ID: nextId("NSI_MANAGER_ID_SEQ"), NSI_ID: nsiId })
    for (const appointment of person.appointments)
      clone("CONTACT", "CONTACT_ID = 2", {
        CONTACT_ID: nextId("CONTACT_ID_SEQ"),
        OFFENDER_ID: id,
        EVENT_ID: id,
        NSI_ID: nsiId,
        EXTERNAL_REFERENCE: `urn:hmpps:interventions-appointment:${appointment}`
      })
    persons.push(person)
  }
  db.exec("COMMIT")
  db.close()
  return persons
}
const persons = seedPersons()
const eventAt = (i: number) => ({ person: persons[i % PERSONS]!, slot: Math.floor(i / PERSONS) })

// --- the emulator and the stub, in this process; one session body per appointment ----------------------------------
const stack = await startDevStack({ sqsPort: 0, referAndMonitorPort: 0 })
const stub = stack.referAndMonitor
const sessionTemplate = JSON.parse(
  fixture("refer-and-monitor-api", "session-appointment-feedback-submitted-compliant.json")
) as Record<string, unknown>
const eventTemplate = JSON.parse(fixture("events", "session-appointment-feedback-submitted-compliant.json")) as {
  Message: string
}
const sessionPath = (person: Person, slot: number) => `/referral/${person.referralId}/sessions/${slot + 1}`
for (const person of persons)
  person.appointments.forEach((appointmentId, slot) =>
    stub.serve(sessionPath(person, slot), {
      status: 200,
      body: { ...sessionTemplate, sessionNumber: slot + 1, appointmentId, deliusAppointmentId: null }
    })
  )
const bodyFor = (i: number) => {
  const { person, slot } = eventAt(i)
  const event = JSON.parse(eventTemplate.Message) as {
    detailUrl: string
    additionalInformation: Record<string, unknown>
    personReference: unknown
  }
  event.detailUrl = `${stub.url}${sessionPath(person, slot)}`
  event.additionalInformation.referralId = person.referralId
  event.personReference = { identifiers: [{ type: "CRN", value: person.crn }] }
  return JSON.stringify({ ...eventTemplate, MessageId: randomUUID(), Message: JSON.stringify(event) })
}

// --- the host: `ram-delius serve --queue`, configured as a deployment would be (README, Configuration) ---------------
const repository = resolve(defaultFixturesDir(), "..")
const started = performance.now()
// BENCH_HOST_PROFILE=<dir>: the host writes a V8 CPU profile there when it exits (open it in Chrome DevTools).
const profile =
  process.env.BENCH_HOST_PROFILE === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_HOST_PROFILE}`]
const cli = join(repository, "packages/cli/bin/ram-delius.mjs")
const host = spawn(process.execPath, [...profile, cli, "serve", "--queue"], {
  cwd: repository,
  stdio: ["ignore", "pipe", "pipe"],
  env: {
    PATH: process.env.PATH,
    DATABASE_URL: `sqlite:${databaseFile}`,
    AWS_REGION: stack.connection.region,
    AWS_ENDPOINT_URL_SQS: stack.connection.endpoint,
    AWS_ACCESS_KEY_ID: DEV_STACK_DEFAULTS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEV_STACK_DEFAULTS.credentials.secretAccessKey,
    MESSAGING_CONSUMER_QUEUE: stack.queueUrl,
    HMPPS_AUTH_URL: stub.authUrl,
    OAUTH2_CLIENT_ID: DEV_STACK_DEFAULTS.clientId,
    OAUTH2_CLIENT_SECRET: DEV_STACK_DEFAULTS.clientSecret,
    MESSAGING_CONSUMER_DETAIL_URLS: stub.url,
    QUEUE_HEALTH_PORT: "0",
    ...(process.env.BENCH_CONCURRENCY === undefined ? {} : { QUEUE_CONCURRENCY: process.env.BENCH_CONCURRENCY })
  }
})
const hostPid = host.pid!
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${hostPid}/status`, "utf8"))![1]) / 1024
const committed = new Map<string, number>() // appointment id → when its Success line arrived
const problems: Array<string> = []
let concurrency: unknown
let onLine: (() => void) | undefined
let ready: () => void
const readyPromise = new Promise<void>((resolvePromise) => (ready = resolvePromise))
let exited: string | undefined
host.on("exit", (code, signal) => {
  exited = `host exited (${signal ?? code})`
  onLine?.()
})
createInterface({ input: host.stderr }).on("line", (line) => problems.push(line))
createInterface({ input: host.stdout }).on("line", (line) => {
  const at = performance.now()
  let entry: {
    level?: string
    message?: string
    name?: string
    properties?: Record<string, string>
    annotations?: Record<string, unknown>
  } & Record<string, unknown>
  try {
    entry = JSON.parse(line) as typeof entry
  } catch {
    return void problems.push(line)
  }
  if (entry.name === SUCCESS && entry.properties?.appointmentId !== undefined) {
    committed.set(entry.properties.appointmentId, at)
    return onLine?.()
  }
  if (entry.message === "SQS consumer started") {
    concurrency = entry.concurrency ?? entry.annotations?.concurrency
    ready()
  }
  if (entry.level === "warn" || entry.level === "error" || entry.type === "telemetry") problems.push(line)
})
await Promise.race([
  readyPromise,
  new Promise((_, reject) => host.once("exit", () => reject(new Error(problems.join("\n")))))
])
const startMs = performance.now() - started
const rssAtStartMb = rssMb()

const cpuTicks = () => {
  const stat = readFileSync(`/proc/${hostPid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ") // fields 3… of proc(5); utime is 14, stime 15
  return Number(fields[11]) + Number(fields[12])
}
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100

/** Send events [from, to) in batches of 10 as fast as the emulator takes them; resolve once all are committed. */
const runRound = async (from: number, to: number) => {
  const sentAt = new Map<string, number>()
  const done = new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`round timed out\n${problems.join("\n")}`)), ROUND_TIMEOUT_MS)
    onLine = () => {
      if (exited !== undefined) reject(new Error(`${exited}\n${problems.join("\n")}`))
      else if (sentAt.size === to - from && [...sentAt.keys()].every((id) => committed.has(id))) {
        clearTimeout(timer)
        resolvePromise()
      }
    }
  })
  for (let i = from; i < to; i += 10) {
    const indices = Array.from({ length: Math.min(10, to - i) }, (_, k) => i + k)
    const now = performance.now()
    for (const k of indices) {
      const { person, slot } = eventAt(k)
      sentAt.set(person.appointments[slot]!, now)
    }
    await stack.client.send(
      new SendMessageBatchCommand({
        QueueUrl: stack.queueUrl,
        Entries: indices.map((k) => ({
          Id: String(k),
          MessageBody: bodyFor(k),
          MessageAttributes: { eventType: { DataType: "String", StringValue: EVENT_TYPE } }
        }))
      })
    )
  }
  onLine!()
  await done
  const first = Math.min(...sentAt.values())
  const last = Math.max(...[...sentAt.keys()].map((id) => committed.get(id)!))
  return {
    seconds: (last - first) / 1000,
    latencies: [...sentAt].map(([id, sent]) => committed.get(id)! - sent)
  }
}

await runRound(0, WARM_UP) // JIT, the token, prepared statements and reference-data caches
const rounds: Array<{ cpuMsPerEvent: number; eventsPerSecond: number; latencies: ReadonlyArray<number> }> = []
for (let r = 0; r < ROUNDS; r++) {
  const from = WARM_UP + r * PER_ROUND
  const before = cpuTicks()
  const { latencies, seconds } = await runRound(from, from + PER_ROUND)
  const cpuMs = ((cpuTicks() - before) * 1000) / ticksPerSecond
  rounds.push({ cpuMsPerEvent: cpuMs / PER_ROUND, eventsPerSecond: PER_ROUND / seconds, latencies })
}
// One event at a time (nothing queued behind it): the latency of an event itself, send → committed.
const sequential: Array<number> = []
for (let i = WARM_UP + PER_ROUND * ROUNDS; i < TOTAL; i++) sequential.push(...(await runRound(i, i + 1)).latencies)
const hostRssMb = rssMb()
host.kill("SIGTERM")
await new Promise((resolvePromise) =>
  exited !== undefined ? resolvePromise(undefined) : host.once("exit", resolvePromise)
)
await stack.close()

// --- every event wrote its contact outcome (§7.4), and nothing else happened ----------------------------------------
{
  const db = new DatabaseSync(databaseFile, { readOnly: true })
  const outcome = db.prepare("SELECT CONTACT_OUTCOME_TYPE_ID FROM CONTACT WHERE EXTERNAL_REFERENCE = ?")
  const missing = Array.from({ length: TOTAL }, (_, i) => eventAt(i)).filter(({ person, slot }) => {
    const row = outcome.get(`urn:hmpps:interventions-appointment:${person.appointments[slot]}`) as
      { CONTACT_OUTCOME_TYPE_ID: number | null } | undefined
    return row?.CONTACT_OUTCOME_TYPE_ID == null
  })
  db.close()
  if (missing.length > 0) throw new Error(`${missing.length} of ${TOTAL} events wrote no contact outcome`)
}
await delius.drop()

// --- report ---------------------------------------------------------------------------------------------------------
const all = rounds.flatMap((round) => round.latencies)
const cpuMsPerEvent = median(rounds.map((round) => round.cpuMsPerEvent))
const eventsPerSecond = median(rounds.map((round) => round.eventsPerSecond))
console.log(
  `\nqueue bench: real \`serve --queue\` (pid ${hostPid}), ${ROUNDS} rounds × ${PER_ROUND} session-feedback events ` +
    `over ${PERSONS} persons after ${WARM_UP} warm-up, concurrency ${String(concurrency)}; emulator and R&M stub in the bench process`
)
console.log(
  `rounds: ${rounds.map((r) => `${r.cpuMsPerEvent.toFixed(2)} ms/event ${r.eventsPerSecond.toFixed(0)}/s`).join(" | ")}`
)
const p = (values: ReadonlyArray<number>) =>
  `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms`
console.log(`${eventsPerSecond.toFixed(0)} events/s saturated; send → committed, saturated: ${p(all)}`)
console.log(`send → committed, one at a time: ${p(sequential)}`)
console.log(
  `host start to consuming ${startMs.toFixed(0)} ms; RSS ${rssAtStartMb.toFixed(0)} MB then, ${hostRssMb.toFixed(0)} MB after the run`
)
if (problems.length > 0)
  console.log(`host warnings/other lines (${problems.length}):\n${problems.slice(0, 5).join("\n")}`)
console.log(`all ${TOTAL} events wrote their contact outcome`)
console.log(`queue: ${cpuMsPerEvent.toFixed(2)} ms host CPU per session-feedback event (target ≤ 5 ms)`)
console.log(
  JSON.stringify({
    queue: {
      cpuMsPerEvent,
      eventsPerSecond,
      saturated: { p50Ms: percentile(all, 50), p99Ms: percentile(all, 99) },
      oneAtATime: { p50Ms: percentile(sequential, 50), p99Ms: percentile(sequential, 99) },
      rounds: rounds.map((r) => ({ cpuMsPerEvent: r.cpuMsPerEvent, eventsPerSecond: r.eventsPerSecond })),
      events: PER_ROUND * ROUNDS,
      persons: PERSONS,
      concurrency,
      startMs,
      rssAtStartMb,
      rssMb: hostRssMb
    }
  })
)
process.exit(0)
