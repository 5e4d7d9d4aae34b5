import { defaultServerConditions } from "vite"
import { defineConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources (the "source" export condition), never to a stale dist/.
// Without the bundlers' "module" condition, as Node resolves: OpenTelemetry's packages offer it ESM builds whose
// imports have no file extensions, which Node's loader refuses. (The hosts' binary is bundled, so this is the tests'.)
const conditions = ["source", ...defaultServerConditions.filter((condition) => condition !== "module")]

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions, externalConditions: ["source"] } },
  test: { include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000, pool: "forks" }
})
