// Helpers for http-bench.mjs: child processes, /proc readings, the row check, medians.
import { execFileSync, fork, spawn } from "node:child_process"
import { openSync, readFileSync } from "node:fs"
import { createServer } from "node:net"
import { DatabaseSync } from "node:sqlite"
import { fileURLToPath } from "node:url"

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const devNull = openSync("/dev/null", "w")

/** A server child (servers.mjs); `sql(work)` resolves with the statements it issued while `work` ran. */
export const startServer = (kind, url = "", keyFile = "", issuer = "", env = {}) =>
  new Promise((resolve, reject) => {
    // Request log lines go to /dev/null: written (the work is measured), not shown.
    const proc = fork(here("./servers.mjs"), [kind, url, keyFile, issuer], {
      stdio: ["ignore", devNull, "inherit", "ipc"],
      env: { ...process.env, ...env }
    })
    proc.once("exit", (code) => reject(new Error(`${kind} server exited with ${code}`)))
    const reply = () => new Promise((done) => proc.once("message", done))
    reply().then(({ port }) =>
      resolve({
        kind,
        db: url,
        pid: proc.pid,
        url: `http://127.0.0.1:${port}`,
        sql: async (work) => {
          proc.send("trace")
          await reply()
          const result = await work()
          proc.send("untrace")
          return { result, statements: (await reply()).statements }
        },
        /** Effect operations the "host-count" server ran since the last call. */
        ops: () => (proc.send("ops"), reply().then((answer) => answer.operations)),
        stop: () => new Promise((done) => (proc.removeAllListeners("exit"), proc.once("exit", done), proc.send("stop")))
      })
    )
  })

/** The load generator process: `run(job)` resolves with load.mjs's summary. */
export const startLoad = () => {
  const proc = fork(here("./load.mjs"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
  return {
    run: (job) => new Promise((resolve) => (proc.send(job), proc.once("message", resolve))),
    stop: () => proc.send("stop")
  }
}

const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim())
/** utime + stime of `pid`, in ms (/proc/<pid>/stat fields 14 and 15, after the parenthesised name). */
export const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}
export const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

// --- the row check --------------------------------------------------------------------------------------------------
export const CHECKED_TABLES = ["CONTACT", "NSI", "NSI_MANAGER", "NSI_STATUS_HISTORY", "AUDITED_INTERACTION", "OFFENDER"]
// Not compared: the table's own id and the write's time (the rest, references included, must match).
const comparable = (table, row) =>
  JSON.stringify(
    Object.entries(row)
      .map(([k, v]) => [k.toUpperCase(), v])
      .filter(([k]) => k !== `${table}_ID` && !k.endsWith("_DATETIME") && k !== "DATE_TIME")
      .sort(([a], [b]) => a.localeCompare(b))
  )

/** Every row of the checked tables, as comparable strings, by table. */
export const snapshot = async (url) => {
  const rows = {}
  if (url.startsWith("sqlite:")) {
    const db = new DatabaseSync(url.slice("sqlite:".length), { readOnly: true })
    for (const t of CHECKED_TABLES)
      rows[t] = db
        .prepare(`SELECT * FROM ${t}`)
        .all()
        .map((r) => comparable(t, r))
    db.close()
  } else {
    const { default: pg } = await import("pg")
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const text = (value) => value // timestamps as text, as the host and the floor read them
    for (const t of CHECKED_TABLES) {
      const result = await client.query({ text: `SELECT * FROM ${t}`, types: { getTypeParser: () => text } })
      rows[t] = result.rows.map((r) => comparable(t, r))
    }
    await client.end()
  }
  return rows
}

/** The rows in `after` that were not in `before` (inserted or changed), by table, sorted. */
export const written = (before, after) =>
  Object.fromEntries(
    CHECKED_TABLES.map((t) => {
      const old = new Set(before[t])
      return [t, after[t].filter((r) => !old.has(r)).sort()]
    })
  )

/** `serve --http` of the CLI: ms from spawn to the first `/health` 200. */
/** `serve --http` from spawn to /health 200 (ms), and its RSS (MB) one second later. */
export const timeStartUp = async (env, work = async () => undefined) => {
  const port = await freePort()
  const started = performance.now()
  const proc = spawn(process.execPath, [here("../../cli/bin/ram-delius.mjs"), "serve", "--http"], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"]
  })
  const exited = new Promise((resolve) => proc.once("exit", resolve))
  try {
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${port}/health`)
        .then((r) => r.status)
        .catch(() => 0)
      if (status === 200) {
        const ms = performance.now() - started
        // The binary as deployed (bundled, on Node 24 in-process): its RSS once idle is the footprint target's figure.
        await new Promise((resolve) => setTimeout(resolve, 1000))
        const rss = rssMb(proc.pid)
        // `work` (e.g. the 30k requests of the RSS target) runs against the binary; its RSS is read again after.
        const worked = await work({ url: `http://127.0.0.1:${port}`, pid: proc.pid })
        return { ms, rss, ...(worked === undefined ? {} : { worked, rssAfter: rssMb(proc.pid) }) }
      }
      if (proc.exitCode !== null) throw new Error(`serve --http exited with ${proc.exitCode}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  } finally {
    proc.kill("SIGTERM")
    await exited
  }
}
