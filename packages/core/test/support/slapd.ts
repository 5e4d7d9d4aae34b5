import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Client } from "ldapts"

/**
 * A real OpenLDAP `slapd` (Debian package `slapd`) for directory tests, so the LDAP layer is exercised against the
 * same protocol, schema matching rules (cn is caseIgnoreMatch) and filter evaluation as the Delius directory (spec
 * §3.4), not against a mock. Each call starts a private server: temp dir, `slapd.conf` with an mdb database for
 * `dc=moj,dc=com`, loopback port, the dev dataset's user (dev-dataset §2.6) plus entries that exercise filter escaping,
 * missing attributes and duplicate matches.
 */
export interface Slapd {
  readonly url: string
  readonly port: number
  readonly bindDn: string
  readonly bindPassword: string
  readonly base: string
  /**
   * SIGSTOP: the server keeps accepting TCP connections (kernel backlog) but never answers — a hung directory.
   * Resolves once the kernel reports the process stopped (the signal is asynchronous).
   */
  readonly pause: () => Promise<void>
  /** SIGCONT after `pause()`. */
  readonly resume: () => void
  /** Kills slapd, waits for it to exit and removes its files. Idempotent. */
  readonly stop: () => Promise<void>
}

export interface SlapdOptions {
  /** Listen on this port (e.g. to restart a server where a client expects it); default a free ephemeral port. */
  readonly port?: number
  /** Admin password; default a random one. Pass the old one when restarting so existing client config still binds. */
  readonly bindPassword?: string
}

const SLAPD_BASE = "dc=moj,dc=com"

/** A user whose cn holds every character RFC 4515 requires escaping in a filter value except NUL and `\`. */
export const SPECIAL_USERNAME = "o'brien*(test)"

/** Base entries loaded into every server. */
interface SlapdEntry {
  readonly dn: string
  readonly attributes: Record<string, string | string[]>
}

const slapdEntries = (base: string): ReadonlyArray<SlapdEntry> => [
  { dn: base, attributes: { objectClass: ["top", "dcObject", "organization"], dc: "moj", o: "Ministry of Justice" } },
  { dn: `ou=Users,${base}`, attributes: { objectClass: ["top", "organizationalUnit"], ou: "Users" } },
  // dev-dataset §2.6: the only LDAP entry of the dev dataset.
  {
    dn: `cn=john-smith,ou=Users,${base}`,
    attributes: {
      objectClass: ["top", "inetOrgPerson"],
      cn: "john-smith",
      sn: "Smith",
      givenName: "John",
      mail: "john.smith@moj.gov.uk",
      telephoneNumber: "07321165373"
    }
  },
  {
    dn: `cn=${SPECIAL_USERNAME},ou=Users,${base}`,
    attributes: {
      objectClass: ["top", "inetOrgPerson"],
      cn: SPECIAL_USERNAME,
      sn: "O'Brien",
      givenName: "Pat",
      mail: "pat.obrien@moj.gov.uk"
    }
  },
  // Only the attributes inetOrgPerson requires: the optional ones must come back as null.
  {
    dn: `cn=no-contact,ou=Users,${base}`,
    attributes: { objectClass: ["top", "inetOrgPerson"], cn: "no-contact", sn: "Nocontact" }
  },
  // Two entries carrying the same cn (under different RDNs): "more than one match → first" (UserDirectory).
  {
    dn: `uid=duplicate-1,ou=Users,${base}`,
    attributes: { objectClass: ["top", "inetOrgPerson"], uid: "duplicate-1", cn: "duplicate", sn: "One" }
  },
  {
    dn: `uid=duplicate-2,ou=Users,${base}`,
    attributes: { objectClass: ["top", "inetOrgPerson"], uid: "duplicate-2", cn: "duplicate", sn: "Two" }
  },
  // Outside ou=Users: the one-level search under ou=Users (spec §13 item 3) must not see it.
  {
    dn: `cn=outside-users,${base}`,
    attributes: { objectClass: ["top", "inetOrgPerson"], cn: "outside-users", sn: "Outside" }
  }
]

const SLAPD_CANDIDATES = ["/usr/sbin/slapd", "/usr/local/sbin/slapd", "/usr/local/libexec/slapd"]
const SCHEMA_DIR = "/etc/ldap/schema"
const MODULE_DIRS = ["/usr/lib/ldap", "/usr/lib/openldap", "/usr/local/libexec/openldap"]

/** Whether a slapd binary is available (CI installs it and sets REQUIRE_SLAPD=1 so the tests cannot be skipped). */
export const slapdAvailable = (): boolean => {
  try {
    findSlapd()
    return true
  } catch {
    return false
  }
}

