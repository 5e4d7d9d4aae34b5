import { describe, expect, it } from "vitest"
import { appendNotes, containsNotes, enforcementNotes, trimMargin } from "../../src/rules/index.js"

describe("appendNotes (§2.5)", () => {
  it.each([
    ["null existing", null, "abc", "\nabc"],
    ["undefined existing", undefined, "abc", "\nabc"],
    ["empty existing", "", "abc", "\nabc"],
    ["existing notes", "first", "second", "first\nsecond"],
    ["existing ending in newline", "first\n", "second", "first\n\nsecond"],
    ["existing is never trimmed", "  |kept\n", "x", "  |kept\n\nx"],
    ["multi-line addition", null, "line1\nline2", "\nline1\nline2"],
    ["empty addition", "a", "", "a\n"],
    ["literal null text (§2.5 reschedule example)", null, "null", "\nnull"],
    ["the template's blank final line is dropped (no trailing newline)", "a", "b", "a\nb"],
    ["the addition's own trailing newline is kept", null, "abc\n", "\nabc\n"],
    ["the addition's own trailing blank line with spaces is kept", null, "abc\n   ", "\nabc\n   "],
    [
      "margin removed on later lines (spaces, tab, none)",
      null,
      "first\n   |second\n\t|third\n|fourth",
      "\nfirst\nsecond\nthird\nfourth"
    ],
    ["margin text after the bar keeps its spaces", null, "a\n  |  b", "\na\n  b"],
    ["first line keeps its own bar (only the template's margin is removed)", null, "|first", "\n|first"],
    ["first line keeps leading whitespace and bar", null, "  |first\n  |second", "\n  |first\nsecond"],
    ["first line leading whitespace kept", null, "   indented", "\n   indented"],
    ["lines without margin keep their indentation", null, "a\n   b", "\na\n   b"],
    ["bar not at line start is untouched", null, "a\nb | c", "\na\nb | c"],
    ["inner blank and whitespace-only lines are kept verbatim", null, "a\n\n   \nb", "\na\n\n   \nb"],
    ["CRLF becomes LF", null, "a\r\nb", "\na\nb"],
    ["CR becomes LF", null, "a\rb", "\na\nb"],
    ["non-breaking space counts as margin whitespace", null, "a\n\u00a0|b", "\na\nb"]
  ])("%s", (_, existing, addition, expected) => {
    expect(appendNotes(existing, addition)).toBe(expected)
  })

  it("a one-line addition gives what trimMargin gives for the template, whatever the line holds", () => {
    const lines = ["", " ", "|", "||x", "  |a", "\t|b", "\u00a0", "\u2028x", "a | b", "null", "é ü ✓", "x\u001c|"]
    for (const line of lines) {
      for (const existing of [null, "", "first", "first\n"]) {
        expect(appendNotes(existing, line)).toBe((existing ?? "") + trimMargin(`\n\n|${line}\n`))
      }
    }
  })

  it("repeated appends accumulate", () => {
    expect(appendNotes(appendNotes(null, "one"), "two")).toBe("\none\ntwo")
  })

  it("enforcement action contact notes (§7.6 step 2)", () => {
    expect(appendNotes(null, enforcementNotes(null, "2024-03-01T10:15:30.123", "Description of ROM"))).toBe(
      "\nnull\n2024-03-01T10:15:30.123\nEnforcement Action: Description of ROM"
    )
    expect(
      appendNotes(null, enforcementNotes("\nSession notes", "2024-03-01T10:15:30", "Refer to Offender Manager"))
    ).toBe("\n\nSession notes\n2024-03-01T10:15:30\nEnforcement Action: Refer to Offender Manager")
  })
})

describe("trimMargin (Kotlin semantics)", () => {
  it.each([
    ["blank first and last lines dropped", "\n   |a\n   |b\n   ", "|", "a\nb"],
    ["non-blank first and last lines kept", "x\n|a\ny", "|", "x\na\ny"],
    ["inner blank line kept", "|a\n\n|b", "|", "a\n\nb"],
    ["line without margin unchanged", "  a\n  |b", "|", "  a\nb"],
    ["only the first margin is removed", "||a", "|", "|a"],
    ["empty string", "", "|", ""],
    ["single blank line", "   ", "|", ""],
    ["custom margin", "\n  #a\n  #b\n", "#", "a\nb"]
  ])("%s", (_, text, margin, expected) => {
    expect(trimMargin(text, margin)).toBe(expected)
  })
})

describe("containsNotes (§7.1 step 7, §7.5 step 2)", () => {
  it.each([
    [null, "abc", false],
    [undefined, "abc", false],
    ["", "abc", false],
    ["xx abc yy", "abc", true],
    ["\nabc", "abc", true],
    ["ABC", "abc", false],
    ["anything", "", true],
    ["", "", true]
  ])("%j contains %j → %s", (existing, text, expected) => {
    expect(containsNotes(existing, text)).toBe(expected)
  })
})
