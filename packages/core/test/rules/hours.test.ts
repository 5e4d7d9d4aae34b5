import { describe, expect, it } from "vitest"
import { hoursCredited } from "../../src/rules/index.js"

const START = Date.UTC(2024, 2, 1, 10, 0, 0)
const MIN = 60_000

describe("hoursCredited (§7.4 step 1)", () => {
  it.each([
    [1, 0.02],
    [2, 0.03],
    [3, 0.05],
    [4, 0.07],
    [5, 0.08],
    [7, 0.12],
    [8, 0.13],
    [9, 0.15],
    [10, 0.17],
    [11, 0.18],
    [20, 0.33],
    [30, 0.5],
    [40, 0.67],
    [45, 0.75],
    [50, 0.83],
    [59, 0.98],
    [60, 1],
    [61, 1.02],
    [90, 1.5],
    [100, 1.67],
    [1439, 23.98],
    [6000, 100]
  ])("ATTC %i minutes → %d", (minutes, hours) => {
    expect(hoursCredited("ATTC", START, START + minutes * MIN)).toBe(hours)
  })

  it.each([
    ["45 min 59.999 s truncates to 45 min", 45 * MIN + 59_999, 0.75],
    ["1 min 30 s truncates to 1 min", MIN + 30_000, 0.02],
    ["59 s is positive but 0 whole minutes → 0, not null", 59_000, 0],
    ["1 ms is positive but 0 whole minutes → 0", 1, 0]
  ])("%s", (_, durationMillis, hours) => {
    expect(hoursCredited("ATTC", START, START + durationMillis)).toBe(hours)
  })

  it.each([
    ["end null", "ATTC", null],
    ["zero duration", "ATTC", START],
    ["negative duration", "ATTC", START - 30 * MIN],
    ["AFTC", "AFTC", START + 45 * MIN],
    ["AFTA", "AFTA", START + 45 * MIN],
    ["APPK", "APPK", START + 45 * MIN],
    ["ATSS", "ATSS", START + 45 * MIN],
    ["RSSR", "RSSR", START + 45 * MIN],
    ["RSOF", "RSOF", START + 45 * MIN],
    ["APPW", "APPW", START + 45 * MIN],
    ["lower-case attc", "attc", START + 45 * MIN],
    ["empty code", "", START + 45 * MIN]
  ] as const)("%s → null", (_, code, end) => {
    expect(hoursCredited(code, START, end)).toBeNull()
  })
})
