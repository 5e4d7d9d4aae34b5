/**
 * The R&M callback against a plain fetch (README, benchmarks: its target is a ratio to a plain fetch). Run after
 * queue-bench.ts by `npm run bench -w @ram-delius/sqs-host`; needs `npm run build` (the stub child loads dist/).
 *
 * The same session-feedback detail URL, GET one call at a time, BENCH_CALLS times each (default 10,000, 30,000 with
 * BENCH_LONG=1; with 2,000 the ratio moved by ±0.2 between runs on the same code, with 10,000 by ±0.1, with 30,000 in
 * 60 rounds by ±0.02 and ±0.07 in two sets of three runs):
 *   (a) core's `ReferAndMonitorClient.get(url, ReferralSession)`, built as the hosts build it against the dev stub
 *       (client-credentials token from the stub's `/auth`, the stub's origin allowed, §5.3) — decode included
 *   (b) `fetch(url, { headers: { authorization } })` + `JSON.parse`, with the same token
 *   and, for the record, (b) with the client's Schema decode instead of `JSON.parse`
 * The stub runs in a CHILD process so that only the caller's CPU (`process.cpuUsage()` of this process) is counted.
 * Interleaved over BENCH_CALLBACK_ROUNDS rounds (default 20, 60 with BENCH_LONG=1; order rotating), after a warm-up;
 * medians per call.
 * The target is the client against (b): ≤ 1.3× the CPU of a plain fetch + JSON.parse.
 * Then, untimed, the Effect operations one client call costs: a second client, built the same way, in a runtime whose
 * supervisor counts every operation its fibers run (op supervision costs a call per operation, so it is never timed).
 */
import { devDetailUrlOrigins, ReferAndMonitorClient, ReferAndMonitorSchemas } from "@ram-delius/core"
import { Effect, Layer, ManagedRuntime, Redacted, RuntimeFlags, Schema, Supervisor } from "effect"
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { pathToFileURL } from "node:url"
import { DEV_STACK_DEFAULTS } from "@ram-delius/sqs-host"
import { defaultFixturesDir } from "@ram-delius/sqs-host/dev"

const LONG = process.env.BENCH_LONG === "1"
const CALLS = Number(process.env.BENCH_CALLS ?? (LONG ? 30_000 : 10_000))
const ROUNDS = Number(process.env.BENCH_CALLBACK_ROUNDS ?? (LONG ? 60 : 20))
const PER_ROUND = Math.ceil(CALLS / ROUNDS)
const WARM_UP = 300
const OPS_CALLS = 200
const TARGET_RATIO = 1.3
const PATH = "/referral/68df9f6c-3fcb-4ec6-8fcf-96551cd9b080/sessions/2"

// --- the stub, in a child process --------------------------------------------------------------------------------
const dev = resolve(import.meta.dirname, "..", "dist", "dev.js")
if (!existsSync(dev)) throw new Error(`${dev} is missing: run npm run build first`)
const child = spawn(
  process.execPath,
  [
    "--input-type=module",
    "-e",
    `const { startReferAndMonitorStub } = await import(process.argv[1])
     const stub = await startReferAndMonitorStub({ port: 0 })
     stub.serve(process.argv[2], { status: 200, body: process.argv[3] })
     process.stdout.write(JSON.stringify({ url: stub.url, port: stub.port, authUrl: stub.authUrl }) + "\\n")`,
    pathToFileURL(dev).href,
    PATH,
    readFileSync(
      join(defaultFixturesDir(), "refer-and-monitor-api", "session-appointment-feedback-submitted-compliant.json"),
      "utf8"
    )
  ],
  { stdio: ["ignore", "pipe", "inherit"] }
)
const stub = await new Promise<{ url: string; port: number; authUrl: string }>((resolvePromise, reject) => {
  child.once("exit", (code) => reject(new Error(`stub exited (${code})`)))
  createInterface({ input: child.stdout }).once("line", (line) => resolvePromise(JSON.parse(line)))
})
const url = `${stub.url}${PATH}`

// --- (a) core's client, (b) a plain fetch ---------------------------------------------------------------------------
// Spans off, as core's layer has them without an exporter (makeCoreLayer's `tracing`); BENCH_TRACING=1 turns them on.
const clientLayer = Layer.provideMerge(
  ReferAndMonitorClient.layerWith({
    auth: {
      url: stub.authUrl,
      clientId: DEV_STACK_DEFAULTS.clientId,
      clientSecret: Redacted.make(DEV_STACK_DEFAULTS.clientSecret)
    },
    detailUrlOrigins: devDetailUrlOrigins(stub.port)
  }),
  Layer.setTracerEnabled(process.env.BENCH_TRACING === "1")
)
const runtime = ManagedRuntime.make(clientLayer)
const client = await runtime.runPromise(ReferAndMonitorClient)
const tokenResponse = await fetch(`${stub.authUrl}/oauth/token`, {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: "grant_type=client_credentials"
})
const authorization = `Bearer ${((await tokenResponse.json()) as { access_token: string }).access_token}`
const plainGet = async () => (await fetch(url, { headers: { authorization } })).text()

