import { defineConfig, type Options } from "tsup"

/**
 * Two builds:
 * - the library entry (index.ts) as before: every dependency external;
 * - the `ram-delius` binary (bin.ts) bundled and tree-shaken (issue #11 §3, fast start): Effect, @effect/* and the
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
    esbuildPlugins: [externalThirdParty],
    // Workspace packages from their TypeScript sources (as the tests resolve them), never from a stale dist/.
    esbuildOptions(options) {
      options.conditions = ["source"]
    }
  }
])
