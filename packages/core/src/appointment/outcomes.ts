import { Effect, Either, Option } from "effect"
import type { WorkflowContext } from "../delius/DeliusContext.js"
import type { Contact, ContactChanges } from "../delius/repositories/ContactRepository.js"
import type { Nsi } from "../delius/repositories/NsiRepository.js"
import type { EnforcementAction } from "../delius/repositories/ReferenceDataRepository.js"
import { require } from "../delius/require.js"
import { inconsistentData } from "../delius/inconsistent.js"
import { BadRequest, type DatabaseError } from "../errors.js"
import {
  appendNotes,
  type AppointmentOutcome,
  enforcementNotes,
  failureToComplyCount,
  ftcResetDate,
  hasOutstandingReview,
  hoursCredited,
  outcomeCodeFor,
  responseDate,
  reviewRequired,
  sessionHappened
} from "../rules/index.js"
import { instantOfLondonDateTime, londonIsoLocal, type NsiId } from "../domain/index.js"
import { traced } from "../telemetry/spans.js"
import type { WorkflowServices } from "../workflows/personWorkflow.js"

export type OutcomeContext = WorkflowContext

/** What applying an outcome reads and writes (§7.4, §7.6, §7.7). */
export type OutcomeServices = Pick<
  WorkflowServices,
  "contacts" | "enforcements" | "events" | "nsis" | "reference" | "telemetry"
>

/**
 * The referral NSI a workflow has already read, and its RAR flag (read at most once, cached by the workflow), so that
 * the §7.7 recount does not read them again.
 */
export interface KnownNsi {
  readonly nsi: Nsi
  readonly isRarRequirement: Effect.Effect<boolean, DatabaseError>
}

/**
 * Apply an attendance outcome to an appointment contact (spec §7.4): outcome, attended/complied from the outcome row,
 * hours credited for ATTC, RAR flag cleared when the session did not happen, non-compliance handling (§7.6) when the
 * outcome's compliant flag is 'N', then the NSI's RAR recount (§7.7). Each step is idempotent, so a redelivered
 * feedback leaves the state of one delivery.
 */
export const applyOutcome = Effect.fnUntraced(function* (
  services: OutcomeServices,
  contact: Contact,
  outcome: AppointmentOutcome,
  ctx: OutcomeContext,
  /** Other changes of the same workflow to this contact, written in the same UPDATE (ROW_VERSION moves once, §8.2). */
  pending: ContactChanges = {},
  known?: KnownNsi
) {
  const { contacts, reference } = services
  // Decision Q5: an unmapped combination is bad input (400) naming the combination, not a 500.
  const code = yield* Either.match(outcomeCodeFor(outcome), {
    onLeft: (message) => Effect.fail(new BadRequest({ message })),
    onRight: Effect.succeed
  })
  const outcomeRow = yield* reference.contactOutcome(code).pipe(require("ContactOutcome", "code", code))
  // §4.2 "contact found has no NSI id when applying an outcome → 500": inconsistent Delius data, not a clash.
  if (contact.nsiId === null) {
    return yield* inconsistentData(services.telemetry, `Contact ${contact.contactId} is not linked to a referral`, {
      crn: contact.crn,
      contactId: String(contact.contactId)
    })
  }
  // §7.6: a non-compliant outcome records the enforcement action on the appointment itself too.
  const action =
    outcomeRow.outcomeCompliantAcceptable === "N"
      ? yield* reference.enforcementAction("ROM").pipe(require("EnforcementAction", "code", "ROM"))
      : undefined
  const start = contact.contactStartTime === null ? null : instantOfLondonDateTime(contact.contactStartTime)
  const end = contact.contactEndTime === null ? null : instantOfLondonDateTime(contact.contactEndTime)
  const updated: Contact = {
    ...contact,
    contactOutcomeTypeId: outcomeRow.contactOutcomeTypeId,
    outcomeCode: code,
    attended: outcomeRow.outcomeAttendance,
    complied: outcomeRow.outcomeCompliantAcceptable,
    hoursCredited: start === null ? null : hoursCredited(code, start, end),
    rarActivity: sessionHappened(outcome) ? contact.rarActivity : "N",
    ...(action === undefined ? {} : { latestEnforcementActionId: action.enforcementActionId, enforcement: 1 })
  }
  // Only what actually changes is written, in one UPDATE (§8.2): re-applying the same outcome (a redelivered
  // feedback event, an identical merge re-sent) leaves ROW_VERSION / LAST_UPDATED_* of the appointment alone.
  const changes: { -readonly [K in keyof ContactChanges]: ContactChanges[K] } = { ...pending }
  if (updated.contactOutcomeTypeId !== contact.contactOutcomeTypeId)
    changes.contactOutcomeTypeId = updated.contactOutcomeTypeId
  if (updated.attended !== contact.attended) changes.attended = updated.attended
  if (updated.complied !== contact.complied) changes.complied = updated.complied
  if (updated.hoursCredited !== contact.hoursCredited) changes.hoursCredited = updated.hoursCredited
  if (updated.rarActivity === "N" && contact.rarActivity !== "N") changes.rarActivity = "N"
  if (action !== undefined && contact.latestEnforcementActionId !== action.enforcementActionId) {
    changes.latestEnforcementActionId = action.enforcementActionId
  }
  if (action !== undefined && contact.enforcement !== 1) changes.enforcement = 1
  if (Object.keys(changes).length > 0) yield* contacts.update(contact.contactId, changes, ctx)
  if (action !== undefined) yield* handleNonCompliance(services, updated, action, ctx)
  yield* recountRar(services, contact.nsiId, ctx, known)
  return updated
}, traced("Appointment.applyOutcome"))

