// HTTP benchmark of issue 13 (not a test): `npm run bench:http` (builds first).
//
// Three servers, each in its own child process (servers.mjs) on its own copy of the seeded dev dataset: a bare-Koa
// ceiling, the hand-written floor (floor.mjs: same SQL, same transactions, same rows, no Effect) and the project host.
// autocannon drives them from another process (load.mjs), 8 connections, every request a distinct appointment or
// referral. Rounds interleave ceiling, floor and host per scenario; each run reads the server's CPU from /proc.
// Before timing, one request of each kind to floor and host must write the same Delius rows, or the bench aborts.
// Then: p99 of the host at half its peak rate, its RSS, the CLI's `serve --http` start-up, and PostgreSQL with the
// appointment creates spread over 64 persons (skipped, with a note, when 127.0.0.1:5432 is not there).
//
// Environment: BENCH_SECONDS (5 per run), BENCH_ROUNDS (5), BENCH_PG_ROUNDS (3), BENCH_LONG=1 (30k host requests once,
// for the RSS target), BENCH_PG=0 (skip PostgreSQL).
import { copyFileSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { migrateAndSeed, createPostgresDatabase } from "@ram-delius/core/testing"
import { DEV_ISSUER, issueDevToken } from "@ram-delius/http-koa"
import { cpuMs, median, rssMb, snapshot, startLoad, startServer, timeStartUp, written } from "./support.mjs"
import { HOST_ROLE, MERGE_PATH, mergeBody, REFERRAL_PATH, referralBody } from "./workload.mjs"
import { addPersons } from "./persons.mjs"

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const PG_ROUNDS = Number(process.env.BENCH_PG_ROUNDS ?? 3)
const LONG = process.env.BENCH_LONG === "1"
const CONNECTIONS = 8
const say = (text) => process.stdout.write(`${text}\n`)

const load = startLoad()
// Each server's next free appointment slot (slots are per database: the same slot on two servers is fine).
const slots = new Map()
/** One autocannon run against `server`, with the server's CPU before and after. */
const measure = async (server, scenario, token, options = {}) => {
  const before = cpuMs(server.pid)
  const result = await load.run({
    url: server.url,
    scenario,
    token,
    connections: CONNECTIONS,
    seconds: SECONDS,
    slot: slots.get(server) ?? 0,
    ...options
  })
  slots.set(server, result.nextSlot)
  if (result.failed > 0) throw new Error(`${server.kind} ${scenario}: ${result.failed} requests failed`)
  return { ...result, rate: result.completed / result.seconds, cpu: (cpuMs(server.pid) - before) / result.completed }
}

const put = async (server, token, path, body) => {
  const response = await fetch(`${server.url}${path}`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body)
  })
  return `${response.status} ${await response.text()}`
}

/** The same request to floor and host must answer alike and write the same rows (floor.mjs's claim); else abort. */
const checkSameRows = async (floor, host, token, requests) => {
  for (const [name, path, body] of requests) {
    const writes = []
    for (const server of [floor, host]) {
      const before = await snapshot(server.db)
      const answer = await put(server, token, path, body)
      writes.push({ answer, rows: written(before, await snapshot(server.db)) })
    }
    const [f, h] = writes.map((w) => JSON.stringify(w))
    if (f !== h) throw new Error(`floor and host differ on ${name}:\nfloor ${f}\nhost  ${h}`)
    const count = Object.values(writes[0].rows).flat().length
    say(`check: ${name} — floor and host answer ${writes[0].answer.split(" ")[0]} and write the same ${count} rows`)
  }
}

const fmt = (n, digits = 2) => n.toFixed(digits)
const verdict = (ok) => (ok === undefined ? "not measured" : ok ? "MET" : "MISSED")
const verdicts = []
const target = (label, ok) => (verdicts.push([label, ok]), `target ${label}: ${verdict(ok)}`)

/** Interleaved rounds of `servers` for each scenario; the issue's per-scenario lines. */
const compare = async (servers, scenarios, token, rounds, minimum) => {
  const runs = new Map()
  for (const s of scenarios) for (const server of servers) runs.set(`${s.name}/${server.kind}`, [])
  // Warm-up (JIT, statement caches, connection pools), not recorded.
  for (const s of scenarios)
    for (const server of servers) await measure(server, s.scenario, token, { ...s.job, seconds: 1 })
  for (let round = 1; round <= rounds; round++) {
    for (const s of scenarios) {
      for (const server of servers)
        runs.get(`${s.name}/${server.kind}`).push(await measure(server, s.scenario, token, s.job))
    }
    say(`round ${round}/${rounds} done`)
  }
  const m = (s, kind, key) => median(runs.get(`${s.name}/${kind}`).map((r) => r[key]))
  for (const s of scenarios) {
    const ratio = m(s, "host", "rate") / m(s, "floor", "rate")
    say(
      `${s.name}: ${fmt(ratio)}× of the hand-written floor (CPU ${fmt(m(s, "host", "cpu"))} vs ${fmt(m(s, "floor", "cpu"))} ms/request)` +
        ` · ${target(`≥${minimum}× (${s.name})`, ratio >= minimum)}`
    )
    say(
      `  p50/p99 ms: ` +
        servers.map((sv) => `${sv.kind} ${fmt(m(s, sv.kind, "p50"), 1)}/${fmt(m(s, sv.kind, "p99"), 1)}`).join(", ") +
        ` · req/s: ` +
        servers.map((sv) => `${sv.kind} ${m(s, sv.kind, "rate").toFixed(0)}`).join(", ")
    )
  }
  return (s) => m(s, "host", "rate")
}

