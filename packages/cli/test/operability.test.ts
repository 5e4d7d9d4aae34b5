import { DatabaseSync } from "node:sqlite"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "./support/ports.js"

/**
 * The CLI a support engineer trusts: the built binary, run as they would run it (real SQLite files,
 * nothing listening where the local queue should be).
 */
const BIN = fileURLToPath(new URL("../bin/ram-delius.mjs", import.meta.url))
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url))
const REFERRAL = "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080" // dev dataset: T140223's WITHDRAWN NSI

let dir: string
let env: Record<string, string>
const run = (args: ReadonlyArray<string>, extra: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, ...extra }, cwd: dir })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** An error a support engineer reads: one line, no stack, no Effect internals. */
const expectOneSentence = (stderr: string) => {
  const lines = stderr.trim().split("\n")
  expect(lines).toHaveLength(1)
  expect(stderr).not.toMatch(/\n\s+at |fiber=#|_tag|FiberFailure/)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ram-cli-ops-"))
  env = {
    DATABASE_URL: `sqlite:${join(dir, "delius.sqlite")}`,
    DEV_JWK_FILE: join(dir, "dev-key.json"),
    HMPPS_AUTH_URL: "",
    NODE_ENV: "test"
  }
  expect((await run(["db", "migrate"])).code).toBe(0)
  expect((await run(["db", "seed"])).code).toBe(0)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("streams and exit codes", () => {
  it("an unknown command is one sentence on stderr, nothing on stdout, exit 4", async () => {
    for (const args of [["bogus"], ["bogus", "--json"]]) {
      const result = await run(args)
      expect(result.code).toBe(4)
      expect(result.stdout).toBe("")
      expect(result.stderr).toContain("Invalid subcommand for ram-delius")
      expectOneSentence(result.stderr)
    }
  })

  it("an unknown flag and a missing argument are bad input (exit 4), reported on stderr", async () => {
    const flag = await run(["referral", "show", "T140223", REFERRAL, "--bogus"])
    expect(flag.code).toBe(4)
    expect(flag.stdout).toBe("")
    expect(flag.stderr).toContain("--bogus")
    const missing = await run(["referral", "show", "--json", "T140223"])
    expect(missing.code).toBe(4)
    expect(missing.stdout).toBe("")
    expect(missing.stderr).not.toBe("")
  })

  it("a missing or malformed file is bad input (exit 4)", async () => {
    const missing = await run(["event", "process", join(dir, "no-such-file.json")])
    expect(missing.code).toBe(4)
    expect(missing.stdout).toBe("")
    expect(missing.stderr).toContain("no-such-file.json")
    const malformed = join(dir, "malformed.json")
    writeFileSync(malformed, "{ not json")
    const bad = await run(["event", "process", "--json", malformed])
    expect(bad.code).toBe(4)
    expect(bad.stdout).toBe("")
    expect(bad.stderr).toContain("is not a JSON message body")
    expectOneSentence(bad.stderr)
  })

  it("a bad DATABASE_URL is one sentence naming DATABASE_URL on stderr, stdout empty even with --json, exit 1", async () => {
    const result = await run(["referral", "show", "--json", "T140223", REFERRAL], {
      DATABASE_URL: "mysql://db.example/delius"
    })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain("DATABASE_URL")
    expect(result.stderr).toContain('unsupported database "mysql"')
    expectOneSentence(result.stderr)
  })
})

describe("help", () => {
  it("has no ANSI codes on a pipe; shows the full command path; every argument says what it is", async () => {
    const top = await run(["--help"])
    expect(top.code).toBe(0)
    expect(top.stdout).not.toContain("\x1b[")
    for (const path of [
      ["referral", "show"],
      ["appointment", "show"],
      ["event", "process"],
      ["db", "seed"],
      ["db", "ddl"],
      ["events", "send"]
    ]) {
      const help = await run([...path, "--help"])
      expect(help.code).toBe(0)
      expect(help.stdout).not.toContain("\x1b[")
      expect(help.stdout).toContain(`$ ram-delius ${path.join(" ")} `)
      expect(help.stdout).not.toMatch(/^\$ (show|process|seed|ddl|send)\b/m)
      expect(help.stdout).not.toContain("A user-defined piece of text")
      // Under ARGUMENTS, each <arg> is followed by its own description.
      const args = help.stdout.split("ARGUMENTS")[1]?.split("OPTIONS")[0] ?? ""
      for (const match of args.matchAll(/^<([a-zA-Z]+)>\n\n(.*)$/gm)) expect(match[2]!.trim(), match[1]).not.toBe("")
    }
    const show = await run(["referral", "show", "--help"])
    expect(show.stdout).toContain("The person's Delius CRN")
    expect(show.stdout).toContain("The R&M referral id (a UUID)")
  })

  it("on a terminal: ANSI codes unless NO_COLOR is set", () => {
    const onTty = (extra: Record<string, string>) =>
      spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --help`, "/dev/null"], {
        env: { ...process.env, ...env, ...extra },
        encoding: "utf8"
      }).stdout
    expect(onTty({})).toContain("\x1b[")
    const plain = onTty({ NO_COLOR: "1" })
    expect(plain).toContain("USAGE")
    expect(plain).not.toContain("\x1b[")
  })
})

describe("fast start", () => {
  it("the binary loads none of the libraries it never calls, and runs the same from V8's code cache", async () => {
    // tsup.config.ts resolves these to an empty module in the binary; an import of one would cost ~50–200 ms a start.
    const dist = fileURLToPath(new URL("../dist/", import.meta.url))
    for (const file of readdirSync(dist).filter((name) => name.endsWith(".js"))) {
      expect(readFileSync(join(dist, file), "utf8"), file).not.toMatch(/from "(fast-check|yaml|toml|ini)"/)
    }
    const cache = join(dir, "compile-cache")
    const first = await run(["referral", "show", "T140223", REFERRAL, "--json"], { NODE_COMPILE_CACHE: cache })
    expect(first.code).toBe(0)
    expect(readdirSync(cache).length).toBeGreaterThan(0)
    const second = await run(["referral", "show", "T140223", REFERRAL, "--json"], { NODE_COMPILE_CACHE: cache })
    expect(second).toEqual(first)
    expect(JSON.parse(second.stdout)).toMatchObject({ urn: `urn:hmpps:interventions-referral:${REFERRAL}` })
  })

  it("an HTTP-only `serve` on SQLite loads no queue, SQS, PostgreSQL or LDAP module until it needs one", async () => {
    // Every module file the process loads, written by a module hook (Node 24's registerHooks) preloaded with --import.
    const loaded = join(dir, "modules.txt")
    const hook = join(dir, "module-log.mjs")
    writeFileSync(
      hook,
      `import { registerHooks } from "node:module"\nimport { appendFileSync } from "node:fs"\n` +
        `registerHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(loaded)}, url + "\\n"); return next(url, context) } })\n`
    )
    const port = await freePort()
    const child = spawn(process.execPath, ["--import", hook, BIN, "serve", "--http"], {
      env: { ...process.env, ...env, PORT: String(port) },
      cwd: dir
    })
    try {
      const deadline = Date.now() + 60_000
      let status = 0
      while (status !== 200 && Date.now() < deadline) {
        status = await fetch(`http://127.0.0.1:${port}/health`).then(
          (response) => response.status,
          () => 0
        )
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(status).toBe(200)
    } finally {
      child.kill("SIGTERM")
      await new Promise((resolve) => child.once("exit", resolve))
    }
    const modules = readFileSync(loaded, "utf8").split("\n")
    expect(modules.some((url) => url.includes("/koa/"))).toBe(true)
    expect(modules.filter((url) => /node_modules\/(@aws-sdk|@smithy|fauxqs|pg|ldapts)\//.test(url))).toEqual([])
  })
})

