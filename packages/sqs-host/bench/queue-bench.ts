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
 * Measured, after a warm-up of BENCH_WARM_UP events (default 800), over BENCH_QUEUE_ROUNDS rounds (default 6) of
 * BENCH_EVENTS / rounds events (default 1200):
 *   host CPU per event — utime + stime of the host process (/proc/<pid>/stat, all its threads) over the round,
 *                        divided by the events it handled; median over rounds
 *   events/s           — events of a round ÷ (last commit − first send); the queue is filled as fast as it drains
 *   p50 / p99          — SendMessageBatch → the Success telemetry line the host prints after the commit (§5.2):
 *                        in the rounds (mostly time queued behind the backlog), and for BENCH_SEQUENTIAL events
 *                        (default 50) sent one at a time afterwards
 * Every event's contact outcome is then checked in the database; the bench aborts if one is missing.
 * Concurrency is the host's default unless BENCH_CONCURRENCY is set (→ QUEUE_CONCURRENCY).
 *
 * Baseline, in the same run: the host as it was when the targets were set (BENCH_BASELINE_REF, default 4a4814b; a
 * `git worktree add --detach` under the OS temp dir, `npm ci` + `npm run build` once, reused after). Its own
 * `serve --queue` gets the same events on its own queue of the same emulator and its own copy of the database, with
 * the same stub; the timed rounds alternate between the hosts (and which goes first), and its outcomes are checked
 * too. The targets are printed with verdicts: ≤ 4 ms host CPU per event, and ≤ 0.5× the baseline's median.
 * BENCH_BASELINE=0 skips it. BENCH_HOST_PROFILE=<dir>: each host runs under `--cpu-prof` (profiles in <dir>/<label>)
 * and the top frames and the parts' shares are printed (profile-summary.mjs).
 * Then bench/callback.ts: the R&M callback against a plain fetch.
 */
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs"
import { createSeededDatabase, sqliteFile } from "@ram-delius/core/testing"
import { execFileSync, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { createInterface } from "node:readline"
import { DatabaseSync, type SQLInputValue } from "node:sqlite"
import { DEV_STACK_DEFAULTS } from "@ram-delius/sqs-host"
import { defaultFixturesDir, startDevStack } from "@ram-delius/sqs-host/dev"
import { summarizeProfile } from "./profile-summary.mjs"

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1200)
const PERSONS = Number(process.env.BENCH_PERSONS ?? 200)
const ROUNDS = Number(process.env.BENCH_QUEUE_ROUNDS ?? 6)
// Four events per person before timing. After one per person (200) the hosts were still being optimised by V8: their
// rounds fell from about 6 to 3 ms/event within the run (both hosts), so the median measured warm-up rather than a
// pod that has been up for a while.
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 800)
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

// --- the baseline: the host as it was when the targets were set, built once in a cached worktree --------------------
/**
 * `git worktree add --detach` of `ref` into the OS temp dir (keyed by the commit), `npm ci` and `npm run build` there
 * once; a later run reuses it when the marker file says the build finished.
 */
