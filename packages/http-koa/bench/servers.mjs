// One server per child process (forked by support.mjs): `servers.mjs <ceiling|floor|host> <database url> <key file>
// <issuer>`. Tells the parent its port over IPC; stdout (the request log) goes where the parent points it (/dev/null).
// IPC "trace" / "untrace": record, then hand back, the SQL this process issues — node:sqlite's StatementSync and
// DatabaseSync.exec, and pg's Client.query, are wrapped (one flag test per statement, the same in floor and host).
// That is how the statement list at the top of floor.mjs was obtained, and how http-bench.mjs checks it still holds.
import { DatabaseSync, StatementSync } from "node:sqlite"
import { setFlagsFromString } from "node:v8"
import { HOST_ROLE } from "./workload.mjs"

// The V8 flags the binary sets for itself (packages/cli/src/heap.ts), for every server here: the host runs as
// `serve --http` does, and the floor and the ceiling get the same heap behaviour.
setFlagsFromString("--no-allocation-site-pretenuring")

const [kind, url, keyFile, issuer] = process.argv.slice(2)

let trace
const wrap = (proto, method, sqlOf) => {
  const original = proto[method]
  proto[method] = function (...args) {
    if (trace !== undefined) trace.push(sqlOf(this, args[0]).replace(/\s+/g, " ").trim())
    return original.apply(this, args)
  }
}
for (const method of ["all", "get", "run", "iterate"]) wrap(StatementSync.prototype, method, (s) => s.sourceSQL)
wrap(DatabaseSync.prototype, "exec", (_, sql) => sql)
if (url.startsWith("postgres")) {
  // Not loaded for SQLite: it would add to the host's RSS. The one hoisted pg serves core and the floor.
  const { default: pg } = await import("pg")
  wrap(pg.Client.prototype, "query", (_, query) => (typeof query === "string" ? query : query.text))
}

/** Bare Koa: parse the JSON body and answer like the host (the ceiling no server on Koa can beat). */
const serveCeiling = async () => {
  const { default: Koa } = await import("koa")
  const { createServer } = await import("node:http")
  const app = new Koa()
  let next = 1
  app.use(async (ctx) => {
    const chunks = []
    for await (const chunk of ctx.req) chunks.push(chunk)
    JSON.parse(Buffer.concat(chunks).toString("utf8"))
    if (ctx.path.endsWith("/appointments")) ctx.body = { appointmentId: next++ }
    else ctx.status = 204
  })
  const server = createServer(app.callback())
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { port: server.address().port, close: async () => server.close() }
}

// "host-count": the host with a supervisor counting every Effect operation its fibers run (IPC "ops" answers the count
// since the last "ops"). Op supervision costs a call per operation, so this host is never the one timed.
let operations = 0

/** A layer turning op supervision on with a supervisor that counts operations (Effect's run loop calls onEffect). */
const countingLayer = async () => {
  const { Effect, Layer, RuntimeFlags, Supervisor } = await import("effect")
  class OperationCounter extends Supervisor.AbstractSupervisor {
    get value() {
      return Effect.sync(() => operations)
    }
    onEffect() {
      operations++
    }
  }
  return Layer.merge(Supervisor.addSupervisor(new OperationCounter()), RuntimeFlags.enableOpSupervision)
}

/**
 * The project host as `serve --http` builds it (core from DATABASE_URL, JSON logs on stdout). "host": telemetry a
 * no-op and no spans (no APPLICATIONINSIGHTS_CONNECTION_STRING). "host-exporting": core's own Telemetry layer, with
 * the connection string the bench gives it (a loopback ingestion endpoint): spans made and exported, as in production.
 */
const serveHost = async (counting = false, exporting = false) => {
  process.env.DATABASE_URL = url
  const core = await import("@ram-delius/core")
  const { Effect, Layer } = await import("effect")
  const { startHttpServer } = await import("@ram-delius/http-koa")
  const telemetry = exporting ? undefined : Layer.succeed(core.Telemetry, { trackEvent: () => Effect.void })
  const layer = Layer.merge(core.makeCoreLayer(telemetry === undefined ? {} : { telemetry }), core.Log.layer())
  return startHttpServer({
    port: 0,
    host: "127.0.0.1",
    layer: counting ? Layer.merge(layer, await countingLayer()) : layer,
    config: { hmppsAuthUrl: undefined, production: false, devJwkFile: keyFile, apiRoles: [HOST_ROLE] }
  })
}

const serveFloor = async () => (await import("./floor.mjs")).startFloor({ url, keyFile, role: HOST_ROLE, issuer })

const server = await {
  ceiling: serveCeiling,
  floor: serveFloor,
  host: () => serveHost(),
  "host-count": () => serveHost(true),
  "host-exporting": () => serveHost(false, true)
}[kind]()
process.on("message", async (message) => {
  if (message === "trace") process.send({ tracing: (trace = []).length === 0 })
  if (message === "untrace") process.send({ statements: trace.splice(0) }, () => (trace = undefined))
  if (message === "ops") process.send({ operations: operations - (operations = 0) })
  if (message === "stop") await server.close().then(() => process.exit(0))
})
process.send({ port: server.port })
