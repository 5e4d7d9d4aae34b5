import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { ROOT } from "./chartValues.js"

/**
 * turbo runs the test tasks in strict env mode: a variable not in turbo.json's pass-through lists never reaches them.
 * So every variable .ci/run exports for the tests (REQUIRE_SLAPD makes the LDAP tests unskippable) must be listed, and
 * so must the CA, proxy and npm settings a machine behind a TLS-intercepting proxy needs for the pack test's install.
 * The first checks read the two files (they hold anywhere); under .ci/run (its marker set) the last one checks that
 * each exported variable did arrive, with the value .ci/run gave it.
 */
const ciRun = readFileSync(join(ROOT, ".ci", "run"), "utf8")
const exported = [...ciRun.matchAll(/^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*$/gm)].map(([, name, value]) => ({
  name: name!,
  value: value!.replace(/^(["'])(.*)\1$/, "$2")
}))
const turbo = JSON.parse(readFileSync(join(ROOT, "turbo.json"), "utf8")) as {
  readonly globalPassThroughEnv?: ReadonlyArray<string>
  readonly tasks: { readonly test: { readonly passThroughEnv?: ReadonlyArray<string> } }
}
const patterns = [...(turbo.globalPassThroughEnv ?? []), ...(turbo.tasks.test.passThroughEnv ?? [])]
const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`)
/** turbo's matching: a name passes when a pattern matches it and no `!pattern` does. */
const passedThrough = (name: string) =>
  patterns.some((pattern) => !pattern.startsWith("!") && glob(pattern).test(name)) &&
  !patterns.some((pattern) => pattern.startsWith("!") && glob(pattern.slice(1)).test(name))

describe("variables reaching the test tasks through turbo", () => {
  it(".ci/run exports REQUIRE_SLAPD and the marker the last check looks for", () => {
    expect(exported).toEqual(
      expect.arrayContaining([
        { name: "REQUIRE_SLAPD", value: "1" },
        { name: "RAM_DELIUS_CI_RUN", value: "1" }
      ])
    )
  })

  it("passes through every variable .ci/run exports", () => {
    expect(exported.map(({ name }) => name).filter((name) => !passedThrough(name))).toEqual([])
  })

  it("passes through the CA, proxy and npm configuration variables", () => {
    const needed = ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"]
      .concat(["http_proxy", "https_proxy", "no_proxy", "npm_config_cafile", "npm_config_registry"])
      .concat(["npm_config_https_proxy", "npm_config_strict_ssl", "NPM_CONFIG_REGISTRY"])
    expect(needed.filter((name) => !passedThrough(name))).toEqual([])
    // npm sets it to the workspace root for its scripts; the pack test's install must not inherit it.
    expect(passedThrough("npm_config_local_prefix")).toBe(false)
  })

  it.runIf(process.env.RAM_DELIUS_CI_RUN !== undefined)(
    "under .ci/run, each exported variable reaches this test process with its value",
    () => {
      expect(exported.filter(({ name, value }) => process.env[name] !== value)).toEqual([])
    }
  )
})
