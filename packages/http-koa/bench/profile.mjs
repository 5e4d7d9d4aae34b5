// CPU profile of the deployed binary under the bench's load (not a test): `npm run bench:profile -w @ram-delius/http-koa`
// after a build. `serve --http` runs with `--cpu-prof` on a copy of the seeded dev dataset while load.mjs sends
// appointment creates (8 connections, PROFILE_SECONDS, default 10); the top frames by self time are printed, then the
// top packages. PROFILE_DIR keeps the .cpuprofile (default: a temporary directory, removed). PROFILE_DATABASE=postgres
// profiles it on PostgreSQL (127.0.0.1:5432) instead: a database with the dev dataset and 64 persons (persons.mjs), the
// creates spread over them as in http-bench.mjs. PROFILE_EXPORT=1 runs the binary as production does, exporting its
// telemetry (to a loopback ingestion endpoint, ingestion.mjs). PROFILE_SCENARIO=referral sends referral starts instead.
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { createPostgresDatabase, migrateAndSeed } from "@ram-delius/core/testing"
import { issueDevToken } from "@ram-delius/http-koa"
import { startIngestion } from "./ingestion.mjs"
import { addPersons } from "./persons.mjs"
import { freePort, startLoad } from "./support.mjs"
import { HOST_ROLE } from "./workload.mjs"

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10)
const TOP = Number(process.env.PROFILE_TOP ?? 25)
const dir = mkdtempSync(join(tmpdir(), "ram-delius-profile-"))
const profileDir = process.env.PROFILE_DIR ?? dir
const binary = fileURLToPath(new URL("../../cli/bin/ram-delius.mjs", import.meta.url))
const POSTGRES = process.env.PROFILE_DATABASE === "postgres"
const SCENARIO = process.env.PROFILE_SCENARIO === "referral" ? "referral" : "merge"
const WHAT = SCENARIO === "referral" ? "referral start" : "appointment create"
const load = startLoad()
let postgres
try {
  const keyFile = join(dir, "dev-signing-key.json")
  const token = await issueDevToken({ roles: [HOST_ROLE], file: keyFile, expiresIn: "2h" })
  postgres = POSTGRES ? await createPostgresDatabase() : undefined
  const database = postgres?.url ?? `sqlite:${join(dir, "delius.sqlite")}`
  await migrateAndSeed(database, "dev")
  const persons = postgres === undefined ? undefined : await addPersons(database, keyFile, token, 64)
  const port = await freePort()
  const exporting = process.env.PROFILE_EXPORT === "1" ? await startIngestion(dir, { byName: true }) : undefined
  const proc = spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, binary, "serve", "--http"], {
    env: {
      ...process.env,
      ...exporting?.env,
      DATABASE_URL: database,
      DEV_JWK_FILE: keyFile,
      NODE_ENV: "development",
      PORT: String(port)
    },
    stdio: ["ignore", "ignore", "inherit"]
  })
  const exited = new Promise((resolve) => proc.once("exit", resolve))
  const url = `http://127.0.0.1:${port}`
  while (
    (await fetch(`${url}/health`).then(
      (r) => r.status,
      () => 0
    )) !== 200
  ) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const job = { url, scenario: SCENARIO, token, connections: 8, persons }
  await load.run({ ...job, seconds: 2, slot: 0 }) // warm-up
  const result = await load.run({ ...job, seconds: SECONDS, slot: 10_000 })
  proc.kill("SIGTERM")
  await exited
  await exporting?.close()
  if (exporting !== undefined) {
    process.stdout.write(`telemetry sent, per ${WHAT}, by type and name:\n`)
    for (const [name, n] of exporting.names().slice(0, 25))
      process.stdout.write(`  ${(n / result.completed).toFixed(2).padStart(6)} ${name}\n`)
  }
  const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"))
  const profile = JSON.parse(readFileSync(join(profileDir, file), "utf8"))
  const self = new Map()
  const byPackage = new Map()
  const interval = (profile.endTime - profile.startTime) / profile.samples.length / 1000
  const counts = new Map()
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1)
  let total = 0
  for (const node of profile.nodes) {
    const hits = counts.get(node.id) ?? 0
    if (hits === 0) continue
    total += hits
    const { functionName, url: source, lineNumber } = node.callFrame
    const short = source.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/packages\//, "")
    const key = `${functionName || "(anonymous)"} ${short}:${lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + hits)
    const pkg =
      source === "" ? functionName : (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1] ?? short.split("/")[0])
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits)
  }
  const pct = (hits) => `${((100 * hits) / total).toFixed(1).padStart(5)}%`
  process.stdout.write(`${result.completed} ${WHAT}s in ${SECONDS} s (${(result.completed / SECONDS).toFixed(0)}/s); `)
  process.stdout.write(`${total} samples of ${interval.toFixed(2)} ms\ntop frames by self time:\n`)
  for (const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP))
    process.stdout.write(`${pct(hits)} ${key}\n`)
  process.stdout.write("by package:\n")
  for (const [key, hits] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15))
    process.stdout.write(`${pct(hits)} ${key}\n`)
} finally {
  load.stop()
  await postgres?.drop()
  if (process.env.PROFILE_DIR === undefined) rmSync(dir, { recursive: true, force: true })
}
