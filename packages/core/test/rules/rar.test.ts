import { describe, expect, it } from "vitest"
import { rarCount, type RarContact } from "../../src/rules/index.js"

const rar = (contactDate: string, over: Partial<RarContact> = {}): RarContact => ({
  contactDate,
  rarActivity: "Y",
  softDeleted: 0,
  attended: "Y",
  complied: "Y",
  ...over
})

describe("rarCount (§7.7)", () => {
  it.each([
    ["empty", [], 0],
    ["one attended & complied", [rar("2024-01-01")], 1],
    ["duplicates on the same date count once", [rar("2024-01-01"), rar("2024-01-01"), rar("2024-01-01")], 1],
    ["distinct dates", [rar("2024-01-01"), rar("2024-01-02"), rar("2024-01-03")], 3],
    [
      "future appointment without outcome (attended/complied null) counts",
      [rar("2024-01-01", { attended: null, complied: null })],
      1
    ],
    ["attended null, complied Y counts", [rar("2024-01-01", { attended: null })], 1],
    ["attended Y, complied null counts", [rar("2024-01-01", { complied: null })], 1],
    ["RAR N excluded", [rar("2024-01-01", { rarActivity: "N" })], 0],
    ["RAR null excluded", [rar("2024-01-01", { rarActivity: null })], 0],
    ["RAR lower-case y excluded", [rar("2024-01-01", { rarActivity: "y" })], 0],
    ["soft deleted excluded", [rar("2024-01-01", { softDeleted: 1 })], 0],
    ["not attended excluded", [rar("2024-01-01", { attended: "N", complied: "Y" })], 0],
    ["not complied excluded", [rar("2024-01-01", { complied: "N" })], 0],
    [
      "mixed: excluded rows do not hide an included row on the same date",
      [
        rar("2024-01-01", { attended: "N" }),
        rar("2024-01-01"),
        rar("2024-01-02", { softDeleted: 1 }),
        rar("2024-01-03", { complied: "N" }),
        rar("2024-01-04", { rarActivity: "N" }),
        rar("2024-01-05", { attended: null, complied: null }),
        rar("2024-01-05 00:00:00")
      ],
      2
    ]
  ])("%s → %i", (_, contacts, expected) => {
    expect(rarCount(contacts)).toBe(expected)
  })
})
