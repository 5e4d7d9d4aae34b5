import { Context, Effect, Layer, Option, ParseResult, Schema } from "effect"
import { type AuditParameters, audited } from "../audit/Audit.js"
import { inPersonTransaction, writeContext } from "../delius/DeliusContext.js"
import { type Contact, ContactRepository } from "../delius/repositories/ContactRepository.js"
import { EventRepository } from "../delius/repositories/EventRepository.js"
import { type Nsi, NsiRepository } from "../delius/repositories/NsiRepository.js"
import { OrganisationRepository } from "../delius/repositories/OrganisationRepository.js"
import { ReferenceDataRepository } from "../delius/repositories/ReferenceDataRepository.js"
import { inconsistentData } from "../delius/inconsistent.js"
import { require } from "../delius/require.js"
import { BadRequest, Conflict, type DatabaseError, type InconsistentData, NotFound, Unprocessable } from "../errors.js"
import { crsAssignment, findReferralNsi } from "../referral/nsiContacts.js"
import { appointmentUrn, referralUrn, Uuid } from "../domain/index.js"
import {
  appendNotes,
  type AppointmentOutcome,
  appointmentNotFoundReason,
  appointmentNotFoundReasonDetail,
  containsNotes,
  hasClash,
  parseAttended,
  type MergeChanges,
  type MergePlan,
  planMerge
} from "../rules/index.js"
import { trackEvent } from "../telemetry/Telemetry.js"
import { instantOfLondonDateTime, IsoDateTime, londonDate, londonDateTime, londonOffsetIso } from "../domain/index.js"
import { findAppointmentContact, insertAppointmentContact, type NewAppointment } from "./contacts.js"
import { applyOutcome, type KnownNsi, type OutcomeContext } from "./outcomes.js"
import { traced } from "../telemetry/spans.js"
import { rememberFirst } from "../memo.js"

const optional = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optionalWith(Schema.NullOr(schema), { default: () => null })

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

/** Appointment workflows: merge (create / reschedule / outcome, §7.1) and feedback (§7.5). */
export interface AppointmentShape {
  /** The appointment contact's id; 409 only for a clash (client-contract §2.3). */
  readonly merge: (
    crn: string,
    request: MergeAppointment
  ) => Effect.Effect<
    { readonly appointmentId: number },
    NotFound | Conflict | BadRequest | InconsistentData | DatabaseError
  >
  readonly recordFeedback: (
    update: FeedbackUpdate
  ) => Effect.Effect<void, NotFound | BadRequest | Unprocessable | InconsistentData | DatabaseError>
}

export class Appointment extends Context.Tag("@ram-delius/core/Appointment")<Appointment, AppointmentShape>() {
  /**
   * The services the workflows' steps read (repositories, the Delius user, telemetry), taken from the layer's context
   * once, when the layer is built; the set is derived from the steps, never listed by hand.
   */
  static readonly make = Effect.gen(function* () {
    const context =
      yield* Effect.context<Effect.Effect.Context<ReturnType<typeof merge> | ReturnType<typeof recordFeedback>>>()
    return {
      merge: (crn, request) => Effect.provide(merge(crn, request), context),
      recordFeedback: (update) => Effect.provide(recordFeedback(update), context)
    } satisfies AppointmentShape
  })

  static readonly layer = Layer.effect(Appointment, Appointment.make)
}

