import type { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, ParseResult, Schema } from "effect"
import { audited } from "../audit/Audit.js"
import { DeliusUser, inPersonTransaction, writeContext } from "../delius/DeliusContext.js"
import type { AuditRepository } from "../delius/repositories/AuditRepository.js"
import { type Contact, type ContactChanges, ContactRepository } from "../delius/repositories/ContactRepository.js"
import type { EnforcementRepository } from "../delius/repositories/EnforcementRepository.js"
import { EventRepository } from "../delius/repositories/EventRepository.js"
import { NsiRepository } from "../delius/repositories/NsiRepository.js"
import { OrganisationRepository } from "../delius/repositories/OrganisationRepository.js"
import type { PersonRepository } from "../delius/repositories/PersonRepository.js"
import { ReferenceDataRepository } from "../delius/repositories/ReferenceDataRepository.js"
import { inconsistentData } from "../delius/inconsistent.js"
import { require } from "../delius/require.js"
import { BadRequest, Conflict, NotFound, Unprocessable } from "../errors.js"
import { crsAssignment, findReferralNsi } from "../referral/nsiContacts.js"
import { referralUrn, Uuid } from "../referral/Referral.js"
import {
  appendNotes,
  type AppointmentOutcome,
  appointmentNotFoundReason,
  appointmentNotFoundReasonDetail,
  containsNotes,
  hasClash,
  isRescheduled,
  parseAttended,
  rescheduleOutcome
} from "../rules/index.js"
import { Telemetry, trackEvent } from "../telemetry/Telemetry.js"
import { instantOfLondonDateTime, IsoDateTime, londonDate, londonDateTime, londonOffsetIso } from "../time.js"
import { applyOutcome, type OutcomeContext } from "./outcomes.js"

export const appointmentUrn = (appointmentId: string) => `urn:hmpps:interventions-appointment:${appointmentId}`

const optional = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(Schema.NullOr(schema), { default: () => null })

/** `outcome` of the merge request (§4.2): `attended` upper case; `notify` has the alias the real R&M sends. */
// §2.1: Attended is parsed from a free string case-insensitively (R&M sends upper case here, lower case in callbacks).
const Attended = Schema.transformOrFail(Schema.String, Schema.Literal("YES", "LATE", "NO"), {
  strict: true,
  decode: (text, _, ast) => {
    const attended = parseAttended(text)
    return attended === undefined
      ? ParseResult.fail(new ParseResult.Type(ast, text, `Expected YES, LATE or NO, actual ${JSON.stringify(text)}`))
      : ParseResult.succeed(attended)
  },
  encode: ParseResult.succeed
})

export const MergeOutcome = Schema.Struct({
  attended: Attended,
  didSessionHappen: optional(Schema.Boolean),
  noSessionReasonType: optional(Schema.Literal("LOGISTICS", "POP_ACCEPTABLE", "POP_UNACCEPTABLE")),
  notify: Schema.optional(Schema.NullOr(Schema.Boolean)),
  notifyProbationPractitionerOfBehaviour: Schema.optional(Schema.NullOr(Schema.Boolean))
})

/** Body of `PUT /probation-case/{crn}/referrals/{referralId}/appointments` (spec §4.2, client-contract §2.3). */
export class MergeAppointment extends Schema.Class<MergeAppointment>("MergeAppointment")({
  id: Uuid,
  referralId: Uuid,
  referralReference: Schema.String,
  start: IsoDateTime,
  // Jackson turns a missing primitive into 0 / false (§2.1); R&M always sends both.
  // Bounded to a day: a CRS session never spans days, and an unbounded value would overflow the date arithmetic.
  durationInMinutes: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 24 * 60)), { default: () => 0 }),
  notes: optional(Schema.String),
  officeLocationCode: optional(Schema.String),
  countsTowardsRar: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  outcome: optional(MergeOutcome),
  sentenceId: optional(Schema.Number),
  previousId: optional(Uuid),
  deliusId: optional(Schema.Int),
  rescheduleRequestedBy: optional(Schema.String)
}) {}

/** The outcome part of a feedback update (§5.6 "Building the update"). */
export interface FeedbackUpdate {
  readonly crn: string
  readonly appointmentId: string
  readonly deliusId: number | null
  readonly referralId: string
  readonly referralReference: string
  readonly outcome: AppointmentOutcome
  readonly notes: string
}

const toOutcome = (o: typeof MergeOutcome.Type): AppointmentOutcome => ({
  attended: o.attended,
  didSessionHappen: o.didSessionHappen,
  noSessionReasonType: o.noSessionReasonType,
  // notify defaults to false on the merge request (§4.2); the alias key is what R&M really sends.
  notify: o.notify ?? o.notifyProbationPractitionerOfBehaviour ?? false
})

