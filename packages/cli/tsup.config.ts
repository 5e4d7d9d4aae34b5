import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/index.ts", "src/bin.ts"],
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "node24",
  // Keep `node:` specifiers: node:sqlite exists only under its prefix (tsup strips it by default).
  removeNodeProtocol: false
})
