import { execFile } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { DevIds } from "@ram-delius/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { consumer, type ConsumerReport, declarationsConsumer } from "./support/consumer.js"
import { type Host, startHost } from "./support/host.js"

/**
 * The package as a team installs it: `npm pack`, the tarball installed into two temporary projects — R&M's UI set-up
 * (TypeScript 4.9.5, `module: commonjs`, `moduleResolution: node`, `lib: es2019` without DOM, @types/node 24) and an
 * ESM service on TypeScript 5 `nodenext` — where a consumer calling every method compiles and then runs against the
 * real host. TypeScript and @types/node come from the npm registry (or npm's cache); the tarball packs the built
 * dist/, which turbo builds before `npm test`.
 */
const clientDir = join(dirname(fileURLToPath(import.meta.url)), "..")
const npm = process.platform === "win32" ? "npm.cmd" : "npm"
// Asynchronous, so the test worker keeps answering vitest while npm and tsc run.
const run = async (file: string, args: ReadonlyArray<string>, options: { cwd: string; env?: NodeJS.ProcessEnv }) =>
  (await promisify(execFile)(file, args, { ...options, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 })).stdout

const TYPES_NODE = "24.19.4"

interface Project {
  readonly name: string
  readonly packageJson: Record<string, unknown>
  readonly tsconfigs: Readonly<Record<string, unknown>>
}

const cjs: Project = {
  name: "ui-ts49-commonjs",
  packageJson: { devDependencies: { typescript: "4.9.5", "@types/node": TYPES_NODE } },
  tsconfigs: {
    "tsconfig.json": {
      compilerOptions: {
        target: "es2019",
        module: "commonjs",
        moduleResolution: "node",
        lib: ["es2019"],
        types: ["node"],
        strict: true,
        esModuleInterop: true,
        // As in R&M's UI: @types/node 24 itself does not type-check under TypeScript 4.9 (it needs the `Disposable`
        // declarations of TypeScript 5.2+), so library declarations are skipped there...
        skipLibCheck: true,
        outDir: "dist"
      },
      include: ["src"]
    },
    // ...and this package's declarations are checked on their own: TypeScript 4.9, no DOM, no @types/node.
    "tsconfig.declarations.json": {
      compilerOptions: {
        target: "es2019",
        module: "commonjs",
        moduleResolution: "node",
        lib: ["es2019"],
        types: [],
        strict: true,
        skipLibCheck: false,
        noEmit: true
      },
      include: ["declarations"]
    }
  }
}

const esm: Project = {
  name: "service-ts5-nodenext",
  packageJson: { type: "module", devDependencies: { typescript: "5.9.3", "@types/node": TYPES_NODE } },
  tsconfigs: {
    "tsconfig.json": {
      compilerOptions: {
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        lib: ["es2022"],
        types: ["node"],
        strict: true,
        exactOptionalPropertyTypes: true,
        outDir: "dist"
      },
      include: ["src"]
    },
    // A bundled app (esbuild, Vite…) type-checks with `moduleResolution: bundler`; compiled only.
    "tsconfig.bundler.json": {
      compilerOptions: {
        target: "es2022",
        module: "esnext",
        moduleResolution: "bundler",
        lib: ["es2022"],
        types: ["node"],
        strict: true,
        noEmit: true
      },
      include: ["src"]
    },
    // TypeScript 5 on `node16`, the other resolution the issue names; compiled only.
    "tsconfig.node16.json": {
      compilerOptions: {
        target: "es2022",
        module: "node16",
        moduleResolution: "node16",
        lib: ["es2022"],
        types: ["node"],
        strict: true,
        noEmit: true
      },
      include: ["src"]
    }
  }
}

let dir: string
let tarball: string
let host: Host

const install = async (project: Project) => {
  const root = join(dir, project.name)
  mkdirSync(join(root, "src"), { recursive: true })
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify({
      name: project.name,
      private: true,
      ...project.packageJson,
      dependencies: { "@ram-delius/client": `file:../${tarball}` }
    })
  )
  for (const [file, config] of Object.entries(project.tsconfigs))
    writeFileSync(join(root, file), JSON.stringify(config))
  writeFileSync(join(root, "src", "index.ts"), consumer)
  mkdirSync(join(root, "declarations"))
  writeFileSync(join(root, "declarations", "uses.ts"), declarationsConsumer)
  try {
    await run(
      npm,
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--loglevel=error",
        "--fetch-retries=0",
        "--fetch-timeout=20000"
      ],
      { cwd: root }
    )
  } catch (error) {
    throw new Error(
      `The pack test installs TypeScript and @types/node from the npm registry (or npm's cache), and that failed: ` +
        `is the registry reachable? ${String((error as { stderr?: string }).stderr ?? error).slice(-600)}`,
      { cause: error }
    )
  }
  return root
}