type Dependencies =
  | SqlClient.SqlClient
  | PersonRepository
  | NsiRepository
  | ContactRepository
  | EventRepository
  | EnforcementRepository
  | ReferenceDataRepository
  | OrganisationRepository
  | AuditRepository
  | DeliusUser
  | Telemetry

/** Appointment workflows: merge (create / reschedule / outcome, §7.1) and feedback (§7.5). */
export class Appointment extends Context.Tag("@ram-delius/core/Appointment")<
  Appointment,
  {
    readonly merge: (crn: string, request: MergeAppointment) => Effect.Effect<{ readonly appointmentId: number }, MergeError>
    readonly recordFeedback: (update: FeedbackUpdate) => Effect.Effect<void, FeedbackError>
  }
>() {
  static readonly layer = Layer.effect(
    Appointment,
    Effect.gen(function* () {
      const context = yield* Effect.context<Dependencies>()
      return {
        merge: (crn, request) => merge(crn, request).pipe(Effect.provide(context)),
        recordFeedback: (update) => recordFeedback(update).pipe(Effect.provide(context))
      }
    })
  )
}

export type MergeError = Effect.Effect.Error<ReturnType<typeof merge>>
export type FeedbackError = Effect.Effect.Error<ReturnType<typeof recordFeedback>>

const CRS_APPOINTMENT_TYPES = ["CRSAPT", "CRSSAA"]

/**
 * The `deliusId` fallback (§7.1 step 5b, §7.5 step 1) with decision Q4: the contact must be this person's CRS
 * appointment, otherwise it is treated as not found.
 */
const findOwnedAppointment = (crn: string, contactId: number) =>
  Effect.map(Effect.flatMap(ContactRepository, (contacts) => contacts.findById(contactId)), (found) =>
    Option.getOrUndefined(
      Option.filter(found, (contact) => contact.crn === crn && CRS_APPOINTMENT_TYPES.includes(contact.contactTypeCode))
    )
  )

