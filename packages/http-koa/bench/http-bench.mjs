// HTTP host benchmark (not a test): `npm run build && npm run bench -w @ram-delius/http-koa`.
//
// Over loopback, against an embedded SQLite file seeded with the dev dataset, it measures the two write endpoints R&M
// calls — appointment create (merge of new future appointments at distinct times, §4.2) and referral start (§4.1) —
// with concurrent keep-alive clients, and prints them beside
//   (a) the raw floor: the SQL statements the workflow runs (approximated from core's repositories), executed directly
//       on node:sqlite in this process, one transaction per iteration;
//   (b) a bare Koa handler: the same body read and JSON answer with no auth and no core.
// Each figure is also given as a ratio, plus the p99 at half the peak rate (open loop, latency from the scheduled send
// time) and the server's RSS. Request counts are bounded; everything stops by itself.
//
// The servers run in child processes so the load generator does not share their event loop (R&M is another host).
// Environment: BENCH_REQUESTS (default 2000 per scenario), BENCH_CONCURRENCY (default 8).

import { fork } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { Agent, request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const HALF_RATE_REQUESTS = Math.max(200, Math.floor(REQUESTS / 4))
const self = fileURLToPath(import.meta.url)

const N049975_REFERRAL = "09c62549-bcd3-49a9-8120-7811b76925e5" // DevReferrals.noAppointments
const EVENT_WITHOUT_NSI = 2 // DevIds.event.withoutNsi (person S123456)

// --- shared: seeded database ------------------------------------------------------------------------------------------

const seededDatabase = async (file) => {
  const { migrateAndSeed } = await import("@ram-delius/core/testing")
  await migrateAndSeed(`sqlite:${file}`, "dev")
}

// --- child processes: the servers -------------------------------------------------------------------------------------

const serveHost = async (file, keyFile) => {
  const core = await import("@ram-delius/core")
  const { testCoreOptions } = await import("@ram-delius/core/testing")
  const { Effect, Layer } = await import("effect")
  const { startHttpServer, silentLogger } = await import("@ram-delius/http-koa")
  const layer = core.makeCoreLayer({
    ...testCoreOptions(`sqlite:${file}`),
    // Telemetry lines would flood the terminal; the request log is off for the same reason.
    telemetry: Layer.succeed(core.Telemetry, { trackEvent: () => Effect.void })
  })
  return startHttpServer({
    port: 0,
    host: "127.0.0.1",
    layer,
    log: silentLogger,
    config: { hmppsAuthUrl: undefined, production: false, devJwkFile: keyFile }
  })
}

const serveBareKoa = async () => {
  const { default: Koa } = await import("koa")
  const { createServer } = await import("node:http")
  const app = new Koa()
  let next = 1
  app.use(async (ctx) => {
    const chunks = []
    for await (const chunk of ctx.req) chunks.push(chunk)
    JSON.parse(Buffer.concat(chunks).toString("utf8"))
    if (ctx.method === "PUT" && ctx.path.endsWith("/appointments")) ctx.body = { appointmentId: next++ }
    else ctx.status = 204
  })
  const server = createServer(app.callback())
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) }
}

const child = async (kind, file, keyFile) => {
  const server = kind === "host" ? await serveHost(file, keyFile) : await serveBareKoa()
  process.on("message", async (message) => {
    if (message === "rss") process.send({ rss: process.memoryUsage().rss })
    if (message === "stop") {
      await server.close()
      process.exit(0)
    }
  })
  process.send({ port: server.port, rss: process.memoryUsage().rss })
}

