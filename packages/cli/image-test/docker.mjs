// The Docker side of the image test: the tools it needs (installed from Debian when missing), a daemon of its own
// when none runs, and a local Node 24 base image standing in for the HMPPS one (no image registry is reachable here).
import { spawn } from "node:child_process"
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { createRequire } from "node:module"

/** Runs a command; resolves with its output, rejects naming the command and its stderr when it exits non-zero. */
export const run = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: "pipe" })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => {
      stdout += chunk
      if (options.echo) process.stdout.write(chunk)
    })
    child.stderr.on("data", (chunk) => {
      stderr += chunk
      if (options.echo) process.stderr.write(chunk)
    })
    if (options.input !== undefined) child.stdin.end(options.input)
    else child.stdin.end()
    child.on("error", reject)
    child.on("close", (code) =>
      code === 0 || options.allowFailure
        ? resolve({ code, stdout, stderr })
        : reject(new Error(`${file} ${args.join(" ")} exited ${code}:\n${stderr.slice(-4000)}`))
    )
  })

const onPath = (name) =>
  ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
    .map((dir) => join(dir, name))
    .find((path) => existsSync(path))

/**
 * Debian's docker.io (dockerd, containerd, runc and a docker client with BuildKit built in) and mmdebstrap, installed
 * when missing. The package scripts must not start a system-wide Docker (it would create a bridge and iptables
 * rules): a policy-rc.d answering 101 ("action forbidden") keeps invoke-rc.d from starting any service meanwhile.
 */
export const ensureTools = async () => {
  const missing = [
    ...(onPath("dockerd") === undefined || !existsSync("/usr/bin/docker") ? ["docker.io"] : []),
    ...(onPath("mmdebstrap") === undefined ? ["mmdebstrap"] : [])
  ]
  if (missing.length === 0) return []
  if (process.getuid?.() !== 0) throw new Error(`the image test needs ${missing.join(", ")}: install them (apt-get)`)
  const policy = "/usr/sbin/policy-rc.d"
  const ownPolicy = !existsSync(policy)
  if (ownPolicy) writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 })
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
    await run("apt-get", ["update", "-qq"], { env })
    await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env })
  } finally {
    if (ownPolicy) rmSync(policy, { force: true })
  }
  return missing
}

/** Where a daemon started by the test keeps its state: kept between runs, so the base image stays cached. */
const stateDir = "/var/tmp/ram-delius-image-test"
const socket = join(stateDir, "docker.sock")

/**
 * The docker client and the environment to run it with. Debian's client (/usr/bin/docker) has BuildKit built in;
 * a newer client elsewhere on PATH may need a buildx plugin that is not installed.
 */
export const dockerClient = (host) => ({
  file: existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker",
  env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: "1" }
})

export const docker = (client, args, options = {}) => run(client.file, args, { ...options, env: client.env })

const responds = async (client) => (await docker(client, ["version"], { allowFailure: true })).code === 0

/**
 * A daemon to talk to: DOCKER_HOST's or the system one when it answers; otherwise one of the test's own, with its own
 * data root, exec root, pidfile and socket, no bridge network and no iptables rules (containers run with
 * `--network host` only). `stop` stops only a daemon this function started.
 */
