import { Effect, Either, Option } from "effect"
import type { WriteContext } from "../delius/repositories/common.js"
import { type Contact, type ContactChanges, ContactRepository } from "../delius/repositories/ContactRepository.js"
import { EnforcementRepository } from "../delius/repositories/EnforcementRepository.js"
import { EventRepository } from "../delius/repositories/EventRepository.js"
import { type Nsi, NsiRepository } from "../delius/repositories/NsiRepository.js"
import { type EnforcementAction, ReferenceDataRepository } from "../delius/repositories/ReferenceDataRepository.js"
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

export type OutcomeContext = WriteContext & { readonly millis: number; readonly today: string }

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
export const applyOutcome = (
  contact: Contact,
  outcome: AppointmentOutcome,
  ctx: OutcomeContext,
  /** Other changes of the same workflow to this contact, written in the same UPDATE (ROW_VERSION moves once, §8.2). */
  pending: ContactChanges = {},
  known?: KnownNsi
) =>
  Effect.gen(function* () {
    const reference = yield* ReferenceDataRepository
    const contacts = yield* ContactRepository
    // Decision Q5: an unmapped combination is bad input (400) naming the combination, not a 500.
    const code = yield* Either.match(outcomeCodeFor(outcome), {
      onLeft: (message) => Effect.fail(new BadRequest({ message })),
      onRight: Effect.succeed
    })
    const outcomeRow = yield* reference.contactOutcome(code).pipe(require("ContactOutcome", "code", code))
    // §4.2 "contact found has no NSI id when applying an outcome → 500": inconsistent Delius data, not a clash.
    if (contact.nsiId === null) {
      return yield* inconsistentData(`Contact ${contact.contactId} is not linked to a referral`, {
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
    if (action !== undefined) yield* handleNonCompliance(updated, action, ctx)
    yield* recountRar(contact.nsiId, ctx, known)
    return updated
  }).pipe(traced("Appointment.applyOutcome"))

/** §7.6: enforcement row and action contact (once), FTC recount, review trigger. */
const handleNonCompliance = (appointment: Contact, action: EnforcementAction, ctx: OutcomeContext) =>
  Effect.gen(function* () {
    const reference = yield* ReferenceDataRepository
    const contacts = yield* ContactRepository
    const enforcements = yield* EnforcementRepository
    const events = yield* EventRepository
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
            offenderId: appointment.offenderId,
            contactTypeId: action.contactTypeId,
            contactDate: ctx.today,
            contactStartTime: ctx.now,
            eventId: appointment.eventId,
            nsiId: appointment.nsiId,
            probationAreaId: appointment.probationAreaId!,
            teamId: appointment.teamId!,
            staffId: appointment.staffId!,
            officeLocationId: appointment.officeLocationId,
            linkedContactId: appointment.contactId,
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
    const outstandingReview = hasOutstandingReview(
      yield* contacts.reviewContacts(event.eventId, "ARWS"),
      event.breachEnd
    )
    if (reviewRequired({ sentenceType: event.sentenceType, ftcLimit: event.ftcLimit, ftcCount, outstandingReview })) {
      const review = yield* reference.contactType("ARWS").pipe(require("ContactType", "code", "ARWS"))
      yield* contacts.insert(
        {
          offenderId: appointment.offenderId,
          contactTypeId: review.contactTypeId,
          contactDate: appointment.contactDate,
          contactStartTime: appointment.contactStartTime ?? ctx.now,
          contactEndTime: appointment.contactEndTime,
          eventId: appointment.eventId,
          nsiId: appointment.nsiId,
          probationAreaId: appointment.probationAreaId!,
          teamId: appointment.teamId!,
          staffId: appointment.staffId!,
          officeLocationId: appointment.officeLocationId,
          linkedContactId: appointment.contactId
        },
        ctx
      )
    }
  }).pipe(traced("Appointment.handleNonCompliance"))

/** §7.7: distinct RAR days of the NSI, when its requirement is a RAR (main category F). */
const recountRar = (nsiId: NsiId, ctx: OutcomeContext, known?: KnownNsi) =>
  Effect.gen(function* () {
    const nsis = yield* NsiRepository
    const events = yield* EventRepository
    const contacts = yield* ContactRepository
    const isKnown = known !== undefined && known.nsi.nsiId === nsiId
    const nsi = isKnown ? known.nsi : Option.getOrUndefined(yield* nsis.findById(nsiId))
    if (nsi === undefined || nsi.rqmntId === null) return
    const rar = isKnown ? yield* known.isRarRequirement : yield* events.isRarRequirement(nsi.rqmntId)
    if (!rar) return
    const count = yield* contacts.rarDayCount(nsiId)
    if (count !== nsi.rarCount) yield* nsis.update(nsiId, { rarCount: count }, ctx)
  })
