import { defineConfig } from "tsup"

export default defineConfig({
  // `log` on its own: the CLI writes its log lines before (and without) loading the rest of core.
  // `testing`: the test kit (`@ram-delius/core/testing`), kept out of the runtime entry.
  entry: { index: "src/index.ts", log: "src/telemetry/Log.ts", testing: "src/testing/index.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node24",
  // Keep `node:` specifiers: node:sqlite exists only under its prefix (tsup strips it by default).
  removeNodeProtocol: false
})