const startChild = (kind, file, keyFile) =>
  new Promise((resolve, reject) => {
    const proc = fork(self, ["--child", kind, file ?? "", keyFile ?? ""], {
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    proc.once("error", reject)
    proc.once("exit", (code) => code !== 0 && reject(new Error(`${kind} server exited with ${code}`)))
    proc.once("message", (m) => {
      let peak = m.rss
      const sample = setInterval(() => proc.send("rss"), 100)
      proc.on("message", (r) => r.rss !== undefined && (peak = Math.max(peak, r.rss)))
      resolve({
        url: `http://127.0.0.1:${m.port}`,
        startRss: m.rss,
        peakRss: () => peak,
        stop: () =>
          new Promise((done) => {
            clearInterval(sample)
            proc.once("exit", done)
            proc.send("stop")
          })
      })
    })
  })

// --- load generation ----------------------------------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })

const put = (url, path, token, body) =>
  new Promise((resolve, reject) => {
    const payload = JSON.stringify(body)
    const req = httpRequest(
      `${url}${path}`,
      {
        method: "PUT",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          ...(token ? { authorization: `Bearer ${token}` } : {})
        }
      },
      (res) => {
        res.resume()
        res.on("end", () => resolve(res.statusCode))
      }
    )
    req.on("error", reject)
    req.end(payload)
  })

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

const summarise = (latencies, elapsedMs) => {
  const sorted = [...latencies].sort((a, b) => a - b)
  return {
    count: sorted.length,
    rate: (sorted.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99)
  }
}

/** Closed loop: CONCURRENCY clients, each sending its next request as soon as the last is answered. */
const closedLoop = async (count, send) => {
  const latencies = []
  let issued = 0
  const failures = []
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < count) {
        const i = issued++
        const t0 = performance.now()
        const status = await send(i)
        latencies.push(performance.now() - t0)
        if (status >= 300) failures.push(status)
      }
    })
  )
  if (failures.length > 0) throw new Error(`${failures.length} requests failed, e.g. HTTP ${failures[0]}`)
  return summarise(latencies, performance.now() - started)
}

/** Open loop at a fixed rate; latency counts from the scheduled send time (no coordinated omission). */
const openLoop = async (count, ratePerSecond, send) => {
  const interval = 1000 / ratePerSecond
  const latencies = []
  const started = performance.now()
  const pending = []
  for (let i = 0; i < count; i++) {
    const scheduled = started + i * interval
    const wait = scheduled - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    pending.push(send(i).then(() => latencies.push(performance.now() - scheduled)))
  }
  await Promise.all(pending)
  return summarise(latencies, performance.now() - started)
}

// --- the workloads ------------------------------------------------------------------------------------------------------

// Distinct, non-overlapping future slots: 20 half-hour appointments a day, from tomorrow on.
const slotStart = (slot) => {
  const day = new Date()
  day.setUTCHours(0, 0, 0, 0)
  return new Date(day.getTime() + (1 + Math.floor(slot / 20)) * 86_400_000 + (slot % 20) * 3_600_000)
}

const mergeBody = (slot) => ({
  id: randomUUID(),
  referralId: N049975_REFERRAL,
  referralReference: "FE4536AC",
  serviceUserCrn: "N049975",
  sentenceId: null,
  start: slotStart(slot).toISOString(),
  durationInMinutes: 30,
  notes: "Service Delivery Appointment for Accommodation Referral FE4536AC with Prime Provider Harmony Living",
  officeLocationCode: "CRSEXTL",
  countsTowardsRar: true,
  outcome: null,
  previousId: null,
  deliusId: null,
  rescheduleRequestedBy: null
})

const referralBody = () => ({
  contractType: "ACC",
  startedAt: new Date().toISOString(),
  sentenceId: EVENT_WITHOUT_NSI,
  referralId: randomUUID(),
  notes: "Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living"
})

const MERGE_PATH = `/probation-case/N049975/referrals/${N049975_REFERRAL}/appointments`
const REFERRAL_PATH = "/probation-case/S123456/referrals"

// --- (a) the raw floor ------------------------------------------------------------------------------------------------

