import { defineConfig } from "vitest/config"

// The image test alone (`npm run test:image`): one file, run in order, with room for a first run that installs Docker,
// builds the base image and the service image.
export default defineConfig({
  test: {
    root: "image-test",
    include: ["image.test.mjs"],
    testTimeout: 120_000,
    hookTimeout: 1_200_000,
    pool: "forks",
    fileParallelism: false
  }
})
