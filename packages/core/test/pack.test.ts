import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { npmInstall } from "./support/npmInstall.js"

/**
 * Core as a library (DESIGN.md, What the product is): another team installs core from its tarball with nothing but
 * its declared dependencies (the drivers are optional peers; node:sqlite is built in), and runs a rule and a workflow
 * on SQLite. The workspace's own package
 * comes from `npm pack`; core's declared dependencies come from the registry (or npm's cache, `--prefer-offline`).
 * The tarball packs the built dist/, which turbo builds before `npm test`.
 */
const coreDir = join(dirname(fileURLToPath(import.meta.url)), "..")
const npm = process.platform === "win32" ? "npm.cmd" : "npm"
// Asynchronous, so the test worker keeps answering vitest while npm runs.
const run = async (file: string, args: ReadonlyArray<string>, options: { cwd: string; env?: NodeJS.ProcessEnv }) =>
  (await promisify(execFile)(file, args, { ...options, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 })).stdout

let dir: string
let project: string
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ram-delius-pack-"))
  project = join(dir, "consumer")
  await run(npm, ["pack", "--silent", "--pack-destination", dir], { cwd: coreDir })
  const tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"))!
  mkdirSync(project)
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "consumer",
      private: true,
      type: "module",
      dependencies: { "@ram-delius/core": `file:../${tarball}` }
    })
  )
  // Fails fast, naming the registry, when it cannot be reached (support/npmInstall.ts).
  await npmInstall(project)
}, 600_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const script = `
import { Appointment, Database, makeCoreLayer, MergeAppointment, migrate, Rules, seed, Telemetry, UserDirectory } from "@ram-delius/core"
import { Effect, Layer, Option, Schema } from "effect"
import { DatabaseSync } from "node:sqlite"

const file = process.argv[2]
const url = "sqlite:" + file
await Effect.runPromise(Effect.gen(function* () {
  yield* migrate
  yield* seed("dev")
}).pipe(Effect.provide(Database.layerFromUrl(url)), Effect.scoped))

const start = new Date(Date.now() + 7 * 86_400_000)
start.setUTCHours(10, 0, 0, 0)
const result = await Effect.runPromise(Effect.gen(function* () {
  const request = yield* Schema.decodeUnknown(MergeAppointment)({
    id: "0f3b7f5e-5f6c-4b3e-9b0e-2a1c3d4e5f60",
    referralId: "09c62549-bcd3-49a9-8120-7811b76925e5",
    referralReference: "FE4536AC",
    start: start.toISOString(),
    durationInMinutes: 60,
    notes: "Booked from the packed tarball",
    officeLocationCode: "CRSEXTL",
    countsTowardsRar: true
  })
  return yield* (yield* Appointment).merge("N049975", request)
}).pipe(
  Effect.provide(makeCoreLayer({
    database: Database.layerFromUrl(url),
    telemetry: Layer.succeed(Telemetry, { trackEvent: () => Effect.void }),
    directory: UserDirectory.embedded()
  })),
  Effect.scoped
))
const row = new DatabaseSync(file, { readOnly: true })
  .prepare("SELECT t.CODE, c.EXTERNAL_REFERENCE, c.NOTES FROM CONTACT c JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID WHERE CONTACT_ID = ?")
  .get(result.appointmentId)
process.stdout.write(JSON.stringify({ nsiType: Option.getOrNull(Rules.nsiTypeForContractType("FBD-L")), contact: { ...row } }))
`

describe("@ram-delius/core installed from its npm pack tarball", () => {
  it("installs no database driver, SQLite driver or emulator: only the declared dependencies", () => {
    const installed = readdirSync(join(project, "node_modules"))
    for (const absent of ["pg", "oracledb", "tedious", "better-sqlite3", "fauxqs"])
      expect(installed).not.toContain(absent)
    const effectScoped = readdirSync(join(project, "node_modules", "@effect"))
    expect(effectScoped).not.toContain("sql-pg")
    expect(effectScoped).not.toContain("sql-mssql")
    expect(effectScoped).not.toContain("sql-sqlite-node")
  })

  it("runs a rule and the appointment merge workflow on a migrated and seeded SQLite file", async () => {
    writeFileSync(join(project, "run.mjs"), script)
    const out = await run(process.execPath, ["run.mjs", join(dir, "delius.sqlite")], { cwd: project })
    expect(JSON.parse(out)).toEqual({
      nsiType: "CRS08",
      contact: {
        CODE: "CRSAPT",
        EXTERNAL_REFERENCE: "urn:hmpps:interventions-appointment:0f3b7f5e-5f6c-4b3e-9b0e-2a1c3d4e5f60",
        NOTES: "\nBooked from the packed tarball"
      }
    })
  })

  it("a postgres:// DATABASE_URL without the optional pg driver is a start-up error naming what to install", async () => {
    const missing = `
import { Database } from "@ram-delius/core"
import { Effect, Layer } from "effect"
const exit = await Effect.runPromiseExit(Layer.build(Database.layerFromUrl("postgres://127.0.0.1/none")).pipe(Effect.scoped))
process.stdout.write(JSON.stringify(exit))
`
    writeFileSync(join(project, "missing.mjs"), missing)
    const out = await run(process.execPath, ["missing.mjs"], { cwd: project })
    expect(out).toContain("DATABASE_URL: postgres:// needs pg installed")
  })
})