const findSlapd = (): string => {
  const found = SLAPD_CANDIDATES.find((p) => existsSync(p))
  if (found !== undefined) return found
  // Not in a standard place: ask the shell (slapd lives in sbin, which may not be on a test runner's PATH).
  const which = spawnSync("sh", ["-c", "command -v slapd"], { encoding: "utf8" })
  const path = which.status === 0 ? which.stdout.trim() : ""
  if (path !== "") return path
  throw new Error(
    "slapd (OpenLDAP server) is not installed; the directory tests need a real LDAP server. Install the Debian " +
      "package: `DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils`"
  )
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const config = (dir: string, password: string): string => {
  const moduleDir = MODULE_DIRS.find((d) => existsSync(join(d, "back_mdb.so")) || existsSync(join(d, "back_mdb.la")))
  return [
    `include ${SCHEMA_DIR}/core.schema`,
    `include ${SCHEMA_DIR}/cosine.schema`,
    `include ${SCHEMA_DIR}/inetorgperson.schema`,
    `pidfile ${join(dir, "slapd.pid")}`,
    `argsfile ${join(dir, "slapd.args")}`,
    // Debian builds back_mdb as a module; other builds may have it compiled in (no modulepath then).
    ...(moduleDir !== undefined ? [`modulepath ${moduleDir}`, "moduleload back_mdb"] : []),
    "database mdb",
    "maxsize 16777216",
    `suffix "${SLAPD_BASE}"`,
    `rootdn "cn=admin,${SLAPD_BASE}"`,
    // Plain text is fine for a throwaway test server that only listens on loopback.
    `rootpw ${password}`,
    `directory ${join(dir, "data")}`,
    "index objectClass eq",
    "index cn eq",
    ""
  ].join("\n")
}

/** Kills `child` even if this (test worker) process dies without running exit handlers (SIGKILL, crash). */
const watchdog = (pid: number): ChildProcess => {
  // `read` returns when our end of the pipe closes, which the kernel does whenever this process goes away.
  const dog = spawn("sh", ["-c", `read _ignored; kill -9 ${pid} 2>/dev/null`], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true
  })
  dog.unref()
  // Keep the pipe open but do not keep the event loop alive for it.
  ;(dog.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  return dog
}

/** Waits for /proc/<pid>/stat to show state T (stopped); without /proc (not Linux) waits a moment instead. */
const untilStopped = async (pid: number): Promise<void> => {
  const deadline = Date.now() + 5_000
  while (Date.now() < deadline) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined)
    if (stat === undefined) return sleep(200)
    // Format: `pid (comm) state …`; comm may contain spaces or parentheses, so read after the last ')'.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
    if (state === "T" || state === "t") return
    await sleep(5)
  }
  throw new Error(`slapd (pid ${pid}) did not stop within 5 s of SIGSTOP`)
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const child of live) child.kill("SIGKILL")
  })
}

const waitForBind = async (
  url: string,
  bindDn: string,
  password: string,
  child: ChildProcess,
  stderr: () => string
): Promise<void> => {
  const deadline = Date.now() + 15_000
  let lastError: unknown
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`slapd exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${stderr()}`)
    }
    const client = new Client({ url, connectTimeout: 1_000, timeout: 1_000 })
    try {
      await client.bind(bindDn, password)
      return
    } catch (e) {
      lastError = e
    } finally {
      await client.unbind().catch(() => undefined)
    }
    await sleep(50)
  }
  throw new Error(`slapd at ${url} did not accept a bind within 15 s: ${String(lastError)}\n${stderr()}`)
}

const load = async (url: string, bindDn: string, password: string, base: string): Promise<void> => {
  const client = new Client({ url, timeout: 5_000, connectTimeout: 5_000 })
  try {
    await client.bind(bindDn, password)
    for (const entry of slapdEntries(base)) await client.add(entry.dn, entry.attributes)
  } finally {
    await client.unbind().catch(() => undefined)
  }
}

const startOnce = async (port: number, password: string): Promise<Slapd> => {
  const slapd = findSlapd()
  const dir = await mkdtemp(join(tmpdir(), "slapd-"))
  await mkdir(join(dir, "data"))
  const confPath = join(dir, "slapd.conf")
  await writeFile(confPath, config(dir, password), { mode: 0o600 })

  const url = `ldap://127.0.0.1:${port}/`
  const bindDn = `cn=admin,${SLAPD_BASE}`
  // `-d 0` keeps slapd in the foreground (no fork), so `child.pid` is the server and killing it stops it. Running as
  // the current user (root in CI) needs no -u/-g: the temp dir belongs to that user.
  const child = spawn(slapd, ["-h", url, "-f", confPath, "-d", "0"], { stdio: ["ignore", "ignore", "pipe"] })
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-8_000)
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.once("error", (e) => {
    stderr += `\nspawn error: ${e.message}`
  })
  live.add(child)
  installExitHook()
  const dog = child.pid !== undefined ? watchdog(child.pid) : undefined

  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL") // also ends a SIGSTOPped process
      await Promise.race([exited, sleep(5_000)])
    }
    live.delete(child)
    dog?.kill("SIGKILL")
    await rm(dir, { recursive: true, force: true })
  }

  try {
    await waitForBind(url, bindDn, password, child, () => stderr)
    await load(url, bindDn, password, SLAPD_BASE)
  } catch (e) {
    await stop()
    throw e
  }

  return {
    url,
    port,
    bindDn,
    bindPassword: password,
    base: SLAPD_BASE,
    pause: async () => {
      child.kill("SIGSTOP")
      if (child.pid !== undefined) await untilStopped(child.pid)
    },
    resume: () => {
      child.kill("SIGCONT")
    },
    stop
  }
}

/**
 * Starts a fresh slapd loaded with `slapdEntries`. Throws a clear error when the `slapd` binary is missing. A free
 * port is picked by binding port 0 and releasing it, so another process can take it in between: retry a few times.
 */
export const startSlapd = async (options: SlapdOptions = {}): Promise<Slapd> => {
  findSlapd()
  const attempts = options.port !== undefined ? 1 : 3
  let lastError: unknown
  for (let i = 0; i < attempts; i++) {
    try {
      const password = options.bindPassword ?? `pw-${randomBytes(12).toString("hex")}`
      return await startOnce(options.port ?? (await freePort()), password)
    } catch (e) {
      lastError = e
    }
  }
  throw lastError
}
