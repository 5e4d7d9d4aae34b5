import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/index.ts", "src/main.ts"],
  format: ["esm"],
  // Declarations for the library entry only: main.ts is a program, not an API.
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "node24",
  // Keep `node:` specifiers: node:sqlite exists only under its prefix (tsup strips it by default).
  removeNodeProtocol: false
})