/**
 * §7.6: what the enforcement action's contact and the review contact take from the appointment they follow: its
 * person, event, NSI, provider, team, officer and office, linked to the appointment's contact.
 */
const linkedTo = (appointment: Contact) => ({
  offenderId: appointment.offenderId,
  eventId: appointment.eventId,
  nsiId: appointment.nsiId,
  probationAreaId: appointment.probationAreaId!,
  teamId: appointment.teamId!,
  staffId: appointment.staffId!,
  officeLocationId: appointment.officeLocationId,
  linkedContactId: appointment.contactId
})

/** §7.6: enforcement row and action contact (once), FTC recount, review trigger. */
const handleNonCompliance = Effect.fnUntraced(function* (
  services: OutcomeServices,
  appointment: Contact,
  action: EnforcementAction,
  ctx: OutcomeContext
) {
  const { contacts, enforcements, events, reference } = services
  if (!(yield* enforcements.existsForContact(appointment.contactId))) {
    yield* enforcements.insert(
      {
        contactId: appointment.contactId,
        enforcementActionId: action.enforcementActionId,
        responseDate: responseDate(ctx.now, action.responseByPeriod),
        actionTakenDate: ctx.now,
        actionTakenTime: ctx.now
      },
      ctx
    )
    if (action.contactTypeId !== null) {
      yield* contacts.insert(
        {
          ...linkedTo(appointment),
          contactTypeId: action.contactTypeId,
          contactDate: ctx.today,
          contactStartTime: ctx.now,
          notes: appendNotes(
            null,
            enforcementNotes(appointment.notes, londonIsoLocal(ctx.millis), action.description ?? "")
          )
        },
        ctx
      )
    }
  }
  if (appointment.eventId === null) return
  const event = yield* events.eventForFtc(appointment.eventId).pipe(require("Event", "id", appointment.eventId))
  const ftcCount = failureToComplyCount(
    yield* contacts.ftcContacts(event.eventId),
    ftcResetDate(event.breachEnd, event.disposalDate)
  )
  if (ftcCount !== event.ftcCount) yield* events.updateFtcCount(event.eventId, ftcCount, ctx)
  const outstandingReview = hasOutstandingReview(yield* contacts.reviewContacts(event.eventId, "ARWS"), event.breachEnd)
  if (reviewRequired({ sentenceType: event.sentenceType, ftcLimit: event.ftcLimit, ftcCount, outstandingReview })) {
    const review = yield* reference.contactType("ARWS").pipe(require("ContactType", "code", "ARWS"))
    yield* contacts.insert(
      {
        ...linkedTo(appointment),
        contactTypeId: review.contactTypeId,
        contactDate: appointment.contactDate,
        contactStartTime: appointment.contactStartTime ?? ctx.now,
        contactEndTime: appointment.contactEndTime
      },
      ctx
    )
  }
}, traced("Appointment.handleNonCompliance"))

/** §7.7: distinct RAR days of the NSI, when its requirement is a RAR (main category F). */
const recountRar = Effect.fnUntraced(function* (
  services: OutcomeServices,
  nsiId: NsiId,
  ctx: OutcomeContext,
  known?: KnownNsi
) {
  const { contacts, events, nsis } = services
  const isKnown = known !== undefined && known.nsi.nsiId === nsiId
  const found = isKnown ? Option.some(known.nsi) : yield* nsis.findById(nsiId)
  if (Option.isNone(found)) return
  const nsi = found.value
  if (nsi.rqmntId === null) return
  const rar = isKnown ? yield* known.isRarRequirement : yield* events.isRarRequirement(nsi.rqmntId)
  if (!rar) return
  const count = yield* contacts.rarDayCount(nsiId)
  if (count !== nsi.rarCount) yield* nsis.update(nsiId, { rarCount: count }, ctx)
})