const roots: Record<string, string> = {}
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ram-delius-client-pack-"))
  await run(npm, ["pack", "--silent", "--pack-destination", dir], { cwd: clientDir })
  tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"))!
  for (const project of [cjs, esm]) roots[project.name] = await install(project)
  host = await startHost()
}, 600_000)
afterAll(async () => {
  await host?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** tsc writes its diagnostics to stdout: a failure's message carries them. */
const tsc = (root: string, config = "tsconfig.json") =>
  run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", config], { cwd: root }).catch(
    (error: { stdout?: string }) => {
      throw new Error(`tsc -p ${config} failed:\n${error.stdout ?? String(error)}`, { cause: error })
    }
  )

/** `days`: how far ahead the consumer books its appointment (each project its own day: no clash between them). */
const runConsumer = async (root: string, days: number): Promise<ConsumerReport> =>
  JSON.parse(
    await run(process.execPath, [join("dist", "index.js")], {
      cwd: root,
      env: { ...process.env, RAM_DELIUS_URL: host.url, RAM_DELIUS_TOKEN: host.token, APPOINTMENT_DAYS: String(days) }
    })
  ) as ConsumerReport

const expectedReport = (referralId: string): Partial<ConsumerReport> => ({
  putReferral: null,
  responsibleOfficer: "N01RMT1",
  identifiers: { crn: "T140223", nomsId: "A1234YZ" },
  caseDetails: "Full Person",
  convictions: [DevIds.event.fullDetail],
  conviction: DevIds.event.fullDetail,
  officeLocations: ["CRSEXTL", "DEFAULT", "TESTONE", "TESTTWO"],
  deliveryUnits: ["PDU01"],
  managedCases: ["C014150", "C025519"],
  userDetails: "john-smith",
  userAccess: [{ crn: "E123456", userExcluded: true }],
  notFound: { status: 404, body: "", isApiError: true, instanceOf: true },
  factory: { crn: "X000001", stub: "/probation-case/X000001/details" },
  referralId
})

describe("@ram-delius/client installed from its npm pack tarball", () => {
  it("has no runtime dependency: the projects' node_modules hold the client and their own dev tools only", () => {
    for (const root of Object.values(roots)) {
      expect(readdirSync(join(root, "node_modules", "@ram-delius"))).toEqual(["client"])
      expect(existsSync(join(root, "node_modules", "effect"))).toBe(false)
    }
  })

  it("TypeScript 4.9.5, CommonJS, moduleResolution node, lib es2019: the declarations check, the consumer compiles and runs every method against the host", async () => {
    const root = roots[cjs.name]!
    await tsc(root)
    await tsc(root, "tsconfig.declarations.json")
    const report = await runConsumer(root, 10)
    expect(report).toMatchObject(expectedReport(report.referralId))
    expect(report.appointmentId).toBeGreaterThan(0)
    const urn = `urn:hmpps:interventions-referral:${report.referralId}`
    expect(host.rows("SELECT NSI_ID FROM NSI WHERE EXTERNAL_REFERENCE = ?", urn)).toHaveLength(1)
  }, 300_000)

  it("TypeScript 5 ESM (nodenext): compiles, also under node16 and bundler resolution, and runs every method", async () => {
    const root = roots[esm.name]!
    await tsc(root)
    await tsc(root, "tsconfig.bundler.json")
    await tsc(root, "tsconfig.node16.json")
    const report = await runConsumer(root, 11)
    expect(report).toMatchObject(expectedReport(report.referralId))
    const urn = `urn:hmpps:interventions-appointment:${report.appointmentUuid}`
    expect(host.rows("SELECT CONTACT_ID FROM CONTACT WHERE EXTERNAL_REFERENCE = ?", urn)).toEqual([
      { CONTACT_ID: report.appointmentId }
    ])
  }, 300_000)
})
