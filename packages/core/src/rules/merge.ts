/**
 * The appointment merge plan (spec §7.1 steps 5–9): from the merge request and the contact found (if any), what the
 * workflow writes. Pure — the workflow (appointment/Appointment.ts) reads Delius, calls `planMerge` and carries the
 * plan out.
 *
 * - nothing found → **create** the appointment contact (step 5c), its notes written with the new row (§8.2: a
 *   brand-new contact has ROW_VERSION 0); an outcome sent (step 9) is applied to it;
 * - found, same start and end (to the second, §14) → **update** it in one UPDATE, only what changes: the resolved
 *   location (step 6, null clears it), the notes appended once (step 7) and the new URN (how a `previousId` re-keys
 *   the contact), together with the outcome's changes when one was sent (step 9);
 * - found, times changed → **reschedule** (step 8): a replacement contact at the new time, the original updated with
 *   its location/notes changes and outcomed RSSR / RSOF; an outcome sent is applied to the replacement.
 */
import { appendNotes, containsNotes } from "./notes.js"
import { rescheduleOutcome } from "./outcome.js"
import { isRescheduled } from "./reschedule.js"

/** What the merge request asks for, already resolved (location id, epoch milliseconds). */
export interface MergeRequestFacts {
  readonly urn: string
  readonly startMillis: number
  readonly endMillis: number
  readonly locationId: number | null
  readonly notes: string | null
  readonly rescheduleRequestedBy: string | null
}

/** The parts of the contact found that the plan depends on (stored times as epoch milliseconds). */
export interface FoundAppointment {
  readonly externalReference: string | null
  readonly officeLocationId: number | null
  readonly notes: string | null
  readonly storedStart: number | null
  readonly storedEnd: number | null
}

/** Changes of steps 6–7 (and the re-key) to the contact found; only keys whose value changes are present. */
export interface MergeChanges {
  readonly officeLocationId?: number | null
  readonly notes?: string
  readonly externalReference?: string
}

export type MergePlan<C extends FoundAppointment = FoundAppointment> =
  | {
      readonly kind: "create"
      /** Decision Q3: no notes → none (the reference appended the text "null"). */
      readonly notes: string | null
    }
  | { readonly kind: "update"; readonly found: C; readonly changes: MergeChanges }
  | {
      readonly kind: "reschedule"
      readonly found: C
      /** Written to the original with its RSSR / RSOF outcome. */
      readonly changes: Omit<MergeChanges, "externalReference">
      readonly outcomeCode: "RSSR" | "RSOF"
      readonly replacementNotes: string | null
    }

const newNotes = (notes: string | null) => (notes === null ? null : appendNotes(null, notes))

export const planMerge = <C extends FoundAppointment>(
  request: MergeRequestFacts,
  found: C | undefined
): MergePlan<C> => {
  if (found === undefined) return { kind: "create", notes: newNotes(request.notes) }
  const location = found.officeLocationId === request.locationId ? {} : { officeLocationId: request.locationId }
  const notes =
    request.notes === null || containsNotes(found.notes, request.notes)
      ? {}
      : { notes: appendNotes(found.notes, request.notes) }
  const rescheduled = isRescheduled({
    storedStart: found.storedStart,
    storedEnd: found.storedEnd,
    newStart: request.startMillis,
    newEnd: request.endMillis
  })
  if (rescheduled) {
    return {
      kind: "reschedule",
      found,
      changes: { ...location, ...notes },
      outcomeCode: rescheduleOutcome(request.rescheduleRequestedBy),
      replacementNotes: newNotes(request.notes)
    }
  }
  const rekey = found.externalReference === request.urn ? {} : { externalReference: request.urn }
  return { kind: "update", found, changes: { ...location, ...notes, ...rekey } }
}
