import { defineConfig } from "tsup"

export default defineConfig({
  // `testing`: factories and WireMock stubs for the consumers' own tests, kept out of the runtime entry.
  entry: { index: "src/index.ts", testing: "src/testing/index.ts" },
  // Both module systems: R&M's UI compiles to CommonJS (TypeScript 4.9, `module: commonjs`); newer services are ESM.
  format: ["cjs", "esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  // No runtime dependency and nothing newer than the Node versions a UI team may still run (global fetch: Node 18).
  target: "node18"
})
