import { Console, Effect } from "effect"
import { appointmentRows, referralRows } from "../inspect.js"
import { ExitCode, printJson, records, section, setExitCode, table, wrapText } from "../output.js"
import { withExistingDatabase } from "./database.js"

const time = (value: unknown) =>
  typeof value === "string" ? value.replace(/^\d{4}-\d{2}-\d{2}[T ]/, "").slice(0, 5) : value
const uuidOf = (urn: unknown) => (typeof urn === "string" ? urn.replace(/^urn:hmpps:interventions-[a-z-]+:/, "") : urn)

/**
 * A contact as a support engineer reads it. Delius keeps the day in CONTACT_DATE and the time of day in
 * CONTACT_START_TIME / CONTACT_END_TIME (the reference compares `to_char(…,'HH24:MI')`, spec §6.3): the date part of
 * those timestamps is not the contact's day (the dev dataset's contacts all carry "now − 1 day"), so only the time is
 * shown next to the date, and the two always agree. `--json` keeps the stored values.
 */
const contactView = (c: Record<string, unknown>) => ({
  contact: c.contactId,
  type: c.type,
  date: c.contactDate,
  start: time(c.contactStartTime),
  end: time(c.contactEndTime),
  outcome: c.outcome,
  "att/comp":
    c.attended === null && c.complied === null ? null : `${String(c.attended ?? "-")}/${String(c.complied ?? "-")}`,
  enf: c.enforcement,
  link: c.linkedContactId,
  location: c.location,
  appointmentId: uuidOf(c.externalReference)
})
/** One row per contact in 120 columns (ids whole); notes and soft deletion are in `appointment show` and `--json`. */
const contactTable = (rows: ReadonlyArray<Record<string, unknown>>) =>
  table(rows.map(contactView), { keep: ["contact", "link", "appointmentId"] })
/**
 * The appointment itself, every field on its own line; the external reference as the full URN (support searches Delius
 * and R&M's failure report by it), and the notes as they read in Delius, wrapped within 120 columns at spaces so that
 * the R&M link in them stays whole.
 */
const NOTES_INDENT = "  "
const contactRecords = (rows: ReadonlyArray<Record<string, unknown>>) =>
  rows
    .map((c) => {
      const { appointmentId: _appointmentId, ...view } = contactView(c)
      const fields = records([{ ...view, externalReference: c.externalReference, deleted: c.softDeleted }])
      const notes = typeof c.notes === "string" ? c.notes.replace(/^\n+/, "") : ""
      const wrapped = wrapText(notes, 120 - NOTES_INDENT.length).map((line) => `${NOTES_INDENT}${line}`.trimEnd())
      return notes === "" ? `${fields}\nnotes` : `${fields}\nnotes\n${wrapped.join("\n")}`
    })
    .join("\n\n")

export const referralShow = ({ crn, referralId, json }: { crn: string; referralId: string; json: boolean }) =>
  withExistingDatabase(
    Effect.gen(function* () {
      const rows = yield* referralRows(crn, referralId)
      if (rows.nsis.length === 0) yield* setExitCode(ExitCode.notFound)
      if (json) return yield* printJson(rows)
      if (rows.nsis.length === 0) return yield* Console.error(`No NSI for ${crn} with EXTERNAL_REFERENCE ${rows.urn}.`)
      yield* section(`NSI for ${crn} ${rows.urn}`, records(rows.nsis))
      yield* section("Status history", table(rows.history, { keep: ["nsiId"] }))
      yield* section("Managers", table(rows.managers, { keep: ["nsiId"] }))
      yield* section("Contacts", contactTable(rows.contacts))
    })
  )

export const appointmentShow = ({ crn, appointmentId, json }: { crn: string; appointmentId: string; json: boolean }) =>
  withExistingDatabase(
    Effect.gen(function* () {
      const rows = yield* appointmentRows(crn, appointmentId)
      if (rows.contacts.length === 0) yield* setExitCode(ExitCode.notFound)
      if (json) return yield* printJson(rows)
      if (rows.contacts.length === 0) return yield* Console.error(`No appointment ${appointmentId} for ${crn}.`)
      yield* section("Appointment", contactRecords(rows.contacts))
      yield* section("Enforcement", table(rows.enforcements, { keep: ["enforcementId", "contactId"] }))
      yield* section("Linked contacts", contactTable(rows.linked))
    })
  )