const merge = Effect.fn("Appointment.merge")(function* (crn: string, request: MergeAppointment) {
  const urn = appointmentUrn(request.id)
  const previousUrn = request.previousId === null ? null : appointmentUrn(request.previousId)
  const nsiUrn = referralUrn(request.referralId)
  const nsiNotFound = () => new NotFound({ message: `Unable to match Referral ${nsiUrn} => CRN ${crn}` })
  const result = yield* audited("CLBI003", (audit) =>
    inPersonTransaction(
      crn,
      (offenderId) =>
        Effect.gen(function* () {
          const contacts = yield* ContactRepository
          const reference = yield* ReferenceDataRepository
          const organisation = yield* OrganisationRepository
          const events = yield* EventRepository
          const ctx = yield* writeContext
          const nsi = yield* findReferralNsi(crn, nsiUrn)
          if (nsi === undefined) return yield* nsiNotFound()
          yield* audit.set("offenderId", offenderId)
          const startMillis = request.start.epochMillis
          const endMillis = startMillis + request.durationInMinutes * 60_000
          const start = londonDateTime(startMillis)
          const end = londonDateTime(endMillis)
          if (ctx.millis > startMillis && request.outcome === null) {
            yield* trackEvent("PastAppointmentWithoutOutcome", {
              crn,
              referralId: request.referralId,
              referralReference: request.referralReference,
              appointmentId: request.id,
              startTime: londonOffsetIso(startMillis),
              outcome: "null"
            })
            return yield* new BadRequest({ message: "Appointment started in the past and no outcome was provided" })
          }
          if (startMillis > ctx.millis) {
            const candidates = yield* contacts.clashCandidates(nsi.offenderId, londonDate(startMillis))
            const clash = hasClash({
              candidates: candidates.map((c) => ({
                externalReference: c.externalReference,
                startTime: c.contactStartTime,
                endTime: c.contactEndTime
              })),
              urn,
              previousUrn,
              newStart: start,
              newEnd: end
            })
            if (clash) return yield* new Conflict({ message: "Appointment conflicts with an existing future appointment" })
          }
          const assignment = yield* crsAssignment
          const locationId = yield* resolveLocation(organisation, crn, request.officeLocationCode, ctx.today)

          // §7.1 step 5, with decisions Q2 (an already-processed reschedule finds its replacement by the new URN) and
          // Q4 (a contact found by deliusId must be this person's CRS appointment).
          let contact: Contact | undefined = Option.getOrUndefined(yield* contacts.findByCrnAndUrn(crn, urn))
          if (contact === undefined && previousUrn !== null) {
            contact = Option.getOrUndefined(yield* contacts.findByCrnAndUrn(crn, previousUrn))
          }
          if (contact === undefined && request.deliusId !== null) {
            contact = yield* findOwnedAppointment(crn, request.deliusId)
            if (contact !== undefined) {
              yield* trackEvent("Appointment Found By Delius Id - Merge Appointment", {
                crn,
                urn,
                deliusId: String(request.deliusId),
                referralReference: request.referralReference,
                referralUrn: nsiUrn
              })
            }
          }
          if (contact === undefined) {
            const typeCode = request.countsTowardsRar ? "CRSAPT" : "CRSSAA"
            const type = yield* reference.contactType(typeCode).pipe(require("ContactType", "code", typeCode))
            const rar = request.countsTowardsRar && nsi.rqmntId !== null && (yield* events.isRarRequirement(nsi.rqmntId))
            const id = yield* contacts.insert(
              {
                offenderId: nsi.offenderId,
                contactTypeId: type.contactTypeId,
                contactDate: londonDate(startMillis),
                contactStartTime: start,
                contactEndTime: end,
                eventId: nsi.eventId,
                nsiId: nsi.nsiId,
                ...assignment,
                officeLocationId: locationId,
                rarActivity: rar ? "Y" : "N",
                externalReference: urn,
                // Step 7's notes are written with the new row rather than by a second UPDATE, so a brand-new contact
                // has ROW_VERSION 0 (§8.2) like the reference's single insert at flush.
                notes: request.notes === null ? null : appendNotes(null, request.notes)
              },
              ctx
            )
            contact = Option.getOrThrow(yield* contacts.findById(id))
          }
          yield* audit.set("contactId", contact.contactId)

          // Steps 6–8 change the contact found in one UPDATE, and only when something changes (§8.2: ROW_VERSION and
          // LAST_UPDATED_* move once per entity update), so an identical merge re-sent leaves the row untouched and
          // cannot break a Delius user's optimistic lock.
          const changes: { -readonly [K in keyof ContactChanges]: ContactChanges[K] } = {}
          // Step 6: the location is always the resolved one (null clears it).
          if (contact.officeLocationId !== locationId) changes.officeLocationId = locationId
          // Step 7: notes appended once.
          if (request.notes !== null && !containsNotes(contact.notes, request.notes)) {
            changes.notes = appendNotes(contact.notes, request.notes)
          }
          const rescheduled = isRescheduled({
            storedStart: contact.contactStartTime === null ? null : instantOfLondonDateTime(contact.contactStartTime),
            storedEnd: contact.contactEndTime === null ? null : instantOfLondonDateTime(contact.contactEndTime),
            newStart: startMillis,
            newEnd: endMillis
          })
          let target: Contact = { ...contact, officeLocationId: locationId, notes: changes.notes ?? contact.notes }
          if (!rescheduled) {
            // Unchanged times: this is how a previousId re-keys the contact to the new appointment id.
            if (contact.externalReference !== urn) changes.externalReference = urn
            target = { ...target, externalReference: urn }
          } else {
            // Step 8: a replacement at the new time; the original is outcomed RSSR / RSOF.
            const replacementId = yield* contacts.insert(
              {
                offenderId: contact.offenderId,
                contactTypeId: contact.contactTypeId,
                contactDate: londonDate(startMillis),
                contactStartTime: start,
                contactEndTime: end,
                eventId: contact.eventId,
                nsiId: contact.nsiId,
                probationAreaId: contact.probationAreaId ?? assignment.probationAreaId,
                teamId: contact.teamId ?? assignment.teamId,
                staffId: contact.staffId ?? assignment.staffId,
                officeLocationId: locationId,
                rarActivity: request.countsTowardsRar ? "Y" : "N",
                externalReference: urn,
                // Decision Q3: no notes → nothing appended (the reference appended the text "null").
                notes: request.notes === null ? null : appendNotes(null, request.notes)
              },
              ctx
            )
            const code = rescheduleOutcome(request.rescheduleRequestedBy)
            const outcome = yield* reference.contactOutcome(code).pipe(require("ContactOutcome", "code", code))
            changes.contactOutcomeTypeId = outcome.contactOutcomeTypeId
            changes.attended = outcome.outcomeAttendance
            changes.complied = outcome.outcomeCompliantAcceptable
            changes.hoursCredited = null
            changes.rarActivity = "N"
            target = Option.getOrThrow(yield* contacts.findById(replacementId))
          }
          if (request.outcome !== null && !rescheduled) {
            // Step 9 on the contact itself: its step 6–8 changes go into the outcome's UPDATE (one ROW_VERSION step).
            yield* applyOutcome(target, toOutcome(request.outcome), ctx as OutcomeContext, changes)
          } else {
            if (Object.keys(changes).length > 0) yield* contacts.update(contact.contactId, changes, ctx)
            if (request.outcome !== null) yield* applyOutcome(target, toOutcome(request.outcome), ctx as OutcomeContext)
          }
          return target.contactId
        }),
      Effect.failSync(nsiNotFound)
    )
  )
  yield* trackEvent("MergeAppointment", {
    crn,
    referralId: request.referralId,
    appointmentId: request.id,
    deliusId: String(result),
    rescheduleRequestedBy: request.rescheduleRequestedBy ?? "null"
  })
  return { appointmentId: result }
})

