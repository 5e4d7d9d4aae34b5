// The container image, built and run on this machine (`npm run test:image`; .ci/run runs it after `npm test`): the
// Dockerfile exactly as HMPPS builds it, on a local Node 24 base, started as the chart's prod values start it, against
// an SQS emulator and a fake HMPPS Auth on loopback (containers use the host's network only).
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { docker, ensureBase, ensureTools, imageSize, run, startDaemon } from "./docker.mjs"
import { startFakeAuth, startQueue } from "./services.mjs"

const ROOT = fileURLToPath(new URL("../../../", import.meta.url))
const IMAGE = "ram-delius-image-test:latest"
const CONTAINER = `ram-delius-image-test-${process.pid}`
const READ_ROLE = "ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"
const MiB = 1024 * 1024
const timings = {}
const seconds = (since) => Math.round((Date.now() - since) / 100) / 10

const merge = (base, override) =>
  Object.fromEntries(
    [...new Set([...Object.keys(base), ...Object.keys(override)])].map((key) => {
      const [a, b] = [base[key], override[key]]
      const isMap = (value) => typeof value === "object" && value !== null && !Array.isArray(value)
      return [key, isMap(a) && isMap(b) ? merge(a, b) : b === undefined ? a : b]
    })
  )
const yamlFile = (path) => parse(readFileSync(join(ROOT, path), "utf8"))
/** The chart's prod values for generic-service, as Helm merges them. */
const prod = merge(
  yamlFile("helm_deploy/refer-and-monitor-and-delius/values.yaml"),
  yamlFile("helm_deploy/values-prod.yaml")
)["generic-service"]

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

const waitFor = async (what, check, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const result = await check()
    if (result) return result
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

let daemon
let auth
let queue
let port
let base
const build = { BUILD_NUMBER: "2026-12-06.42.image-test", GIT_REF: "", GIT_BRANCH: "image-test" }

beforeAll(async () => {
  let start = Date.now()
  timings.installed = await ensureTools()
  timings.tools = seconds(start)
  start = Date.now()
  daemon = await startDaemon()
  base = await ensureBase(daemon.client, ROOT)
  timings.base = `${seconds(start)} s${base.built ? " (built)" : " (cached)"}`
  build.GIT_REF = (await run("git", ["rev-parse", "HEAD"], { cwd: ROOT, allowFailure: true })).stdout.trim() || "none"
  start = Date.now()
  const buildArgs = Object.entries(build).flatMap(([name, value]) => ["--build-arg", `${name}=${value}`])
  await docker(daemon.client, [
    ...["build", "--network", "host", "--build-arg", `BASE_IMAGE=${base.tag}`, ...buildArgs, "-t", IMAGE, ROOT]
  ])
  timings.build = seconds(start)
  ;[auth, queue, port] = await Promise.all([startFakeAuth(), startQueue(), freePort()])
}, 1_200_000)

afterAll(async () => {
  await docker(daemon?.client ?? {}, ["rm", "-f", CONTAINER], { allowFailure: true }).catch(() => {})
  await queue?.close()
  await auth?.close()
  await daemon?.stop()
  process.stdout.write(`image test timings: ${JSON.stringify(timings)}\n`)
}, 120_000)

const logs = async () => {
  const { stdout, stderr } = await docker(daemon.client, ["logs", CONTAINER], { allowFailure: true })
  return stdout + stderr
}
const get = async (path, headers = {}) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers })
  return { status: response.status, body: await response.json().catch(() => undefined) }
}