const rawFloor = async (file) => {
  const { DatabaseSync } = await import("node:sqlite")
  const db = new DatabaseSync(file)
  db.exec("PRAGMA journal_mode = WAL")
  // better-sqlite3's db.transaction(fn): BEGIN, fn, COMMIT — ROLLBACK if fn throws.
  const transaction =
    (fn) =>
    (...args) => {
      db.exec("BEGIN")
      try {
        const result = fn(...args)
        db.exec("COMMIT")
        return result
      } catch (error) {
        db.exec("ROLLBACK")
        throw error
      }
    }
  const now = () => new Date().toISOString().replace("T", " ").replace("Z", "000")
  const q = (sql) => db.prepare(sql)
  const s = {
    lock: q("UPDATE OFFENDER SET SOFT_DELETED = SOFT_DELETED WHERE CRN = ? AND SOFT_DELETED = 0 RETURNING OFFENDER_ID"),
    nsiByUrn: q(`SELECT n.*, o.CRN, s.CODE FROM NSI n JOIN OFFENDER o ON o.OFFENDER_ID = n.OFFENDER_ID
                 JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = n.NSI_STATUS_ID
                 WHERE o.CRN = ? AND o.SOFT_DELETED = 0 AND n.EXTERNAL_REFERENCE = ? AND n.SOFT_DELETED = 0 ORDER BY n.NSI_ID`),
    nsiById: q(`SELECT n.*, o.CRN, s.CODE FROM NSI n JOIN OFFENDER o ON o.OFFENDER_ID = n.OFFENDER_ID
                JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = n.NSI_STATUS_ID WHERE n.NSI_ID = ?`),
    disposal:
      q(`SELECT d.DISPOSAL_ID, d.EVENT_ID, t.DISPOSAL_TYPE_CODE FROM DISPOSAL d JOIN EVENT e ON e.EVENT_ID = d.EVENT_ID
                 JOIN R_DISPOSAL_TYPE t ON t.DISPOSAL_TYPE_ID = d.DISPOSAL_TYPE_ID WHERE e.OFFENDER_ID = ? AND e.EVENT_ID = ?`),
    rar: q(`SELECT r.RQMNT_ID FROM RQMNT r JOIN R_RQMNT_TYPE_MAIN_CATEGORY c ON c.RQMNT_TYPE_MAIN_CATEGORY_ID = r.RQMNT_TYPE_MAIN_CATEGORY_ID
            WHERE r.OFFENDER_ID = ? AND r.DISPOSAL_ID = ? AND r.SOFT_DELETED = 0 AND c.CODE = 'F' ORDER BY r.RQMNT_ID`),
    nsiType: q("SELECT NSI_TYPE_ID AS ID, CODE FROM R_NSI_TYPE WHERE CODE = ?"),
    nsiStatus: q("SELECT NSI_STATUS_ID, CODE, CONTACT_TYPE_ID FROM R_NSI_STATUS WHERE CODE = ?"),
    provider: q("SELECT PROBATION_AREA_ID AS ID FROM PROBATION_AREA WHERE CODE = ?"),
    team: q("SELECT TEAM_ID AS ID FROM TEAM WHERE CODE = ?"),
    staff: q("SELECT STAFF_ID AS ID FROM STAFF WHERE OFFICER_CODE = ?"),
    contactType: q(
      "SELECT CONTACT_TYPE_ID, CODE, NATIONAL_STANDARDS_CONTACT, ATTENDANCE_CONTACT FROM R_CONTACT_TYPE WHERE CODE = ?"
    ),
    next: q("UPDATE DELIUS_SEQUENCE SET LAST_VALUE = LAST_VALUE + 1 WHERE SEQUENCE_NAME = ? RETURNING LAST_VALUE"),
    insertNsi:
      q(`INSERT INTO NSI (NSI_ID, OFFENDER_ID, NSI_TYPE_ID, NSI_STATUS_ID, NSI_STATUS_DATE, REFERRAL_DATE, ACTUAL_START_DATE,
                  NOTES, EXTERNAL_REFERENCE, INTENDED_PROVIDER_ID, EVENT_ID, RQMNT_ID, PENDING_TRANSFER, ACTIVE_FLAG, SOFT_DELETED,
                  ROW_VERSION, CREATED_DATETIME, CREATED_BY_USER_ID, LAST_UPDATED_DATETIME, LAST_UPDATED_USER_ID)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, 0, 0, ?, 1, ?, 1)`),
    insertManager:
      q(`INSERT INTO NSI_MANAGER (NSI_MANAGER_ID, NSI_ID, PROBATION_AREA_ID, TEAM_ID, STAFF_ID, START_DATE, ACTIVE_FLAG,
                      SOFT_DELETED, PARTITION_AREA_ID, ROW_VERSION, CREATED_DATETIME, CREATED_BY_USER_ID, LAST_UPDATED_DATETIME,
                      LAST_UPDATED_USER_ID) VALUES (?, ?, ?, ?, ?, ?, 1, 0, 0, 0, ?, 1, ?, 1)`),
    insertHistory:
      q(`INSERT INTO NSI_STATUS_HISTORY (NSI_STATUS_HISTORY_ID, NSI_ID, NSI_STATUS_ID, NSI_STATUS_DATE, NOTES, SOFT_DELETED,
                      ROW_VERSION, CREATED_DATETIME, CREATED_BY_USER_ID, LAST_UPDATED_DATETIME, LAST_UPDATED_USER_ID)
                      VALUES (?, ?, ?, ?, ?, 0, 0, ?, 1, ?, 1)`),
    activeManager: q(`SELECT NSI_MANAGER_ID, PROBATION_AREA_ID, TEAM_ID, STAFF_ID FROM NSI_MANAGER
                      WHERE NSI_ID = ? AND ACTIVE_FLAG = 1 AND SOFT_DELETED = 0 ORDER BY NSI_MANAGER_ID`),
    insertContact:
      q(`INSERT INTO CONTACT (CONTACT_ID, OFFENDER_ID, CONTACT_TYPE_ID, CONTACT_DATE, CONTACT_START_TIME, CONTACT_END_TIME,
                      EVENT_ID, NSI_ID, PROBATION_AREA_ID, TEAM_ID, STAFF_ID, OFFICE_LOCATION_ID, RAR_ACTIVITY, LINKED_CONTACT_ID,
                      EXTERNAL_REFERENCE, NOTES, SOFT_DELETED, PARTITION_AREA_ID, ROW_VERSION, CREATED_DATETIME, CREATED_BY_USER_ID,
                      LAST_UPDATED_DATETIME, LAST_UPDATED_USER_ID) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 0, 0, 0, ?, 1, ?, 1)`),
    contactByUrn: q(`SELECT c.*, t.CODE FROM CONTACT c JOIN OFFENDER o ON o.OFFENDER_ID = c.OFFENDER_ID
                     JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
                     LEFT JOIN R_CONTACT_OUTCOME_TYPE oc ON oc.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID
                     WHERE o.CRN = ? AND c.EXTERNAL_REFERENCE = ? AND c.SOFT_DELETED = 0 ORDER BY c.CONTACT_ID`),
    contactById: q(`SELECT c.*, o.CRN, t.CODE FROM CONTACT c JOIN OFFENDER o ON o.OFFENDER_ID = c.OFFENDER_ID
                    JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
                    LEFT JOIN R_CONTACT_OUTCOME_TYPE oc ON oc.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID
                    WHERE c.CONTACT_ID = ? AND c.SOFT_DELETED = 0`),
    updateContact:
      q(`UPDATE CONTACT SET OFFICE_LOCATION_ID = ?, NOTES = ?, ROW_VERSION = ROW_VERSION + 1, LAST_UPDATED_DATETIME = ?,
                      LAST_UPDATED_USER_ID = 1 WHERE CONTACT_ID = ?`),
    clash: q(`SELECT c.EXTERNAL_REFERENCE, c.CONTACT_START_TIME, c.CONTACT_END_TIME FROM CONTACT c
              JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
              WHERE c.OFFENDER_ID = ? AND t.ATTENDANCE_CONTACT = 'Y' AND c.CONTACT_DATE = ? AND c.SOFT_DELETED = 0
              AND c.CONTACT_OUTCOME_TYPE_ID IS NULL`),
    location:
      q(`SELECT l.*, p.CODE FROM OFFICE_LOCATION l JOIN PROBATION_AREA p ON p.PROBATION_AREA_ID = l.PROBATION_AREA_ID
                 WHERE l.CODE = ? AND (p.END_DATE IS NULL OR p.END_DATE > ?) AND (l.END_DATE IS NULL OR l.END_DATE > ?)
                 ORDER BY l.OFFICE_LOCATION_ID`),
    interaction: q(`SELECT BUSINESS_INTERACTION_ID AS ID FROM BUSINESS_INTERACTION
                    WHERE BUSINESS_INTERACTION_CODE = ? AND (ENABLED_DATE IS NULL OR ENABLED_DATE <= ?)`),
    audit:
      q(`INSERT INTO AUDITED_INTERACTION (BUSINESS_INTERACTION_ID, USER_ID, DATE_TIME, OUTCOME, INTERACTION_PARAMETERS)
              VALUES (?, 1, ?, 'P', ?)`)
  }
  const assignment = () => ({ p: s.provider.get("CRS").ID, t: s.team.get("CRSUAT").ID, st: s.staff.get("CRSUATU").ID })
  const audit = (code, parameters) => s.audit.run(s.interaction.get(code, now()).ID, now(), parameters)

  const referral = transaction((body) => {
    const urn = `urn:hmpps:interventions-referral:${body.referralId}`
    const t = now()
    const offenderId = s.lock.get("S123456").OFFENDER_ID
    s.nsiByUrn.all("S123456", urn)
    const disposal = s.disposal.get(offenderId, body.sentenceId)
    const rqmnt = s.rar.get(offenderId, disposal.DISPOSAL_ID)
    const type = s.nsiType.get("CRS01")
    const status = s.nsiStatus.get("INPROG")
    const a = assignment()
    const nref = s.contactType.get("NREF")
    const ncom = s.contactType.get("NCOM")
    const nsiId = s.next.get("NSI_ID_SEQ").LAST_VALUE
    s.insertNsi.run(
      nsiId,
      offenderId,
      type.ID,
      status.NSI_STATUS_ID,
      t,
      t.slice(0, 10),
      t,
      body.notes,
      urn,
      a.p,
      disposal.EVENT_ID,
      rqmnt?.RQMNT_ID ?? null,
      t,
      t
    )
    s.insertManager.run(s.next.get("NSI_MANAGER_ID_SEQ").LAST_VALUE, nsiId, a.p, a.t, a.st, t, t, t)
    s.insertHistory.run(
      s.next.get("NSI_STATUS_HISTORY_ID_SEQ").LAST_VALUE,
      nsiId,
      status.NSI_STATUS_ID,
      t,
      body.notes,
      t,
      t
    )
    for (const typeId of [nref.CONTACT_TYPE_ID, status.CONTACT_TYPE_ID, ncom.CONTACT_TYPE_ID]) {
      const m = s.activeManager.get(nsiId)
      s.insertContact.run(
        s.next.get("CONTACT_ID_SEQ").LAST_VALUE,
        offenderId,
        typeId,
        t.slice(0, 10),
        t,
        null,
        disposal.EVENT_ID,
        nsiId,
        m.PROBATION_AREA_ID,
        m.TEAM_ID,
        m.STAFF_ID,
        null,
        null,
        null,
        null,
        t,
        t
      )
    }
    s.nsiById.get(nsiId)
    return { offenderId, nsiId }
  })

  const merge = transaction((body) => {
    const t = now()
    const urn = `urn:hmpps:interventions-appointment:${body.id}`
    const offenderId = s.lock.get("N049975").OFFENDER_ID
    const nsi = s.nsiByUrn.get("N049975", `urn:hmpps:interventions-referral:${body.referralId}`)
    const date = body.start.slice(0, 10)
    s.clash.all(offenderId, date)
    const a = assignment()
    const location = s.location.get(body.officeLocationCode, t, t)
    s.contactByUrn.get("N049975", urn)
    const type = s.contactType.get("CRSAPT")
    const end = new Date(Date.parse(body.start) + body.durationInMinutes * 60_000).toISOString()
    const contactId = s.next.get("CONTACT_ID_SEQ").LAST_VALUE
    s.insertContact.run(
      contactId,
      offenderId,
      type.CONTACT_TYPE_ID,
      date,
      body.start,
      end,
      nsi.EVENT_ID,
      nsi.NSI_ID,
      a.p,
      a.t,
      a.st,
      location.OFFICE_LOCATION_ID,
      "N",
      urn,
      null,
      t,
      t
    )
    s.contactById.get(contactId)
    s.updateContact.run(location.OFFICE_LOCATION_ID, `\n${body.notes}`, t, contactId)
    return { offenderId, contactId }
  })

  const run = (count, body, work, code) => {
    const latencies = []
    const started = performance.now()
    for (let i = 0; i < count; i++) {
      const input = body(i)
      const t0 = performance.now()
      const ids = work(input)
      audit(
        code,
        Object.entries(ids)
          .map(([k, v]) => `${k}='${v}'`)
          .join(",")
      )
      latencies.push(performance.now() - t0)
    }
    return summarise(latencies, performance.now() - started)
  }
  try {
    return {
      merge: run(REQUESTS, (i) => mergeBody(1_000_000 + i), merge, "CLBI003"),
      referral: run(REQUESTS, () => referralBody(), referral, "NIBI009")
    }
  } finally {
    db.close()
  }
}