const check = (session: unknown) => {
  if ((session as { sessionNumber?: unknown } | null)?.sessionNumber !== 2) throw new Error("unexpected body")
}
// Each way runs `n` calls one after another, the client's inside one fiber as in the host's handler.
const ways = {
  client: (n: number) =>
    runtime.runPromise(
      Effect.gen(function* () {
        for (let i = 0; i < n; i++) check(yield* client.get(url, ReferAndMonitorSchemas.ReferralSession))
      })
    ),
  fetch: async (n: number) => {
    for (let i = 0; i < n; i++) check(JSON.parse(await plainGet()))
  },
  // Not a target: the plain fetch plus the client's decode (same Schema, same options), to tell decoding from the rest.
  fetchDecode: async (n: number) => {
    for (let i = 0; i < n; i++) check(decode(await plainGet()))
  }
}
const decode = Schema.decodeUnknownSync(Schema.parseJson(ReferAndMonitorSchemas.ReferralSession), { errors: "all" })
/** CPU of this process per call, ms. */
const measure = async (way: keyof typeof ways, n: number) => {
  const before = process.cpuUsage()
  await ways[way](n)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000 / n
}

const names = Object.keys(ways) as Array<keyof typeof ways>
for (const name of names) await measure(name, WARM_UP)
const perCall: Record<keyof typeof ways, Array<number>> = { client: [], fetch: [], fetchDecode: [] }
for (let r = 0; r < ROUNDS; r++) {
  // A different order each round, so that no way always follows the same one.
  for (let k = 0; k < names.length; k++) {
    const name = names[(r + k) % names.length]!
    perCall[name].push(await measure(name, PER_ROUND))
  }
}
await runtime.dispose()

// --- Effect operations per client call (untimed) -------------------------------------------------------------------
let operations = 0
class OperationCounter extends Supervisor.AbstractSupervisor<number> {
  get value() {
    return Effect.sync(() => operations)
  }
  override onEffect() {
    operations++
  }
}
const counting = ManagedRuntime.make(
  Layer.mergeAll(clientLayer, Supervisor.addSupervisor(new OperationCounter()), RuntimeFlags.enableOpSupervision)
)
const countedClient = await counting.runPromise(ReferAndMonitorClient)
const countedCalls = (n: number) =>
  counting.runPromise(
    Effect.gen(function* () {
      for (let i = 0; i < n; i++) check(yield* countedClient.get(url, ReferAndMonitorSchemas.ReferralSession))
    })
  )
await countedCalls(10) // the token fetch and the first calls are not what a call costs
operations = 0
await countedCalls(OPS_CALLS)
// The loop's own operations (the generator's steps and the fiber's start and end) are counted too: a few per call.
const opsPerCall = operations / OPS_CALLS
await counting.dispose()
child.kill("SIGTERM")

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((x, y) => x - y)
  const middle = (sorted.length - 1) / 2
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2
}
const clientMs = median(perCall.client)
const fetchMs = median(perCall.fetch)
const decodeMs = median(perCall.fetchDecode)
console.log(
  `\ncallback bench: ${ROUNDS} interleaved rounds × ${PER_ROUND} GETs of one session-feedback URL each way, stub in a child process`
)
const ratio = clientMs / fetchMs
console.log(
  `R&M callback: ${ratio.toFixed(2)}× the CPU of a plain fetch + JSON.parse (${clientMs.toFixed(3)} vs ${fetchMs.toFixed(3)} ms/call) · target R&M callback ≤${TARGET_RATIO}× a plain fetch + JSON.parse: ${ratio <= TARGET_RATIO ? "MET" : "MISSED"}`
)
console.log(
  `  (plain fetch + the client's Schema decode: ${decodeMs.toFixed(3)} ms/call; the client is ${(clientMs / decodeMs).toFixed(2)}× that)`
)
console.log(`  Effect operations per client call (supervisor count, ${OPS_CALLS} calls): ${opsPerCall.toFixed(1)}`)
console.log(
  JSON.stringify({
    callback: {
      clientMsPerCall: clientMs,
      fetchMsPerCall: fetchMs,
      fetchDecodeMsPerCall: decodeMs,
      ratio,
      ratioToFetchDecode: clientMs / decodeMs,
      target: TARGET_RATIO,
      met: ratio <= TARGET_RATIO,
      effectOperationsPerCall: opsPerCall
    }
  })
)
process.exit(0)