function prepareBaseline(repository: string, ref: string): string {
  const git = (...args: ReadonlyArray<string>) =>
    execFileSync("git", args, { cwd: repository, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim()
  const commit = git("rev-parse", "--verify", `${ref}^{commit}`)
  const dir = join(tmpdir(), `ram-delius-bench-baseline-${commit}`)
  const marker = join(dir, ".bench-baseline-ready")
  if (existsSync(marker)) return dir
  console.log(`preparing the baseline ${ref} (${commit.slice(0, 12)}) in ${dir}: npm ci, npm run build …`)
  if (existsSync(dir)) {
    execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: repository, stdio: "ignore" })
    rmSync(dir, { recursive: true, force: true })
  }
  git("worktree", "add", "--detach", dir, commit)
  // Its own Node (the `node` devDependency) first on PATH, as in this checkout.
  const env = { ...process.env, PATH: `${join(dir, "node_modules/.bin")}${delimiter}${process.env.PATH ?? ""}` }
  execFileSync("npm", ["ci"], { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"] })
  execFileSync("npm", ["run", "build"], { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"] })
  writeFileSync(marker, `${commit}\n`)
  return dir
}

/** The seeded database as it is now, for a second host: each host writes its own outcomes. */
function copyDatabase(file: string): string {
  const copy = `${file}.baseline.sqlite`
  copyFileSync(file, copy)
  return copy
}

// --- the hosts: `ram-delius serve --queue`, configured as a deployment would be (README, Configuration) --------------
// BENCH_HOST_PROFILE=<dir>: each host writes a V8 CPU profile into <dir>/<label> when it exits; its summary is printed.
const profileRoot = process.env.BENCH_HOST_PROFILE
const current = await startHost({
  label: "current",
  checkout: resolve(defaultFixturesDir(), ".."),
  databaseFile,
  queueUrl: stack.queueUrl
})
const baselineRef = process.env.BENCH_BASELINE === "0" ? undefined : (process.env.BENCH_BASELINE_REF ?? "4a4814b")
const baseline =
  baselineRef === undefined
    ? undefined
    : await startHost({
        label: "baseline",
        checkout: prepareBaseline(current.checkout, baselineRef),
        databaseFile: copyDatabase(databaseFile),
        queueUrl: stack.createQueue("bench-baseline-queue", "bench-baseline-dlq").queueUrl
      })
const hosts = baseline === undefined ? [current] : [current, baseline]

interface Host {
  readonly label: string
  readonly checkout: string
  readonly databaseFile: string
  readonly queueUrl: string
  readonly pid: number
  readonly startMs: number
  readonly rssAtStartMb: number
  readonly concurrency: unknown
  /** Appointment id → when its Success line arrived. */
  readonly committed: Map<string, number>
  readonly problems: Array<string>
  readonly rssMb: () => number
  readonly cpuTicks: () => number
  readonly exited: () => string | undefined
  onLine: (() => void) | undefined
  readonly stop: () => Promise<void>
}

function startHost(options: { label: string; checkout: string; databaseFile: string; queueUrl: string }) {
  const started = performance.now()
  const profile = profileRoot === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${join(profileRoot, options.label)}`]
  const cli = join(options.checkout, "packages/cli/bin/ram-delius.mjs")
  const child = spawn(process.execPath, [...profile, cli, "serve", "--queue"], {
    cwd: options.checkout,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: `sqlite:${options.databaseFile}`,
      AWS_REGION: stack.connection.region,
      AWS_ENDPOINT_URL_SQS: stack.connection.endpoint,
      AWS_ACCESS_KEY_ID: DEV_STACK_DEFAULTS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DEV_STACK_DEFAULTS.credentials.secretAccessKey,
      MESSAGING_CONSUMER_QUEUE: options.queueUrl,
      HMPPS_AUTH_URL: stub.authUrl,
      OAUTH2_CLIENT_ID: DEV_STACK_DEFAULTS.clientId,
      OAUTH2_CLIENT_SECRET: DEV_STACK_DEFAULTS.clientSecret,
      MESSAGING_CONSUMER_DETAIL_URLS: stub.url,
      QUEUE_HEALTH_PORT: "0",
      ...(process.env.BENCH_CONCURRENCY === undefined ? {} : { QUEUE_CONCURRENCY: process.env.BENCH_CONCURRENCY })
    }
  })
  const pid = child.pid!
  let exited: string | undefined
  let ready: (concurrency: unknown) => void
  const readyPromise = new Promise<unknown>((resolvePromise) => (ready = resolvePromise))
  const host = {
    ...options,
    pid,
    committed: new Map<string, number>(),
    problems: [] as Array<string>,
    onLine: undefined as (() => void) | undefined,
    exited: () => exited,
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024,
    cpuTicks: () => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ") // fields 3… of proc(5); utime is 14, stime 15
      return Number(fields[11]) + Number(fields[12])
    },
    stop: async () => {
      child.kill("SIGTERM")
      await new Promise((resolvePromise) =>
        exited !== undefined ? resolvePromise(undefined) : child.once("exit", resolvePromise)
      )
    }
  }
  child.on("exit", (code, signal) => {
    exited = `${options.label} host exited (${signal ?? code})`
    host.onLine?.()
  })
  createInterface({ input: child.stderr }).on("line", (line) => host.problems.push(line))
  createInterface({ input: child.stdout }).on("line", (line) => {
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
      return void host.problems.push(line)
    }
    if (entry.name === SUCCESS && entry.properties?.appointmentId !== undefined) {
      host.committed.set(entry.properties.appointmentId, at)
      return host.onLine?.()
    }
    if (entry.message === "SQS consumer started") ready(entry.concurrency ?? entry.annotations?.concurrency)
    if (entry.level === "warn" || entry.level === "error" || entry.type === "telemetry") host.problems.push(line)
  })
  return Promise.race([
    readyPromise,
    new Promise<never>((_, reject) =>
      child.once("exit", () => reject(new Error(`${options.label} host:\n${host.problems.join("\n")}`)))
    )
  ]).then(
    // The same object the line handlers see (a copy would not get the rounds' onLine).
    (concurrency): Host =>
      Object.assign(host, { concurrency, startMs: performance.now() - started, rssAtStartMb: host.rssMb() })
  )
}

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100

/** Send events [from, to) to a host's queue in batches of 10 as fast as the emulator takes them; resolve once all are committed. */
const runRound = async (host: Host, from: number, to: number) => {
  const sentAt = new Map<string, number>()
  const done = new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${host.label}: round timed out\n${host.problems.join("\n")}`)),
      ROUND_TIMEOUT_MS
    )
    host.onLine = () => {
      if (host.exited() !== undefined) reject(new Error(`${host.exited()}\n${host.problems.join("\n")}`))
      else if (sentAt.size === to - from && [...sentAt.keys()].every((id) => host.committed.has(id))) {
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
        QueueUrl: host.queueUrl,
        Entries: indices.map((k) => ({
          Id: String(k),
          MessageBody: bodyFor(k),
          MessageAttributes: { eventType: { DataType: "String", StringValue: EVENT_TYPE } }
        }))
      })
    )
  }
  host.onLine!()
  await done
  const first = Math.min(...sentAt.values())
  const last = Math.max(...[...sentAt.keys()].map((id) => host.committed.get(id)!))
  return {
    seconds: (last - first) / 1000,
    latencies: [...sentAt].map(([id, sent]) => host.committed.get(id)! - sent)
  }
}

