// Prints, in order, the SQL the project host issues for one appointment create and one referral start (the source
// of the statement list at the top of floor.mjs): `node bench/trace-sql.mjs [sqlite|postgres]` after `npm run build`.
// SQLite: StatementSync/DatabaseSync methods wrapped. PostgreSQL: pg's Client.prototype.query wrapped.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync, StatementSync } from "node:sqlite"
import { createRequire } from "node:module"
import { HOST_ROLE, mergeBody, referralBody, MERGE_PATH, REFERRAL_PATH } from "./workload.mjs"

const dialect = process.argv[2] ?? "sqlite"
let tracing = false
const trace = (sql, params) =>
  tracing && console.log(`${sql.replace(/\s+/g, " ").trim()}  -- ${JSON.stringify(params)}`)
if (dialect === "sqlite") {
  for (const method of ["all", "get", "run", "iterate"]) {
    const original = StatementSync.prototype[method]
    StatementSync.prototype[method] = function (...params) {
      trace(this.sourceSQL, params)
      return original.apply(this, params)
    }
  }
  const exec = DatabaseSync.prototype.exec
  DatabaseSync.prototype.exec = function (sql) {
    trace(sql, [])
    return exec.call(this, sql)
  }
} else {
  const pg = createRequire(createRequire(import.meta.resolve("@ram-delius/core")).resolve("pg"))("pg")
  const query = pg.Client.prototype.query
  pg.Client.prototype.query = function (config, values, ...rest) {
    trace(typeof config === "string" ? config : config.text, typeof config === "string" ? values : config.values)
    return query.call(this, config, values, ...rest)
  }
}

const { migrateAndSeed, testCoreOptions, createPostgresDatabase } = await import("@ram-delius/core/testing")
const core = await import("@ram-delius/core")
const { Effect, Layer } = await import("effect")
const { startHttpServer, silentLogger, issueDevToken } = await import("@ram-delius/http-koa")
const dir = mkdtempSync(join(tmpdir(), "ram-delius-trace-"))
const db =
  dialect === "sqlite"
    ? { url: `sqlite:${join(dir, "db.sqlite")}`, drop: async () => {} }
    : await createPostgresDatabase()
try {
  await migrateAndSeed(db.url, "dev")
  const keyFile = join(dir, "key.json")
  const token = await issueDevToken({ roles: [HOST_ROLE], file: keyFile })
  const layer = core.makeCoreLayer({
    ...testCoreOptions(db.url),
    telemetry: Layer.succeed(core.Telemetry, { trackEvent: () => Effect.void })
  })
  const server = await startHttpServer({
    port: 0,
    host: "127.0.0.1",
    layer,
    log: silentLogger,
    config: { hmppsAuthUrl: undefined, production: false, devJwkFile: keyFile }
  })
  const put = async (path, body) => {
    const response = await fetch(`${server.url}${path}`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body)
    })
    return `${response.status} ${await response.text()}`
  }
  // One warm-up of each so reference-data caches are filled, as they are for every timed request.
  await put(MERGE_PATH, mergeBody(0))
  await put(REFERRAL_PATH, referralBody())
  for (const [name, path, body] of [
    ["appointment create", MERGE_PATH, mergeBody(1)],
    ["referral start", REFERRAL_PATH, referralBody()]
  ]) {
    console.log(`--- ${name}`)
    tracing = true
    const answer = await put(path, body)
    tracing = false
    console.log(`--- ${answer}`)
  }
  await server.close()
} finally {
  await db.drop?.()
  rmSync(dir, { recursive: true, force: true })
}
