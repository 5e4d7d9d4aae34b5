import { describe, expect, it } from "vitest"
import { appendNotes, type FoundAppointment, type MergeRequestFacts, planMerge } from "../../src/rules/index.js"

const T = Date.UTC(2024, 5, 13, 9, 30, 0)
const HOUR = 3_600_000
const URN = "urn:hmpps:interventions-appointment:new"
const OLD_URN = "urn:hmpps:interventions-appointment:old"

const request = (overrides: Partial<MergeRequestFacts> = {}): MergeRequestFacts => ({
  urn: URN,
  startMillis: T,
  endMillis: T + HOUR,
  locationId: 7,
  notes: null,
  rescheduleRequestedBy: null,
  ...overrides
})
const found = (overrides: Partial<FoundAppointment> = {}): FoundAppointment => ({
  externalReference: URN,
  officeLocationId: 7,
  notes: null,
  storedStart: T,
  storedEnd: T + HOUR,
  ...overrides
})
const existing = appendNotes(null, "first")

describe("planMerge (§7.1 steps 5–9)", () => {
  it.each<[string, MergeRequestFacts, FoundAppointment | undefined, object]>([
    ["nothing found, no notes → create without notes (Q3)", request(), undefined, { kind: "create", notes: null }],
    [
      "nothing found, notes → create with the notes on the new row",
      request({ notes: "hello" }),
      undefined,
      { kind: "create", notes: appendNotes(null, "hello") }
    ],
    ["identical merge re-sent → update with no changes", request(), found(), { kind: "update", changes: {} }],
    [
      "found by previous URN, same times → re-key only",
      request(),
      found({ externalReference: OLD_URN }),
      { kind: "update", changes: { externalReference: URN } }
    ],
    [
      "location changed → step 6",
      request({ locationId: 8 }),
      found(),
      { kind: "update", changes: { officeLocationId: 8 } }
    ],
    [
      "location removed → step 6 clears it",
      request({ locationId: null }),
      found(),
      { kind: "update", changes: { officeLocationId: null } }
    ],
    [
      "new notes → appended once (step 7)",
      request({ notes: "second" }),
      found({ notes: existing }),
      { kind: "update", changes: { notes: appendNotes(existing, "second") } }
    ],
    [
      "notes already present → not appended again",
      request({ notes: "first" }),
      found({ notes: existing }),
      { kind: "update", changes: {} }
    ],
    [
      "same to the second (ms differ) → not a reschedule",
      request({ startMillis: T + 500, endMillis: T + HOUR + 999 }),
      found(),
      { kind: "update", changes: {} }
    ],
    [
      "start moved, requested by the service provider → reschedule RSSR",
      request({ startMillis: T + HOUR, endMillis: T + 2 * HOUR, rescheduleRequestedBy: "Service Provider" }),
      found(),
      { kind: "reschedule", changes: {}, outcomeCode: "RSSR", replacementNotes: null }
    ],
    [
      "end moved, no requester → RSSR",
      request({ endMillis: T + 2 * HOUR }),
      found(),
      { kind: "reschedule", changes: {}, outcomeCode: "RSSR", replacementNotes: null }
    ],
    [
      "start moved, requested by the person on probation → RSOF",
      request({ startMillis: T + HOUR, endMillis: T + 2 * HOUR, rescheduleRequestedBy: "Person on Probation" }),
      found(),
      { kind: "reschedule", changes: {}, outcomeCode: "RSOF", replacementNotes: null }
    ],
    [
      "stored start missing → reschedule",
      request(),
      found({ storedStart: null }),
      { kind: "reschedule", changes: {}, outcomeCode: "RSSR", replacementNotes: null }
    ],
    [
      "reschedule with new location and notes: the original gets them, the replacement starts its own notes; no re-key",
      request({ startMillis: T + HOUR, endMillis: T + 2 * HOUR, locationId: 9, notes: "moved" }),
      found({ notes: existing, externalReference: OLD_URN }),
      {
        kind: "reschedule",
        changes: { officeLocationId: 9, notes: appendNotes(existing, "moved") },
        outcomeCode: "RSSR",
        replacementNotes: appendNotes(null, "moved")
      }
    ]
  ])("%s", (_, req, contact, expected) => {
    const plan = planMerge(req, contact)
    expect(plan).toEqual(contact === undefined ? expected : { ...expected, found: contact })
  })
})
