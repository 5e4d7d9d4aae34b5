#!/usr/bin/env node
// `npx ram-delius` puts the directory of npm's own Node first on PATH, so on a machine whose system Node is older this
// shebang finds that one, not the Node 24 the project pins as its `node` devDependency. Re-run on the pinned Node
// when it is installed (a workspace checkout); otherwise carry on with whatever Node this is (engines asks for 24).
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { createRequire, enableCompileCache } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const pinned = (() => {
  if (process.versions.node.split(".")[0] === "24") return undefined
  try {
    const binary = join(dirname(createRequire(import.meta.url).resolve("node/package.json")), "bin", "node")
    return existsSync(binary) ? binary : undefined
  } catch {
    return undefined
  }
})()

if (pinned === undefined) {
  // V8's code cache on disk (os.tmpdir()/node-compile-cache, keyed by file content; NODE_DISABLE_COMPILE_CACHE=1
  // turns it off): from the second run on, the bundle is not parsed and compiled again — about a third of the start of
  // `--help` (a support engineer's CLI must start fast).
  enableCompileCache?.()
  await import("../dist/bin.js")
} else {
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" })
  // The child is the CLI: it gets the signals (SIGTERM drains `serve`) and its exit status is ours.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal))
  child.on("exit", (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)))
}
