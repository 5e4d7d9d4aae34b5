/**
 * `@ram-delius/core/testing`: the test kit every package's tests and benchmarks share (DESIGN.md, Style: real parts,
 * not mocks) — seeded temporary databases per dialect, a test core layer, and `describeOnDialects`. Not part of core's
 * runtime entry: it is a separate build entry, and imports neither vitest nor (until a PostgreSQL database is asked
 * for) `pg`.
 */
export * from "./databases.js"
export * from "./clones.js"
export * from "./layer.js"
export * from "./describe.js"
