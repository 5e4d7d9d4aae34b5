import { describe, expect, it } from "vitest"
import { dateTimeChanged, isRescheduled } from "../../src/rules/index.js"

const T = Date.UTC(2024, 5, 13, 9, 30, 0) // a whole second

describe("dateTimeChanged (§14)", () => {
  it.each([
    ["(null, t) → changed", null, T, true],
    ["(t, null) → changed", T, null, true],
    ["(null, null) → unchanged", null, null, false],
    ["equal → unchanged", T, T, false],
    ["equal to the second (ms differ) → unchanged", T + 1, T + 999, false],
    ["10 s apart → changed", T, T + 10_000, true],
    ["10 s apart, other order → changed", T + 10_000, T, true],
    ["1 ms apart across a second boundary → changed", T - 1, T, true],
    ["1 s apart → changed", T, T + 1000, true],
    ["epoch 0 vs null → changed", 0, null, true],
    ["before 1970, same second → unchanged", -1500, -1001, false],
    ["before 1970, across a second boundary → changed", -1001, -999, true]
  ])("%s", (_, a, b, expected) => {
    expect(dateTimeChanged(a, b)).toBe(expected)
  })
})

describe("isRescheduled (§7.1 step 8)", () => {
  const END = T + 3_600_000
  it.each([
    ["same start and end", T, END, T, END, false],
    ["same to the second", T, END, T + 500, END + 999, false],
    ["start moved", T, END, T + 60_000, END, true],
    ["end moved", T, END, T, END + 60_000, true],
    ["both moved", T, END, T + 86_400_000, END + 86_400_000, true],
    ["stored end null, new end given", T, null, T, END, true],
    ["stored end null, new end null", T, null, T, null, false]
  ] as const)("%s → %s", (_, storedStart, storedEnd, newStart, newEnd, expected) => {
    expect(isRescheduled({ storedStart, storedEnd, newStart, newEnd })).toBe(expected)
  })
})
