/** The appointment contact: how merge (§7.1) and feedback (§7.5) find one, and how a new one is written. */
import { Effect, Option } from "effect"
import type { WriteContext } from "../delius/repositories/common.js"
import { insertedContact, type NewContact } from "../delius/repositories/ContactRepository.js"
import type { WorkflowServices } from "../workflows/personWorkflow.js"
import { ContactId, londonDate, londonDateTime, type NsiId } from "../domain/index.js"

const CRS_APPOINTMENT_TYPES = ["CRSAPT", "CRSSAA"]

export interface AppointmentLookup {
  readonly crn: string
  readonly urn: string
  /** Merge only: the URN of the appointment this one replaces (decision Q2). */
  readonly previousUrn: string | null
  readonly deliusId: number | null
  readonly referralReference: string
  readonly referralUrn: string
  /** Names the "Appointment Found By Delius Id - …" telemetry event. */
  readonly workflow: "Merge Appointment" | "Feedback Submitted"
}

/**
 * §7.1 step 5 / §7.5 step 1: the person's contact with the appointment's URN; else (merge) the previous URN — decision
 * Q2: an already-processed reschedule finds its replacement by the new URN first; else the `deliusId` R&M holds, with
 * decision Q4: that contact must be this person's CRS appointment (never another person's), otherwise not found.
 */
export const findAppointmentContact = Effect.fnUntraced(function* (
  { contacts, telemetry }: Pick<WorkflowServices, "contacts" | "telemetry">,
  lookup: AppointmentLookup
) {
  const byUrn = yield* contacts.findByCrnAndUrn(lookup.crn, lookup.urn)
  if (Option.isSome(byUrn)) return byUrn
  if (lookup.previousUrn !== null) {
    const byPreviousUrn = yield* contacts.findByCrnAndUrn(lookup.crn, lookup.previousUrn)
    if (Option.isSome(byPreviousUrn)) return byPreviousUrn
  }
  if (lookup.deliusId === null) return Option.none()
  const byId = Option.filter(
    // R&M holds the Delius id it was given (§4.2 `deliusId`): from here on it names a CONTACT row.
    yield* contacts.findById(ContactId.make(lookup.deliusId)),
    (contact) => contact.crn === lookup.crn && CRS_APPOINTMENT_TYPES.includes(contact.contactTypeCode)
  )
  if (Option.isNone(byId)) return byId
  yield* telemetry.trackEvent(`Appointment Found By Delius Id - ${lookup.workflow}`, {
    crn: lookup.crn,
    urn: lookup.urn,
    deliusId: String(lookup.deliusId),
    referralReference: lookup.referralReference,
    referralUrn: lookup.referralUrn
  })
  return byId
})

/** A new appointment contact (§7.1 step 5c, and step 8's replacement): where it belongs and what it says. */
export interface NewAppointment {
  readonly crn: string
  readonly offenderId: number
  readonly contactTypeId: number
  readonly contactTypeCode: string
  readonly eventId: number | null
  readonly nsiId: NsiId | null
  readonly probationAreaId: number
  readonly teamId: number
  readonly staffId: number
  readonly startMillis: number
  readonly endMillis: number
  readonly officeLocationId: number | null
  readonly rarActivity: boolean
  readonly urn: string
  readonly notes: string | null
}

/** Insert the appointment contact and return its row (built from what was inserted, not read back). */
export const insertAppointmentContact = Effect.fnUntraced(function* (
  { contacts }: Pick<WorkflowServices, "contacts">,
  appointment: NewAppointment,
  ctx: WriteContext
) {
  const row: NewContact = {
    offenderId: appointment.offenderId,
    contactTypeId: appointment.contactTypeId,
    contactDate: londonDate(appointment.startMillis),
    contactStartTime: londonDateTime(appointment.startMillis),
    contactEndTime: londonDateTime(appointment.endMillis),
    eventId: appointment.eventId,
    nsiId: appointment.nsiId,
    probationAreaId: appointment.probationAreaId,
    teamId: appointment.teamId,
    staffId: appointment.staffId,
    officeLocationId: appointment.officeLocationId,
    rarActivity: appointment.rarActivity ? "Y" : "N",
    externalReference: appointment.urn,
    notes: appointment.notes
  }
  const id = yield* contacts.insert(row, ctx)
  return insertedContact(id, row, appointment)
})
