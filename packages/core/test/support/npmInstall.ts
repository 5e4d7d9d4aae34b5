import { execFile } from "node:child_process"
import { promisify } from "node:util"

const npm = process.platform === "win32" ? "npm.cmd" : "npm"
const exec = promisify(execFile)
const firstLines = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(0, 3)
    .join(" / ")

/**
 * `npm install` in `cwd`, failing fast: a registry that cannot be reached (down, refused, or a TLS-intercepting
 * proxy whose CA Node is not given: `SELF_SIGNED_CERT_IN_CHAIN`) fails after one short retry instead of npm's
 * default retries over minutes, and the error says what to check. What npm's cache already holds installs offline.
 */
export const npmInstall = async (cwd: string, extraArgs: ReadonlyArray<string> = []) => {
  const args = ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
  const fast = ["--fetch-retries=1", "--fetch-retry-mintimeout=1000", "--fetch-retry-maxtimeout=2000"]
  try {
    await exec(npm, [...args, ...fast, "--fetch-timeout=30000", ...extraArgs], { cwd, encoding: "utf8" })
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error)
    const ping = await exec(npm, ["ping", "--fetch-retries=0", "--fetch-timeout=15000", ...extraArgs], {
      cwd,
      encoding: "utf8"
    }).then(
      () => undefined,
      (failure: { stderr?: string }) => failure.stderr ?? String(failure)
    )
    const registry = (
      await exec(npm, ["config", "get", "registry", ...extraArgs], { cwd, encoding: "utf8" })
    ).stdout.trim()
    throw new Error(
      ping === undefined
        ? `npm install failed: ${firstLines(stderr)}`
        : `the npm registry ${registry} cannot be reached (${firstLines(ping)}). Behind a TLS-intercepting proxy, ` +
            "give Node its CA with NODE_EXTRA_CA_CERTS (and npm with npm_config_cafile), and the proxy with " +
            "HTTPS_PROXY; turbo passes them to the tests (turbo.json)",
      { cause: error }
    )
  }
}
