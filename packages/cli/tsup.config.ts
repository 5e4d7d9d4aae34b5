import { defineConfig, type Options } from "tsup"

/**
 * Two builds:
 * - the library entry (index.ts) as before: every dependency external;
 * - the `ram-delius` binary (bin.ts) bundled and tree-shaken (so it starts fast): Effect, @effect/* and the
 *   workspace packages are bundled — one copy of each, only the parts used — and split so that each command's
 *   implementation (core, the hosts) is a chunk loaded only when that command runs. Everything else stays external
 *   and is loaded from node_modules when first imported: the database drivers (pg, oracledb, tedious),
 *   Koa, jose, the AWS SDK, the SQS emulator; `node:*` builtins (node:sqlite included) are always external.
 */
const bundled = /^(effect|@effect\/|@ram-delius\/)/

const externalThirdParty: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "external-third-party",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      bundled.test(args.path) ? undefined : { path: args.path, external: true }
    )
  }
}

/**
 * Libraries the bundled code imports at the top of a module but the binary never calls: fast-check (effect's Schema
 * imports it for `Arbitrary`, property-test data) and the YAML/TOML/INI parsers (@effect/cli's config-file fallback,
 * which no command uses). Loading them was ~250 ms of every start (fast-check alone ~200 ms, measured by importing
 * each under Node 24). In the binary they resolve to an empty module; any call into one would fail loudly
 * ("… is not a function"), and test/bundle.test.ts pins that the binary still runs every command family.
 */
const unusedInBinary = /^(fast-check|yaml|toml|ini)$/

const emptyUnused: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "empty-unused",
  setup(build) {
    build.onResolve({ filter: unusedInBinary }, (args) => ({ path: args.path, namespace: "empty-unused" }))
    build.onLoad({ filter: /.*/, namespace: "empty-unused" }, () => ({ contents: "export {}", loader: "js" }))
  }
}

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm"],
    dts: { entry: "src/index.ts" },
    sourcemap: true,
    target: "node24",
    // Keep `node:` specifiers: node:sqlite exists only under its prefix (tsup strips it by default).
    removeNodeProtocol: false
  },
  {
    entry: { bin: "src/bin.ts" },
    format: ["esm"],
    platform: "node",
    target: "node24",
    // Keep `node:` specifiers: node:sqlite exists only under its prefix (tsup strips it by default).
    removeNodeProtocol: false,
    bundle: true,
    splitting: true,
    treeshake: false,
    sourcemap: true,
    noExternal: [bundled],
    esbuildPlugins: [emptyUnused, externalThirdParty],
    // Workspace packages from their TypeScript sources (as the tests resolve them), never from a stale dist/.
    esbuildOptions(options) {
      options.conditions = ["source"]
    }
  }
])