const resolveLocation = (
  organisation: typeof OrganisationRepository.Service,
  crn: string,
  code: string | null,
  today: string
) =>
  Effect.gen(function* () {
    if (code === null) return null
    const locations = yield* organisation.activeOfficeLocations(code, today)
    if (locations.length === 0) return yield* NotFound.of("Location", "code", code)
    // §7.1 step 4 "multiple → error": Delius is inconsistent (500), not a clash (409 is §7.2's only).
    if (locations.length > 1) {
      return yield* inconsistentData(`More than one active office location has code ${code}`, { crn, officeLocationCode: code })
    }
    return locations[0]!.officeLocationId
  })

const recordFeedback = Effect.fn("Appointment.recordFeedback")(function* (update: FeedbackUpdate) {
  const urn = appointmentUrn(update.appointmentId)
  const nsiUrn = referralUrn(update.referralId)
  yield* audited("CLBI007", (audit) =>
    Effect.gen(function* () {
      yield* audit.set("contactId", update.appointmentId)
      yield* inPersonTransaction(
        update.crn,
        () =>
          Effect.gen(function* () {
            const contacts = yield* ContactRepository
            const ctx = yield* writeContext
            let contact = Option.getOrUndefined(yield* contacts.findByCrnAndUrn(update.crn, urn))
            if (contact === undefined && update.deliusId !== null) {
              // The same ownership rule as decision Q4: never write feedback onto another person's contact.
              contact = yield* findOwnedAppointment(update.crn, update.deliusId)
              if (contact !== undefined) {
                yield* trackEvent("Appointment Found By Delius Id - Feedback Submitted", {
                  crn: update.crn,
                  urn,
                  deliusId: String(update.deliusId),
                  referralReference: update.referralReference,
                  referralUrn: nsiUrn
                })
              }
            }
            if (contact === undefined) return yield* appointmentNotFound(update, urn, nsiUrn)
            // §7.5 step 2: notes appended once — in the same UPDATE as the outcome (one ROW_VERSION step, §8.2).
            const notes = containsNotes(contact.notes, update.notes) ? contact.notes : appendNotes(contact.notes, update.notes)
            yield* applyOutcome({ ...contact, notes }, update.outcome, ctx, notes === contact.notes ? {} : { notes })
          }),
        // No such person: no such appointment either (§7.5 rejection, with its reason).
        appointmentNotFound(update, urn, nsiUrn)
      )
    })
  )
})

/** §7.5 step 1: `AppointmentNotFoundException` → Rejected, with the reason support engineers need. */
const appointmentNotFound = (update: FeedbackUpdate, urn: string, nsiUrn: string) =>
  Effect.gen(function* () {
    const nsis = yield* NsiRepository
    const contacts = yield* ContactRepository
    const nsi = (yield* nsis.trace(update.crn, nsiUrn))[0]
    const softDeleted = yield* contacts.softDeletedFlag(update.crn, urn, update.deliusId ?? -1)
    return yield* new Unprocessable({
      message: "Appointment Not Found",
      properties: {
        appointmentId: update.appointmentId,
        deliusId: update.deliusId === null ? "null" : String(update.deliusId),
        referralReference: update.referralReference,
        outcomeAttended: update.outcome.attended,
        outcomeNotify: String(update.outcome.notify),
        reason: appointmentNotFoundReason({
          nsiFound: nsi !== undefined,
          nsiActiveFlag: nsi?.activeFlag ?? null,
          contactSoftDeleted: Option.getOrNull(softDeleted)
        }),
        reasonDetail: appointmentNotFoundReasonDetail(nsi?.lastUpdatedBy ?? null)
      }
    })
  })