interface Round {
  readonly cpuMsPerEvent: number
  readonly eventsPerSecond: number
  readonly latencies: ReadonlyArray<number>
}
const timedRound = async (host: Host, from: number): Promise<Round> => {
  const before = host.cpuTicks()
  const { latencies, seconds } = await runRound(host, from, from + PER_ROUND)
  const cpuMs = ((host.cpuTicks() - before) * 1000) / ticksPerSecond
  return { cpuMsPerEvent: cpuMs / PER_ROUND, eventsPerSecond: PER_ROUND / seconds, latencies }
}

// Each host gets the same events (own database copy, own queue); the rounds alternate which host goes first.
for (const host of hosts) await runRound(host, 0, WARM_UP) // JIT, the token, prepared statements, reference data
const rounds = new Map<Host, Array<Round>>(hosts.map((host) => [host, []]))
for (let r = 0; r < ROUNDS; r++) {
  for (const host of r % 2 === 0 ? hosts : [...hosts].reverse())
    rounds.get(host)!.push(await timedRound(host, WARM_UP + r * PER_ROUND))
}
// One event at a time (nothing queued behind it), current host: the latency of an event itself, send → committed.
const sequential: Array<number> = []
for (let i = WARM_UP + PER_ROUND * ROUNDS; i < TOTAL; i++)
  sequential.push(...(await runRound(current, i, i + 1)).latencies)
const hostRssMb = current.rssMb()
for (const host of hosts) await host.stop()
await stack.close()

// --- every event wrote its contact outcome (§7.4), on each host's database -----------------------------------------
for (const host of hosts) {
  const db = new DatabaseSync(host.databaseFile, { readOnly: true })
  const outcome = db.prepare("SELECT CONTACT_OUTCOME_TYPE_ID FROM CONTACT WHERE EXTERNAL_REFERENCE = ?")
  const events = host === current ? TOTAL : WARM_UP + PER_ROUND * ROUNDS
  const missing = Array.from({ length: events }, (_, i) => eventAt(i)).filter(({ person, slot }) => {
    const row = outcome.get(`urn:hmpps:interventions-appointment:${person.appointments[slot]}`) as
      { CONTACT_OUTCOME_TYPE_ID: number | null } | undefined
    return row?.CONTACT_OUTCOME_TYPE_ID == null
  })
  db.close()
  if (missing.length > 0)
    throw new Error(`${host.label}: ${missing.length} of ${events} events wrote no contact outcome`)
  if (host !== current) rmSync(host.databaseFile, { force: true })
}
await delius.drop()