describe("the container image", () => {
  it("needs BUILD_NUMBER, GIT_REF and GIT_BRANCH to build", async () => {
    const { code, stderr, stdout } = await docker(
      daemon.client,
      ["build", "--network", "host", "--build-arg", `BASE_IMAGE=${base.tag}`, "--build-arg", "GIT_REF=x"].concat([
        "--build-arg",
        "GIT_BRANCH=y",
        ROOT
      ]),
      { allowFailure: true }
    )
    expect(code).not.toBe(0)
    expect(stdout + stderr).toContain("BUILD_NUMBER not set")
  })

  it("starts as the chart's prod values start it, UP on /health and on the probes' paths", async () => {
    const url = (origin) => new URL(origin).origin
    const env = {
      ...prod.env,
      // Loopback stand-ins for what the cluster gives (the chart's secrets and in-cluster services), and a free port:
      // with the host's network, 8080 may be taken.
      PORT: String(port),
      HMPPS_AUTH_URL: auth.url,
      REFER_AND_MONITOR_URL: url(queue.referAndMonitor.url),
      MESSAGING_CONSUMER_DETAIL_URLS: url(queue.referAndMonitor.url),
      AWS_ENDPOINT_URL_SQS: queue.connection.endpoint,
      AWS_ACCESS_KEY_ID: queue.connection.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: queue.connection.credentials.secretAccessKey,
      MESSAGING_CONSUMER_QUEUE: "refer-and-monitor-and-delius-queue",
      DATABASE_URL: "sqlite:/tmp/delius.sqlite",
      OAUTH2_CLIENT_ID: "refer-and-monitor-and-delius",
      OAUTH2_CLIENT_SECRET: "image-test-secret"
    }
    const memory = Number(/^(\d+)Mi$/.exec(prod.resources.limits.memory)[1]) * MiB
    await docker(daemon.client, [
      ...["run", "-d", "--name", CONTAINER, "--network", "host", "--memory", String(memory)],
      ...Object.entries(env).flatMap(([name, value]) => ["--env", `${name}=${value}`]),
      IMAGE,
      ...prod.containerArgs
    ])
    const [inspected] = JSON.parse((await docker(daemon.client, ["inspect", CONTAINER])).stdout)
    expect(inspected.Config.Entrypoint).toEqual(["node", "/app/packages/cli/bin/ram-delius.mjs"])
    expect(inspected.Config.Cmd).toEqual(["serve", "--http", "--queue"])
    expect(inspected.Config.User).toBe("2000")
    expect(inspected.HostConfig.Memory).toBe(memory)
    expect(inspected.HostConfig.NetworkMode).toBe("host")
    expect(inspected.Config.Env).toEqual(
      expect.arrayContaining(["NODE_ENV=production", `NODE_OPTIONS=${prod.env.NODE_OPTIONS}`])
    )
    // Readiness is DOWN until the consumer has resolved its queue URL (a moment after the port opens), so wait for UP
    // rather than for the first answer.
    const health = await waitFor("/health to answer UP", () =>
      get("/health")
        .then((answer) => (answer.status === 200 ? answer : undefined))
        .catch(() => undefined)
    ).catch(async (error) => {
      throw new Error(`${error.message}; container logs:\n${await logs()}`)
    })
    expect(health.status, JSON.stringify(health.body)).toBe(200)
    expect(health.body.status).toBe("UP")
    // The chart's probes ask the paths the running server answers.
    for (const probe of [prod.livenessProbe, prod.readinessProbe]) {
      expect(probe.httpGet.port).toBe("http")
      expect((await get(probe.httpGet.path)).status, probe.httpGet.path).toBe(200)
    }
  }, 180_000)

  it("shows the build arguments on /info", async () => {
    const info = await get("/info")
    expect(info.status).toBe(200)
    expect(info.body.git).toEqual({ branch: build.GIT_BRANCH, ref: build.GIT_REF })
    expect(info.body.build.version).toBe(build.BUILD_NUMBER)
  })

  it("runs Node as PID 1 with uid 2000", async () => {
    const status = (await docker(daemon.client, ["exec", CONTAINER, "cat", "/proc/1/status"])).stdout
    expect(status).toMatch(/^Uid:\s+2000\s+2000\s+2000\s+2000$/m)
    const cmdline = (await docker(daemon.client, ["exec", CONTAINER, "cat", "/proc/1/cmdline"])).stdout.split("\0")
    expect(cmdline.slice(0, 3)).toEqual(["node", "/app/packages/cli/bin/ram-delius.mjs", "serve"])
  })

  it("holds the binary's runtime dependencies and no dev tool, bundled package or source", async () => {
    const script = readFileSync(join(ROOT, "scripts", "runtime-deps.mjs"), "utf8")
    const deps = JSON.parse(
      (
        await docker(
          daemon.client,
          ["exec", "-i", CONTAINER, "node", "-", "/app/packages/cli/dist/bin.js", "/app/node_modules"],
          { input: script }
        )
      ).stdout
    )
    // Imported but deliberately not installed: the PostgreSQL and SQL Server drivers and the dev stack's emulator.
    expect(deps.absent).toEqual(["fauxqs", "pg", "tedious"])
    expect(deps.keep).toEqual(expect.arrayContaining(["oracledb", "koa", "jose", "@aws-sdk/client-sqs", "ldapts"]))
    const listing = (
      await docker(daemon.client, [
        ...["exec", CONTAINER, "node", "-e"],
        `const { readdirSync: r } = require("node:fs"); const m = "/app/node_modules";
         const names = r(m).flatMap((n) => n.startsWith("@") ? r(m + "/" + n).map((i) => n + "/" + i) : [n]);
         console.log(JSON.stringify({ names, packages: r("/app/packages"),
           ts: r("/app", { recursive: true }).filter((f) => /\\.([cm]?ts|tsx|map)$/.test(f)) }))`
      ])
    ).stdout
    const { names, packages, ts } = JSON.parse(listing)
    expect(names.sort()).toEqual(deps.keep)
    const forbidden = ["typescript", "tsup", "vitest", "vite", "turbo", "eslint", "prettier", "knip", "esbuild"]
      .concat(["fauxqs", "node", "effect", "@ram-delius/core", "@ram-delius/cli", "@effect/cli", "@effect/platform"])
      .concat(["fast-check", "yaml", "pg", "tedious", "@types/node", "kubernetes-models"])
    expect(names.filter((name) => forbidden.includes(name))).toEqual([])
    expect(packages).toEqual(["cli"])
    expect(ts).toEqual([])
    // The Oracle driver loads, in thin mode (no native addon), from where the bundle requires it.
    const oracle = await docker(daemon.client, [
      ...["exec", CONTAINER, "node", "-e"],
      `const o = require("node:module").createRequire("/app/packages/cli/dist/bin.js")("oracledb"); console.log(o.thin)`
    ])
    expect(oracle.stdout.trim()).toBe("true")
  })

  it("answers an in-flight request through docker stop, drains and exits 0", async () => {
    // The request's token has a key id HMPPS Auth publishes only from now on, and its JWKS answer is held: the
    // request is provably in flight (waiting for the keys) when the container is told to stop.
    const kid = auth.rotate()
    auth.hold()
    const fetchesBefore = auth.jwksRequests.length
    const token = await auth.token([READ_ROLE], kid)
    const response = get("/probation-case/C025519/responsible-officer", { authorization: `Bearer ${token}` })
    await waitFor("the request to wait for the JWKS", () => auth.jwksRequests.length > fetchesBefore)
    const follow = spawn(daemon.client.file, ["logs", "-f", CONTAINER], { env: daemon.client.env })
    let followed = ""
    follow.stdout.on("data", (chunk) => (followed += chunk))
    follow.stderr.on("data", (chunk) => (followed += chunk))
    const stopping = docker(daemon.client, ["stop", "--time", "30", CONTAINER])
    await waitFor("the drain to start", () => followed.includes("SIGTERM received: draining"), 60_000)
    auth.release()
    const answered = await response
    await stopping
    follow.kill()
    expect(answered.status, JSON.stringify(answered.body)).toBe(200)
    expect(answered.body).toHaveProperty("communityManager")
    const exit = (await docker(daemon.client, ["inspect", "--format", "{{.State.ExitCode}}", CONTAINER])).stdout
    expect(exit.trim(), await logs()).toBe("0")
    expect(await logs()).toContain("Drained; exiting")
  }, 180_000)

  it("adds at most 120 MB to its base", async () => {
    const [image, baseSize] = [await imageSize(daemon.client, IMAGE), await imageSize(daemon.client, base.tag)]
    const added = (image - baseSize) / MiB
    timings.imageMB = Math.round(image / MiB)
    timings.addedMB = Math.round(added * 10) / 10
    process.stdout.write(`image ${timings.imageMB} MB; added over the base: ${timings.addedMB} MB\n`)
    expect(added).toBeLessThanOrEqual(120)
  })
})