// --- the run ----------------------------------------------------------------------------------------------------------

const mb = (bytes) => `${Math.round(bytes / 1024 / 1024)} MB`
const ms = (n) => (n < 10 ? n.toFixed(2) : n.toFixed(1))
const ratio = (a, b) => `${(a / b).toFixed(2)}×`

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), "ram-delius-bench-"))
  try {
    const hostDb = join(dir, "host.sqlite")
    const rawDb = join(dir, "raw.sqlite")
    const keyFile = join(dir, "dev-signing-key.json")
    process.stdout.write(`seeding two SQLite files in ${dir} …\n`)
    await seededDatabase(hostDb)
    await seededDatabase(rawDb)
    const { issueDevToken } = await import("@ram-delius/http-koa")
    const token = await issueDevToken({
      roles: ["ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"],
      file: keyFile,
      expiresIn: "1h"
    })

    process.stdout.write(`raw floor: ${REQUESTS} + ${REQUESTS} transactions on node:sqlite …\n`)
    const raw = await rawFloor(rawDb)

    process.stdout.write(`bare Koa: ${REQUESTS} requests × 2 …\n`)
    const bare = await startChild("bare")
    const bareMerge = await closedLoop(REQUESTS, (i) => put(bare.url, MERGE_PATH, undefined, mergeBody(i)))
    const bareReferral = await closedLoop(REQUESTS, () => put(bare.url, REFERRAL_PATH, undefined, referralBody()))
    const bareRss = bare.peakRss()
    await bare.stop()

    process.stdout.write(
      `HTTP host: ${REQUESTS} requests × 2 at concurrency ${CONCURRENCY}, then ${HALF_RATE_REQUESTS} × 2 at half the peak rate …\n`
    )
    const host = await startChild("host", hostDb, keyFile)
    let slot = 0
    // Warm up (JIT, prepared statements) on a separate set of slots and referrals.
    await closedLoop(100, () => put(host.url, MERGE_PATH, token, mergeBody(slot++)))
    await closedLoop(100, () => put(host.url, REFERRAL_PATH, token, referralBody()))
    const merge = await closedLoop(REQUESTS, () => put(host.url, MERGE_PATH, token, mergeBody(slot++)))
    const referral = await closedLoop(REQUESTS, () => put(host.url, REFERRAL_PATH, token, referralBody()))
    const mergeHalf = await openLoop(HALF_RATE_REQUESTS, merge.rate / 2, () =>
      put(host.url, MERGE_PATH, token, mergeBody(slot++))
    )
    const referralHalf = await openLoop(HALF_RATE_REQUESTS, referral.rate / 2, () =>
      put(host.url, REFERRAL_PATH, token, referralBody())
    )
    const hostStartRss = host.startRss
    const hostPeakRss = host.peakRss()
    await host.stop()

    const rows = [
      ["appointment create (PUT …/appointments)", merge, mergeHalf, raw.merge, bareMerge],
      ["referral start (PUT …/referrals)", referral, referralHalf, raw.referral, bareReferral]
    ]
    const header = [
      "scenario",
      "req/s",
      "p50 ms",
      "p99 ms",
      "p99 @½ peak",
      "raw SQL req/s",
      "host/raw",
      "bare Koa req/s",
      "host/bare"
    ]
    const table = [header]
    for (const [name, h, half, r, b] of rows) {
      table.push([
        name,
        h.rate.toFixed(0),
        ms(h.p50),
        ms(h.p99),
        ms(half.p99),
        r.rate.toFixed(0),
        ratio(h.rate, r.rate),
        b.rate.toFixed(0),
        ratio(h.rate, b.rate)
      ])
    }
    const widths = header.map((_, c) => Math.max(...table.map((row) => String(row[c]).length)))
    const line = (row) =>
      row.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join("  ")
    process.stdout.write(`\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`)
    for (const row of table.slice(1)) process.stdout.write(`${line(row)}\n`)
    process.stdout.write(
      `\nraw SQL p50/p99 ms: appointment ${ms(raw.merge.p50)}/${ms(raw.merge.p99)}, referral ${ms(raw.referral.p50)}/${ms(raw.referral.p99)}` +
        ` · bare Koa p50/p99 ms: ${ms(bareMerge.p50)}/${ms(bareMerge.p99)}\n` +
        `RSS: host ${mb(hostStartRss)} at start, ${mb(hostPeakRss)} peak · bare Koa ${mb(bareRss)} peak · ` +
        `${REQUESTS} requests per scenario, concurrency ${CONCURRENCY}, loopback, SQLite WAL, Node ${process.version}\n`
    )
  } finally {
    agent.destroy()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4], process.argv[5])
else await main()