// --- report ---------------------------------------------------------------------------------------------------------
const ours = rounds.get(current)!
const all = ours.flatMap((round) => round.latencies)
const cpuMsPerEvent = median(ours.map((round) => round.cpuMsPerEvent))
const eventsPerSecond = median(ours.map((round) => round.eventsPerSecond))
const baselineRounds = baseline === undefined ? undefined : rounds.get(baseline)!
const baselineCpuMs = baselineRounds === undefined ? undefined : median(baselineRounds.map((r) => r.cpuMsPerEvent))
console.log(
  `\nqueue bench: real \`serve --queue\` (pid ${current.pid}), ${ROUNDS} rounds × ${PER_ROUND} session-feedback events ` +
    `over ${PERSONS} persons after ${WARM_UP} warm-up, concurrency ${String(current.concurrency)}; emulator and R&M stub in the bench process` +
    (baseline === undefined
      ? ""
      : `; baseline ${baselineRef} (pid ${baseline.pid}) on the same events, rounds interleaved`)
)
const roundsLine = (list: ReadonlyArray<Round>) =>
  list.map((r) => `${r.cpuMsPerEvent.toFixed(2)} ms/event ${r.eventsPerSecond.toFixed(0)}/s`).join(" | ")
console.log(`rounds: ${roundsLine(ours)}`)
if (baselineRounds !== undefined) console.log(`baseline rounds: ${roundsLine(baselineRounds)}`)
const p = (values: ReadonlyArray<number>) =>
  `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms`
console.log(`${eventsPerSecond.toFixed(0)} events/s saturated; send → committed, saturated: ${p(all)}`)
console.log(`send → committed, one at a time: ${p(sequential)}`)
console.log(
  `host start to consuming ${current.startMs.toFixed(0)} ms; RSS ${current.rssAtStartMb.toFixed(0)} MB then, ${hostRssMb.toFixed(0)} MB after the run`
)
for (const host of hosts)
  if (host.problems.length > 0)
    console.log(
      `${host.label} host warnings/other lines (${host.problems.length}):\n${host.problems.slice(0, 5).join("\n")}`
    )
console.log(
  `all ${TOTAL} events wrote their contact outcome` +
    (baseline === undefined ? "" : `; the baseline's ${WARM_UP + PER_ROUND * ROUNDS} too`)
)
if (profileRoot !== undefined)
  for (const host of hosts)
    console.log(`\nCPU profile, ${host.label} host:\n${summarizeProfile(join(profileRoot, host.label))}`)
const verdict = (met: boolean) => (met ? "MET" : "MISSED")
const ratio = baselineCpuMs === undefined ? undefined : cpuMsPerEvent / baselineCpuMs
console.log(
  `queue: ${cpuMsPerEvent.toFixed(2)} ms host CPU per session-feedback event` +
    (baselineCpuMs === undefined
      ? "; baseline not measured (BENCH_BASELINE=0)"
      : `; baseline ${baselineRef} ${baselineCpuMs.toFixed(2)} ms in the same run → ${ratio!.toFixed(2)}×`)
)
console.log(`target ≤ 4 ms host CPU per event: ${verdict(cpuMsPerEvent <= 4)}`)
console.log(
  `target ≤ 0.5× the baseline's in the same run: ${ratio === undefined ? "not measured" : verdict(ratio <= 0.5)}`
)
console.log(
  JSON.stringify({
    queue: {
      cpuMsPerEvent,
      eventsPerSecond,
      saturated: { p50Ms: percentile(all, 50), p99Ms: percentile(all, 99) },
      oneAtATime: { p50Ms: percentile(sequential, 50), p99Ms: percentile(sequential, 99) },
      rounds: ours.map((r) => ({ cpuMsPerEvent: r.cpuMsPerEvent, eventsPerSecond: r.eventsPerSecond })),
      baseline:
        baselineRounds === undefined
          ? null
          : {
              ref: baselineRef,
              cpuMsPerEvent: baselineCpuMs,
              ratio,
              rounds: baselineRounds.map((r) => ({
                cpuMsPerEvent: r.cpuMsPerEvent,
                eventsPerSecond: r.eventsPerSecond
              }))
            },
      events: PER_ROUND * ROUNDS,
      persons: PERSONS,
      concurrency: current.concurrency,
      startMs: current.startMs,
      rssAtStartMb: current.rssAtStartMb,
      rssMb: hostRssMb
    }
  })
)
process.exit(0)