const sqlite = async (dir, keyFile, token) => {
  const base = join(dir, "base.sqlite")
  await migrateAndSeed(`sqlite:${base}`, "dev")
  const copy = (name) => (copyFileSync(base, join(dir, name)), `sqlite:${join(dir, name)}`)
  const ceiling = await startServer("ceiling")
  const floor = {
    ...(await startServer("floor", copy("floor.sqlite"), keyFile)),
    db: `sqlite:${join(dir, "floor.sqlite")}`
  }
  const host = {
    ...(await startServer("host", copy("host.sqlite"), keyFile)),
    db: `sqlite:${join(dir, "host.sqlite")}`
  }
  const idleRss = rssMb(host.pid)
  try {
    await checkSameRows(floor, host, token, [
      ["appointment create", MERGE_PATH, mergeBody(1_000_000)],
      ["referral start", REFERRAL_PATH, referralBody()]
    ])
    const scenarios = [
      { name: "appointment create (SQLite)", scenario: "merge" },
      { name: "referral start (SQLite)", scenario: "referral" }
    ]
    say(`SQLite: ${ROUNDS} rounds of ${SECONDS} s per server and scenario, ${CONNECTIONS} connections …`)
    const peak = await compare([ceiling, floor, host], scenarios, token, ROUNDS, 0.5)
    for (const s of scenarios) {
      const half = await measure(host, s.scenario, token, { overallRate: Math.max(1, Math.round(peak(s) / 2)) })
      say(
        `${s.name}: host p99 at half its peak rate (${fmt(half.rate, 0)} req/s) ${fmt(half.p99, 1)} ms · ${target("p99 <25 ms", half.p99 < 25)}`
      )
    }
    if (LONG) await measure(host, "merge", token, { amount: 30_000, seconds: undefined })
    const after = rssMb(host.pid)
    say(`host RSS: ${fmt(idleRss, 0)} MB idle after start · ${target("<150 MB idle", idleRss < 150)}`)
    say(
      `host RSS: ${fmt(after, 0)} MB after the run${LONG ? " (incl. 30k requests)" : " (BENCH_LONG=1 adds 30k requests)"} · ` +
        target("<200 MB after 30k requests", LONG ? after < 200 : undefined)
    )
  } finally {
    await Promise.all([ceiling, floor, host].map((s) => s.stop()))
  }
  const startUps = []
  for (let i = 0; i < 3; i++) {
    startUps.push(
      await timeStartUp({ DATABASE_URL: copy(`serve${i}.sqlite`), DEV_JWK_FILE: keyFile, NODE_ENV: "development" })
    )
  }
  const startUp = median(startUps)
  say(
    `serve --http to /health 200: ${fmt(startUp, 0)} ms (median of 3: ${startUps.map((t) => fmt(t, 0)).join(", ")}) · ${target("<1 s", startUp < 1000)}`
  )
}

const postgres = async (keyFile, token) => {
  const template = await createPostgresDatabase().catch((error) => error)
  if (template instanceof Error) return say(`PostgreSQL: skipped (${template.message})`)
  const databases = [template]
  try {
    await migrateAndSeed(template.url, "dev")
    const persons = await addPersons(template.url, keyFile, token, 64)
    const name = new URL(template.url).pathname.slice(1)
    // The template's last connections may take a moment to go (CREATE DATABASE … TEMPLATE needs none).
    const clone = async (tries = 20) =>
      createPostgresDatabase({ template: name }).catch(async (error) => {
        if (tries === 0) throw error
        await new Promise((resolve) => setTimeout(resolve, 250))
        return clone(tries - 1)
      })
    const [floorDb, hostDb] = [await clone(), await clone()]
    databases.push(floorDb, hostDb)
    const floor = { ...(await startServer("floor", floorDb.url, keyFile)), db: floorDb.url }
    const host = { ...(await startServer("host", hostDb.url, keyFile)), db: hostDb.url }
    try {
      const [first] = persons
      const path = `/probation-case/${first.crn}/referrals/${first.referralId}/appointments`
      await checkSameRows(floor, host, token, [
        ["appointment create (PostgreSQL)", path, mergeBody(1_000_000, first.crn, first.referralId)]
      ])
      say(`PostgreSQL: ${PG_ROUNDS} rounds of ${SECONDS} s, appointment creates over ${persons.length} persons …`)
      const scenarios = [{ name: "appointment create (PostgreSQL, 64 persons)", scenario: "merge", job: { persons } }]
      await compare([floor, host], scenarios, token, PG_ROUNDS, 0.75)
    } finally {
      await Promise.all([floor, host].map((s) => s.stop()))
    }
  } finally {
    for (const db of databases.reverse()) await db.drop()
  }
}

const dir = mkdtempSync(join(tmpdir(), "ram-delius-bench-"))
try {
  const keyFile = join(dir, "dev-signing-key.json")
  const token = await issueDevToken({ roles: [HOST_ROLE], file: keyFile, expiresIn: "2h" })
  say(`issuer ${DEV_ISSUER}; Node ${process.version}; bench files in ${dir}`)
  await sqlite(dir, keyFile, token)
  if (process.env.BENCH_PG !== "0") await postgres(keyFile, token)
  const missed = verdicts.filter(([, ok]) => ok === false).map(([label]) => label)
  const unmeasured = verdicts.filter(([, ok]) => ok === undefined).map(([label]) => label)
  say(`verdict: ${missed.length === 0 ? "all measured targets met" : `missed ${missed.join("; ")}`}`)
  if (unmeasured.length > 0) say(`not measured this run: ${unmeasured.join("; ")}`)
} finally {
  load.stop()
  rmSync(dir, { recursive: true, force: true })
}
