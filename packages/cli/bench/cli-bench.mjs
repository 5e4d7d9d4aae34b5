// Start-up benchmark of the built `ram-delius` binary (a support engineer's CLI must start fast). Plain node, no
// dependencies:
//   npm run bench:cli            (root; builds first)   or   node packages/cli/bench/cli-bench.mjs [--runs N]
// Runs `node -e ""`, `ram-delius --help` and `ram-delius referral show` on a seeded SQLite file in turn (A B C A B C …,
// so that a machine's changing load affects all three alike), N times each after one warm-up, and prints each
// command's median wall time, its median over `node -e ""` (the part the CLI itself costs), and the targets.
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const BIN = fileURLToPath(new URL("../bin/ram-delius.mjs", import.meta.url))
const runsAt = process.argv.indexOf("--runs")
const RUNS = runsAt === -1 ? 9 : Number(process.argv[runsAt + 1])
const dir = mkdtempSync(join(tmpdir(), "ram-cli-bench-"))
const env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, "delius.sqlite")}`, NO_COLOR: "1" }

const run = (args) => {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, args, { env, encoding: "utf8" })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}: ${result.stderr}`)
  return seconds
}

const commands = [
  { name: 'node -e ""', args: ["-e", ""] },
  { name: "ram-delius --help", args: [BIN, "--help"], target: 0.4 },
  {
    name: "ram-delius referral show (SQLite)",
    args: [BIN, "referral", "show", "T140223", "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080"],
    target: 0.7
  }
]

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

try {
  run([BIN, "db", "migrate"])
  run([BIN, "db", "seed"])
  const times = commands.map(() => [])
  for (let i = 0; i <= RUNS; i++) {
    commands.forEach((command, c) => {
      const seconds = run(command.args)
      if (i > 0) times[c].push(seconds) // the first round warms the file-system cache
    })
  }
  const baseline = median(times[0])
  console.log(`ram-delius start-up, median of ${RUNS} runs (node ${process.version}, ${new Date().toISOString()})`)
  console.log(
    `${"command".padEnd(36)}${"median s".padStart(10)}${"over node s".padStart(13)}${"target s".padStart(10)}  verdict`
  )
  commands.forEach((command, c) => {
    const m = median(times[c])
    const verdict = command.target === undefined ? "" : m < command.target ? "ok" : "OVER TARGET"
    console.log(
      `${command.name.padEnd(36)}${m.toFixed(3).padStart(10)}${(m - baseline).toFixed(3).padStart(13)}${(command.target?.toFixed(1) ?? "").padStart(10)}  ${verdict}`
    )
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