describe("a closed pipe", () => {
  it("`… | head -2` ends quietly: exit 0 and nothing on stderr, never an EPIPE stack", async () => {
    // The reader exits after one line while the CLI still writes the rest (a pipe holds 64 KiB, so repeat the command's
    // output until the writes outlast the reader): each run must end 0 with an empty stderr.
    for (let i = 0; i < 5; i++) {
      const result = spawnSync(
        "sh",
        [
          "-c",
          `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} referral show T140223 ${REFERRAL} | head -2`
        ],
        { env: { ...process.env, ...env }, cwd: dir, encoding: "utf8" }
      )
      expect(result.status).toBe(0)
      expect(result.stdout).toContain("NSI for T140223") // the first lines arrived; the rest went nowhere, quietly
      expect(result.stderr).toBe("")
    }
  })
})

describe("tables", () => {
  it("referral show fits 120 columns, keeps ids whole, and shows each contact's time on its own date", async () => {
    const result = await run(["referral", "show", "T140223", REFERRAL])
    expect(result.code).toBe(0)
    for (const line of result.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(120)
    expect(result.stdout).toContain(`urn:hmpps:interventions-referral:${REFERRAL}`)
    expect(result.stdout).toContain("48911ad2-1213-4bd3-8312-3824dc29f131")
    expect(result.stdout).toContain("c8801fa4-4487-4b38-9169-efabd4be98c9")
    const db = new DatabaseSync(join(dir, "delius.sqlite"), { readOnly: true })
    const contacts = db
      .prepare("SELECT CONTACT_ID, CONTACT_DATE, CONTACT_START_TIME, CONTACT_END_TIME FROM CONTACT ORDER BY CONTACT_ID")
      .all() as Array<{
      CONTACT_ID: number
      CONTACT_DATE: string
      CONTACT_START_TIME: string
      CONTACT_END_TIME: string
    }>
    db.close()
    const table = result.stdout.split("\nContacts\n")[1]!.split("\n")
    const header = table[0]!.split(/\s{2,}/)
    expect(header.slice(0, 5)).toEqual(["contact", "type", "date", "start", "end"])
    for (const contact of contacts) {
      const row = table.find((line) => line.startsWith(`${contact.CONTACT_ID} `))!.split(/\s{2,}/)
      expect(row[2]).toBe(contact.CONTACT_DATE)
      expect(row[3]).toBe(contact.CONTACT_START_TIME.slice(11, 16))
      expect(row[4]).toBe(contact.CONTACT_END_TIME.slice(11, 16))
    }
  })
})

describe("no side effects from reads", () => {
  it("referral show, appointment show and event process on a missing database create nothing and say how to fix it", async () => {
    const missing = join(dir, "nonexistent")
    const url = `sqlite:${join(missing, "x.sqlite")}`
    for (const args of [
      ["referral", "show", "T140223", REFERRAL],
      ["appointment", "show", "--json", "T140223", "2"],
      ["event", "process", join(FIXTURES, "events/action-plan-submitted.json")],
      ["db", "seed"]
    ]) {
      const result = await run(args, { DATABASE_URL: url })
      expect(result.code, args.join(" ")).toBe(1)
      expect(result.stdout).toBe("")
      expect(result.stderr).toContain("DATABASE_URL")
      expect(result.stderr).toContain("ram-delius db migrate")
      expectOneSentence(result.stderr)
      expect(existsSync(missing)).toBe(false)
    }
  })

  it("an unmigrated database is a clear error and gets no tables", async () => {
    const empty = join(dir, "empty.sqlite")
    new DatabaseSync(empty).close()
    // SQLite's own companions of an open database (-wal, -shm) aside: the driver's concern, not a file the CLI makes.
    const files = () =>
      readdirSync(dir)
        .filter((f) => !/-(wal|shm)$/.test(f))
        .sort()
    const before = files()
    const result = await run(["referral", "show", "T140223", REFERRAL], { DATABASE_URL: `sqlite:${empty}` })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain("DATABASE_URL")
    expect(result.stderr).toContain("ram-delius db migrate")
    expectOneSentence(result.stderr)
    const db = new DatabaseSync(empty, { readOnly: true })
    expect((db.prepare("SELECT COUNT(*) AS n FROM sqlite_master").get() as { n: number }).n).toBe(0)
    db.close()
    expect(files()).toEqual(before)
  })
})

describe("set-up", () => {
  it("db seed twice: the second run does nothing and says so", async () => {
    const file = join(dir, "seed-twice.sqlite")
    const extra = { DATABASE_URL: `sqlite:${file}` }
    expect((await run(["db", "migrate"], extra)).code).toBe(0)
    expect((await run(["db", "seed"], extra)).code).toBe(0)
    const count = () => {
      const db = new DatabaseSync(file, { readOnly: true })
      const n = (db.prepare("SELECT COUNT(*) AS n FROM CONTACT").get() as { n: number }).n
      db.close()
      return n
    }
    expect(count()).toBe(4)
    const again = await run(["db", "seed"], extra)
    expect(again.code).toBe(0)
    expect(again.stderr).toBe("")
    expect(again.stdout).toContain("already holds the dev dataset")
    const json = await run(["db", "seed", "--json"], extra)
    expect(JSON.parse(json.stdout)).toEqual({ seeded: null, alreadySeeded: "dev" })
    expect(count()).toBe(4)
  })
})

describe("the local queue not running", () => {
  it("events send and dlq list say so and how to start it", async () => {
    const port = await freePort() // nothing listens there
    for (const args of [
      ["events", "send", join(FIXTURES, "events/action-plan-approved.json")],
      ["dlq", "list", "--json"]
    ]) {
      const result = await run(args, { DEV_SQS_PORT: String(port) })
      expect(result.code, args.join(" ")).toBe(1)
      expect(result.stdout).toBe("")
      expect(result.stderr).toContain("The local queue is not running")
      expect(result.stderr).toContain("npm start")
      expect(result.stderr).toContain(String(port))
      expectOneSentence(result.stderr)
    }
  })
})

describe("dry-run honesty", () => {
  it("reports Delius changes and the audit row apart; a replay says plainly: no Delius changes", async () => {
    const file = join(dir, "dry-run.sqlite")
    const extra = { DATABASE_URL: `sqlite:${file}` }
    expect((await run(["db", "migrate"], extra)).code).toBe(0)
    expect((await run(["db", "seed"], extra)).code).toBe(0)
    const event = join(FIXTURES, "events/action-plan-submitted.json")
    const first = await run(["event", "process", "--dry-run", event], extra)
    expect(first.code).toBe(0)
    expect(first.stdout).toContain("Delius changes (1):")
    expect(first.stdout).toContain("inserted CONTACT")
    expect(first.stdout).toMatch(
      /Audit: (no AUDITED_INTERACTION row|\d+ AUDITED_INTERACTION row\(s\) would be recorded)/
    )
    expect(first.stdout).not.toContain("inserted AUDITED_INTERACTION")
    const firstJson = JSON.parse((await run(["event", "process", "--dry-run", "--json", event], extra)).stdout)
    expect(firstJson.changes.map((c: { table: string }) => c.table)).toEqual(["CONTACT"])
    expect(firstJson.audit.every((c: { table: string }) => c.table === "AUDITED_INTERACTION")).toBe(true)

    expect((await run(["event", "process", event], extra)).code).toBe(0)
    const replay = await run(["event", "process", "--dry-run", event], extra)
    expect(replay.code).toBe(0)
    expect(replay.stdout).toContain("No Delius changes.")
    expect(replay.stdout).not.toContain("Delius changes (")
    expect(replay.stdout).not.toContain("inserted AUDITED_INTERACTION")
    const json = JSON.parse((await run(["event", "process", "--dry-run", "--json", event], extra)).stdout)
    expect(json.changes).toEqual([])
    expect(Array.isArray(json.audit)).toBe(true)
  })
})
