import { defineConfig } from "tsup"

export default defineConfig({
  // `routes` alone: the operation table, for a client or tool that should not load Koa.
  entry: ["src/index.ts", "src/main.ts", "src/routes.ts"],
  format: ["esm"],
  // Declarations for the library entries only: main.ts is a program, not an API.
  dts: { entry: ["src/index.ts", "src/routes.ts"] },
  sourcemap: true,
  clean: true,
  target: "node24",
  // Keep `node:` specifiers: node:sqlite exists only under its prefix (tsup strips it by default).
  removeNodeProtocol: false
})
