/**
 * Reads the V8 CPU profile a host wrote with `--cpu-prof` and prints its top frames by self time and the shares of
 * the parts of the stack. The binary is bundled (Effect, core and the hosts live in packages/cli/dist chunks), so
 * each bundled frame is mapped back through the chunk's source map to its original module; the AWS SDK, undici and
 * the drivers stay external and are named by their node_modules directory.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { SourceMap } from "node:module"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const maps = new Map()
const sourceMapOf = (url) => {
  if (!maps.has(url)) {
    const file = url.startsWith("file://") ? `${fileURLToPath(url)}.map` : undefined
    maps.set(
      url,
      file !== undefined && existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, "utf8"))) : undefined
    )
  }
  return maps.get(url)
}

/** The original module of a frame: `effect/…`, `core/…`, `sqs-host/…`, an external package, or a builtin. */
const originOf = ({ url, lineNumber, columnNumber, functionName }) => {
  if (url === "") return functionName.startsWith("(") ? functionName : "native"
  const map = sourceMapOf(url)
  const entry = map?.findEntry(lineNumber, columnNumber)
  const source = entry !== undefined && "originalSource" in entry ? entry.originalSource : url
  const line = entry !== undefined && "originalLine" in entry ? entry.originalLine + 1 : lineNumber + 1
  const module = source.includes("node_modules/")
    ? source.slice(source.lastIndexOf("node_modules/") + "node_modules/".length)
    : source.includes("/packages/")
      ? source.slice(source.lastIndexOf("/packages/") + "/packages/".length)
      : source.replace(/^node:internal\/deps\//, "").replace(/^(\.\.\/)+/, "")
  return `${module}:${line}`
}

/** The part of the stack a module belongs to (the groups the benchmark's notes speak of). */
const groupOf = (origin) => {
  const name = origin.replace(/:\d+$/, "")
  if (name.startsWith("@aws-sdk/") || name.startsWith("@smithy/") || name.startsWith("@aws-crypto/")) return "AWS SDK"
  if (name.startsWith("undici")) return "undici (fetch)"
  if (name.startsWith("effect/") || name.startsWith("@effect/")) {
    return name.includes("/Schema") || name.includes("/schema/") || name.includes("ParseResult")
      ? "Effect Schema"
      : "Effect runtime"
  }
  if (name.startsWith("core/src/telemetry")) return "core telemetry/logging"
  if (name.startsWith("core/")) return "core (workflows, SQL, events)"
  if (name.startsWith("sqs-host/")) return "sqs-host"
  if (name.startsWith("node:")) return name.startsWith("node:internal/crypto") ? "node crypto" : "node builtins"
  if (name.startsWith("(")) return name.split(":")[0]
  return name === "native" ? "native (I/O writes, SQLite, JSON, …)" : (name.split("/")[0] ?? name)
}

/** The top frames and the parts' shares of every .cpuprofile in `dir`, as lines of text. */
export const summarizeProfile = (dir, top = 25) => {
  const lines = []
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8"))
    const hits = new Map()
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1)
    const self = new Map()
    const groups = new Map()
    // Inclusive: a sample counts for every part on its stack once (the SDK's share includes the signing it calls).
    const inclusive = new Map()
    const parent = new Map()
    const byId = new Map(profile.nodes.map((node) => [node.id, node]))
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node)
    let total = 0
    for (const node of profile.nodes) {
      const count = hits.get(node.id) ?? 0
      // Shares of the time the host was busy: idle time depends on how fast the bench feeds it.
      if (count === 0 || node.callFrame.functionName === "(idle)") continue
      total += count
      const origin = originOf(node.callFrame)
      const key = `${node.callFrame.functionName || "(anonymous)"} ${origin}`
      self.set(key, (self.get(key) ?? 0) + count)
      groups.set(groupOf(origin), (groups.get(groupOf(origin)) ?? 0) + count)
      const onStack = new Set()
      for (let at = byId.get(node.id); at !== undefined; at = parent.get(at.id))
        onStack.add(groupOf(originOf(at.callFrame)))
      for (const group of onStack)
        if (!["(root)", "native (I/O writes, SQLite, JSON, …)", "node builtins"].includes(group))
          inclusive.set(group, (inclusive.get(group) ?? 0) + count)
    }
    const pct = (count) => `${((100 * count) / total).toFixed(1).padStart(5)}%`
    const sorted = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n)
    lines.push(`${file}: ${total} busy samples (idle left out); top frames by self time:`)
    for (const [key, count] of sorted(self, top)) lines.push(`${pct(count)} ${key}`)
    lines.push("self time by part:")
    for (const [key, count] of sorted(groups, 15)) lines.push(`${pct(count)} ${key}`)
    lines.push("inclusive (a sample with the part anywhere on its stack):")
    for (const [key, count] of sorted(inclusive, 15)) lines.push(`${pct(count)} ${key}`)
  }
  return lines.join("\n")
}
