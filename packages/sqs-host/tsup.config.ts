import { defineConfig } from "tsup"

export default defineConfig({
  // `config` alone (Effect only): an HTTP-only `serve` reads the queue settings without loading the AWS SDK.
  entry: ["src/index.ts", "src/dev.ts", "src/main.ts", "src/config.ts"],
  format: ["esm"],
  dts: { entry: ["src/index.ts", "src/dev.ts", "src/config.ts"] },
  sourcemap: true,
  clean: true,
  target: "node24",
  // Keep `node:` specifiers: node:sqlite exists only under its prefix (tsup strips it by default).
  removeNodeProtocol: false,
  // A devDependency (tsup would bundle it): the dev stack imports it from node_modules, only when wanted.
  external: ["fauxqs"]
})