const merge = Effect.fnUntraced(function* (crn: string, request: MergeAppointment) {
  const urn = appointmentUrn(request.id)
  const previousUrn = request.previousId === null ? null : appointmentUrn(request.previousId)
  const nsiUrn = referralUrn(request.referralId)
  const nsiNotFound = () => new NotFound({ message: `Unable to match Referral ${nsiUrn} => CRN ${crn}` })
  const result = yield* audited("CLBI003", (audit) =>
    inPersonTransaction(
      crn,
      (offenderId) =>
        Effect.gen(function* () {
          const organisation = yield* OrganisationRepository
          const events = yield* EventRepository
          const ctx = yield* writeContext
          const nsi = yield* findReferralNsi(crn, nsiUrn)
          if (nsi === undefined) return yield* nsiNotFound()
          yield* audit.set("offenderId", offenderId)
          const startMillis = request.start.epochMillis
          const endMillis = startMillis + request.durationInMinutes * 60_000
          const times = { offenderId: nsi.offenderId, urn, previousUrn, startMillis, endMillis, now: ctx.millis }
          yield* checkTimes(crn, request, times)
          const assignment = yield* crsAssignment
          const locationId = yield* resolveLocation(organisation, crn, request.officeLocationCode, ctx.today)
          // The NSI was read above; its RAR flag is read at most once, by whichever step needs it first (§7.1, §7.7).
          const rqmntId = nsi.rqmntId
          const isRarRequirement = rememberFirst(
            rqmntId === null ? Effect.succeed(false) : events.isRarRequirement(rqmntId)
          )
          const known = { nsi, isRarRequirement }
          const outcome = request.outcome === null ? null : toOutcome(request.outcome)

          const found = yield* findAppointmentContact({
            crn,
            urn,
            previousUrn,
            deliusId: request.deliusId,
            referralReference: request.referralReference,
            referralUrn: nsiUrn,
            workflow: "Merge Appointment"
          })
          const plan = planMerge(
            {
              urn,
              startMillis,
              endMillis,
              locationId,
              notes: request.notes,
              rescheduleRequestedBy: request.rescheduleRequestedBy
            },
            found === undefined
              ? undefined
              : {
                  contact: found,
                  externalReference: found.externalReference,
                  officeLocationId: found.officeLocationId,
                  notes: found.notes,
                  storedStart: found.contactStartTime === null ? null : instantOfLondonDateTime(found.contactStartTime),
                  storedEnd: found.contactEndTime === null ? null : instantOfLondonDateTime(found.contactEndTime)
                }
          )
          const scope: MergeScope = {
            request,
            nsi,
            at: { crn, startMillis, endMillis, officeLocationId: locationId, urn },
            assignment,
            outcome,
            known,
            ctx,
            audit
          }
          switch (plan.kind) {
            case "create":
              return yield* createAppointment(scope, plan.notes)
            case "update":
              return yield* updateAppointment(scope, plan.found.contact, plan.changes)
            case "reschedule":
              return yield* rescheduleAppointment(scope, plan.found.contact, plan)
          }
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
}, traced("Appointment.merge"))

/**
 * §7.1 steps 2–3: an appointment that started in the past needs an outcome (400, with telemetry), and a future one
 * must not clash with another future appointment of the person (409, §7.2 — the only 409).
 */
const checkTimes = (
  crn: string,
  request: MergeAppointment,
  times: {
    readonly offenderId: number
    readonly urn: string
    readonly previousUrn: string | null
    readonly startMillis: number
    readonly endMillis: number
    readonly now: number
  }
) =>
  Effect.gen(function* () {
    const contacts = yield* ContactRepository
    const { endMillis, previousUrn, startMillis, urn } = times
    const start = londonDateTime(startMillis)
    const end = londonDateTime(endMillis)
    if (times.now > startMillis && request.outcome === null) {
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
    if (startMillis > times.now) {
      const candidates = yield* contacts.clashCandidates(times.offenderId, londonDate(startMillis))
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
  })

/** What the steps carrying out a merge plan share (§7.1). */
interface MergeScope {
  readonly request: MergeAppointment
  readonly nsi: Nsi
  /** Where and when the appointment is, and its URN. */
  readonly at: Pick<NewAppointment, "crn" | "startMillis" | "endMillis" | "officeLocationId" | "urn">
  readonly assignment: Pick<NewAppointment, "probationAreaId" | "teamId" | "staffId">
  readonly outcome: AppointmentOutcome | null
  readonly known: KnownNsi
  readonly ctx: OutcomeContext
  readonly audit: AuditParameters
}

/** Step 5c: nothing found, so the appointment contact is created (CRSAPT when it counts towards RAR, else CRSSAA). */
const createAppointment = (scope: MergeScope, notes: string | null) =>
  Effect.gen(function* () {
    const { request, nsi, ctx } = scope
    const reference = yield* ReferenceDataRepository
    const typeCode = request.countsTowardsRar ? "CRSAPT" : "CRSSAA"
    const type = yield* reference.contactType(typeCode).pipe(require("ContactType", "code", typeCode))
    // Step 7's notes are written with the new row rather than by a second UPDATE, so a brand-new contact has
    // ROW_VERSION 0 (§8.2) like the reference's single insert at flush.
    const created = yield* insertAppointmentContact(
      {
        ...scope.at,
        offenderId: nsi.offenderId,
        contactTypeId: type.contactTypeId,
        contactTypeCode: typeCode,
        eventId: nsi.eventId,
        nsiId: nsi.nsiId,
        ...scope.assignment,
        rarActivity: request.countsTowardsRar && (yield* scope.known.isRarRequirement),
        notes
      },
      ctx
    )
    yield* scope.audit.set("contactId", created.contactId)
    if (scope.outcome !== null) yield* applyOutcome(created, scope.outcome, ctx, {}, scope.known)
    return created.contactId
  })

/**
 * Steps 6–7 and the re-key change the contact in one UPDATE, and only when something changes (§8.2: ROW_VERSION and
 * LAST_UPDATED_* move once per entity update), so an identical merge re-sent leaves the row untouched and cannot break
 * a Delius user's optimistic lock. Step 9's outcome joins that UPDATE.
 */
const updateAppointment = (scope: MergeScope, contact: Contact, changes: MergeChanges) =>
  Effect.gen(function* () {
    const contacts = yield* ContactRepository
    yield* scope.audit.set("contactId", contact.contactId)
    if (scope.outcome !== null)
      yield* applyOutcome({ ...contact, ...changes }, scope.outcome, scope.ctx, changes, scope.known)
    else if (Object.keys(changes).length > 0) yield* contacts.update(contact.contactId, changes, scope.ctx)
    return contact.contactId
  })

/**
 * Step 8: a replacement at the new time (on the original's person, event, NSI and manager), and the original outcomed
 * RSSR / RSOF in one UPDATE with its step 6–7 changes; an outcome sent is the replacement's.
 */
const rescheduleAppointment = (
  scope: MergeScope,
  contact: Contact,
  plan: Pick<MergePlan & { kind: "reschedule" }, "changes" | "outcomeCode" | "replacementNotes">
) =>
  Effect.gen(function* () {
    const contacts = yield* ContactRepository
    const reference = yield* ReferenceDataRepository
    const { assignment, ctx } = scope
    yield* scope.audit.set("contactId", contact.contactId)
    const replacement = yield* insertAppointmentContact(
      {
        ...scope.at,
        offenderId: contact.offenderId,
        contactTypeId: contact.contactTypeId,
        contactTypeCode: contact.contactTypeCode,
        eventId: contact.eventId,
        nsiId: contact.nsiId,
        probationAreaId: contact.probationAreaId ?? assignment.probationAreaId,
        teamId: contact.teamId ?? assignment.teamId,
        staffId: contact.staffId ?? assignment.staffId,
        rarActivity: scope.request.countsTowardsRar,
        notes: plan.replacementNotes
      },
      ctx
    )
    const code = plan.outcomeCode
    const rescheduled = yield* reference.contactOutcome(code).pipe(require("ContactOutcome", "code", code))
    yield* contacts.update(
      contact.contactId,
      {
        ...plan.changes,
        contactOutcomeTypeId: rescheduled.contactOutcomeTypeId,
        attended: rescheduled.outcomeAttendance,
        complied: rescheduled.outcomeCompliantAcceptable,
        hoursCredited: null,
        rarActivity: "N"
      },
      ctx
    )
    if (scope.outcome !== null) yield* applyOutcome(replacement, scope.outcome, ctx, {}, scope.known)
    return replacement.contactId
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
      return yield* inconsistentData(`More than one active office location has code ${code}`, {
        crn,
        officeLocationCode: code
      })
    }
    return locations[0]!.officeLocationId
  })

const recordFeedback = Effect.fnUntraced(function* (update: FeedbackUpdate) {
  const urn = appointmentUrn(update.appointmentId)
  const nsiUrn = referralUrn(update.referralId)
  yield* audited("CLBI007", (audit) =>
    Effect.gen(function* () {
      yield* audit.set("contactId", update.appointmentId)
      yield* inPersonTransaction(
        update.crn,
        () =>
          Effect.gen(function* () {
            const ctx = yield* writeContext
            const contact = yield* findAppointmentContact({
              crn: update.crn,
              urn,
              previousUrn: null,
              deliusId: update.deliusId,
              referralReference: update.referralReference,
              referralUrn: nsiUrn,
              workflow: "Feedback Submitted"
            })
            if (contact === undefined) return yield* appointmentNotFound(update, urn, nsiUrn)
            // §7.5 step 2: notes appended once — in the same UPDATE as the outcome (one ROW_VERSION step, §8.2).
            const notes = containsNotes(contact.notes, update.notes)
              ? contact.notes
              : appendNotes(contact.notes, update.notes)
            yield* applyOutcome({ ...contact, notes }, update.outcome, ctx, notes === contact.notes ? {} : { notes })
          }),
        // No such person: no such appointment either (§7.5 rejection, with its reason).
        appointmentNotFound(update, urn, nsiUrn)
      )
    })
  )
}, traced("Appointment.recordFeedback"))

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