export const startDaemon = async () => {
  for (const host of [process.env.DOCKER_HOST, "unix:///var/run/docker.sock"].filter(Boolean)) {
    const client = dockerClient(host)
    if (await responds(client)) return { client, started: false, stop: async () => {} }
  }
  mkdirSync(stateDir, { recursive: true })
  const client = dockerClient(`unix://${socket}`)
  // A daemon left by an interrupted run: reuse it (the next run's stop ends it).
  if (existsSync(socket) && (await responds(client)))
    return {
      client,
      started: true,
      stop: () => stopDaemon(Number(readFileSync(join(stateDir, "dockerd.pid"), "utf8")))
    }
  // Its output goes to a file beside its state (read it when the daemon does not come up).
  const log = openSync(join(stateDir, "dockerd.log"), "w")
  const daemon = spawn(
    onPath("dockerd") ?? "dockerd",
    [
      `--data-root=${join(stateDir, "data")}`,
      `--exec-root=${join(stateDir, "exec")}`,
      `--pidfile=${join(stateDir, "dockerd.pid")}`,
      `--host=unix://${socket}`,
      "--bridge=none",
      "--iptables=false",
      "--ip-masq=false",
      "--ip-forward=false"
    ],
    { stdio: ["ignore", log, log], detached: true }
  )
  daemon.unref()
  let exited = false
  daemon.on("exit", () => (exited = true))
  for (let attempt = 0; attempt < 240 && !(await responds(client)); attempt++) {
    if (exited) throw new Error(`dockerd exited at start-up (see ${join(stateDir, "dockerd.log")})`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  if (!(await responds(client))) throw new Error("dockerd did not answer within 2 minutes")
  return { client, started: true, stop: () => stopDaemon(daemon.pid) }
}

const running = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Stops the daemon the test started, then unmounts what it leaves mounted under its exec root (its netns). */
const stopDaemon = async (pid) => {
  if (running(pid)) process.kill(pid, "SIGTERM")
  for (let attempt = 0; attempt < 120 && running(pid); attempt++)
    await new Promise((resolve) => setTimeout(resolve, 250))
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1])
    .filter((path) => path?.startsWith(`${stateDir}/`))
  for (const path of mounts.reverse()) await run("umount", [path], { allowFailure: true })
}

const imageExists = async (client, tag) =>
  (await docker(client, ["image", "inspect", tag], { allowFailure: true })).code === 0

/**
 * The Node 24 base: Debian's minimal root filesystem (mmdebstrap --variant=minbase, the host's suite), the Node 24
 * binary of the project's `node` devDependency, npm (the one running this test's npm scripts) and the host's CA
 * bundle, so that `npm ci` inside the build trusts what the host trusts. Tagged by the Node version and the CA
 * bundle's size: an existing tag is reused (the first run builds it).
 */
export const ensureBase = async (client, root) => {
  const nodePackage = createRequire(join(root, "package.json")).resolve("node/package.json")
  const nodeBinary = join(dirname(nodePackage), "bin", "node")
  const version = (await run(nodeBinary, ["-v"])).stdout.trim()
  const caBundle = process.env.SSL_CERT_FILE ?? "/etc/ssl/certs/ca-certificates.crt"
  const tag = `ram-delius-image-test-base:node-${version.slice(1)}-ca${readFileSync(caBundle).length}`
  if (await imageExists(client, tag)) return { tag, built: false }
  const work = mkdtempSync(join(tmpdir(), "ram-delius-base-"))
  try {
    const minbase = "ram-delius-image-test-minbase:bookworm"
    if (!(await imageExists(client, minbase))) {
      const rootfs = join(work, "rootfs.tar")
      await run("mmdebstrap", [
        "--variant=minbase",
        "--quiet",
        // Documentation and translations are never read in a container.
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-exclude=/usr/share/man/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        "bookworm",
        rootfs
      ])
      await docker(client, ["import", rootfs, minbase])
    }
    const context = join(work, "context")
    mkdirSync(context)
    copyFileSync(nodeBinary, join(context, "node"))
    copyFileSync(caBundle, join(context, "ca-certificates.crt"))
    const npmDir = join(dirname((await run("npm", ["root", "-g"])).stdout.trim()), "node_modules", "npm")
    cpSync(existsSync(npmDir) ? npmDir : "/usr/lib/node_modules/npm", join(context, "npm"), { recursive: true })
    writeFileSync(
      join(context, "Dockerfile"),
      [
        `FROM ${minbase}`,
        "COPY node /usr/local/bin/node",
        "COPY npm /usr/local/lib/node_modules/npm",
        "COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
        "RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm" +
          " && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" +
          " NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
        'CMD ["node"]',
        ""
      ].join("\n")
    )
    await docker(client, ["build", "--network", "host", "-t", tag, context])
    return { tag, built: true }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

export const imageSize = async (client, tag) =>
  Number((await docker(client, ["image", "inspect", "--format", "{{.Size}}", tag])).stdout.trim())
