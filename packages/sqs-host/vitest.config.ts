import { defineConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources (the "source" export condition), never to a stale dist/.
// No "module" condition / main field: the AWS SDK's "module" builds (dist-es) are for bundlers and do not load in Node.
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: {
    resolve: {
      conditions: ["source", "node", "development|production"],
      externalConditions: ["source"],
      mainFields: ["main"]
    }
  },
  test: { include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000, pool: "forks" }
})
