// The load generator, in its own process (forked by http-bench.mjs, so it never shares a core's event loop with the
// server it measures): autocannon, each request a distinct appointment or referral. One IPC message per run.
import autocannon from "autocannon"
import { MERGE_PATH, mergeBody, REFERRAL_PATH, referralBody } from "./workload.mjs"

/**
 * `job`: { url, scenario: "merge" | "referral", token, seconds | amount, connections, overallRate?, slot, persons? }.
 * `persons` ([{ crn, referralId }]) spreads appointment creates over many people, one slot sequence each.
 */
const run = async (job) => {
  let slot = job.slot
  const persons = job.persons
  const next = () => {
    const i = slot++
    if (job.scenario === "referral") return [REFERRAL_PATH, referralBody()]
    if (persons === undefined) return [MERGE_PATH, mergeBody(i)]
    const { crn, referralId } = persons[i % persons.length]
    const body = mergeBody(Math.floor(i / persons.length), crn, referralId)
    return [`/probation-case/${crn}/referrals/${referralId}/appointments`, body]
  }
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    ...(job.amount !== undefined ? { amount: job.amount } : { duration: job.seconds }),
    ...(job.overallRate !== undefined ? { overallRate: job.overallRate } : {}),
    headers: { "content-type": "application/json", authorization: `Bearer ${job.token}` },
    requests: [
      {
        method: "PUT",
        setupRequest: (request) => {
          const [path, body] = next()
          return { ...request, path, body: JSON.stringify(body) }
        }
      }
    ]
  })
  return {
    completed: result.requests.total,
    ok: result["2xx"],
    failed: result.non2xx + result.errors + result.timeouts,
    statuses: Object.keys(result.statusCodeStats),
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    nextSlot: slot
  }
}

process.on("message", async (job) => {
  if (job === "stop") process.exit(0)
  process.send(await run(job))
})
