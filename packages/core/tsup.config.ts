import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node24",
  // Keep `node:` specifiers: node:sqlite exists only under its prefix (tsup strips it by default).
  removeNodeProtocol: false
})
