// One server per child process (forked by http-bench.mjs): `servers.mjs <ceiling|floor|host> <database url> <key file>`.
// Tells the parent its port over IPC; stdout (the request log) goes wherever the parent points it (/dev/null).
import { HOST_ROLE } from "./workload.mjs"

const [kind, url, keyFile] = process.argv.slice(2)

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

/** The project host as `serve --http` builds it: core on the database, JSON logs on stdout, no telemetry exporter. */
const serveHost = async () => {
  const core = await import("@ram-delius/core")
  const { testCoreOptions } = await import("@ram-delius/core/testing")
  const { Effect, Layer } = await import("effect")
  const { startHttpServer } = await import("@ram-delius/http-koa")
  const layer = Layer.merge(
    core.makeCoreLayer({
      ...testCoreOptions(url),
      telemetry: Layer.succeed(core.Telemetry, { trackEvent: () => Effect.void })
    }),
    core.Log.layer()
  )
  return startHttpServer({
    port: 0,
    host: "127.0.0.1",
    layer,
    config: { hmppsAuthUrl: undefined, production: false, devJwkFile: keyFile, apiRoles: [HOST_ROLE] }
  })
}

const serveFloor = async () => {
  const { startFloor } = await import("./floor.mjs")
  const { DEV_ISSUER } = await import("@ram-delius/http-koa")
  return startFloor({ url, keyFile, role: HOST_ROLE, issuer: DEV_ISSUER })
}

const server = await { ceiling: serveCeiling, floor: serveFloor, host: serveHost }[kind]()
process.on("message", async (message) => {
  if (message === "stop") {
    await server.close()
    process.exit(0)
  }
})
process.send({ port: server.port })
