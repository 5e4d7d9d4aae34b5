import { Context, Effect, Layer, Option, ParseResult, Schema } from "effect"
import type { AuditParameters } from "../audit/Audit.js"
import type { Contact } from "../delius/repositories/ContactRepository.js"
import type { Nsi } from "../delius/repositories/NsiRepository.js"
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
import { instantOfLondonDateTime, IsoDateTime, londonDate, londonDateTime, londonOffsetIso } from "../domain/index.js"
import { findAppointmentContact, insertAppointmentContact, type NewAppointment } from "./contacts.js"
import { applyOutcome, type KnownNsi, type OutcomeContext } from "./outcomes.js"
import {
  type PersonScope,
  personWorkflow,
  type WorkflowServices,
  workflowServices
} from "../workflows/personWorkflow.js"
import { rememberFirst } from "../memo.js"
import {
  boolean,
  fastDecoder,
  instant,
  member,
  nullOr,
  number,
  object,
  orDefault,
  reject,
  string,
  uuid,
  withDefault,
  withFastDecode
} from "../refer-and-monitor/fastDecode.js"

const optional = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optionalWith(Schema.NullOr(schema), { default: () => null })

/** `outcome` of the merge request (§4.2): `attended` upper case; `notify` has the alias the real R&M sends. */
// §2.1: Attended is parsed from a free string case-insensitively (R&M sends upper case here, lower case in callbacks).
const Attended = Schema.transformOrFail(Schema.String, Schema.Literal("YES", "LATE", "NO"), {
  strict: true,
  decode: (text, _, ast) => {
    const attended = parseAttended(text)
    return Option.isNone(attended)
      ? ParseResult.fail(new ParseResult.Type(ast, text, `Expected YES, LATE or NO, actual ${JSON.stringify(text)}`))
      : ParseResult.succeed(attended.value)
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

// The body's fast path (refer-and-monitor/fastDecode.ts: the Schema's value or a decline, never a failure of its own):
// the appointment PUT is the busiest request R&M sends, and Schema's interpreter costs it about 16 µs and a tenth of
// the memory a create allocates. test/refer-and-monitor-fast-decode.test.ts holds it to the Schema on every
// single-field change.
/** `Uuid` (domain/ids.ts): a UUID, lower-cased. */
const lowerUuid = (value: unknown): string => uuid(value).toLowerCase()
const isNoSessionReason = Schema.is(Schema.Literal("LOGISTICS", "POP_ACCEPTABLE", "POP_UNACCEPTABLE"))
const int = (value: unknown): number => (Number.isSafeInteger(value) ? (value as number) : reject())
const minutes = (value: unknown): number => {
  const n = int(value)
  return n >= 0 && n <= 24 * 60 ? n : reject()
}
/** `optional(…)` above: absent or null → null. */
const orNull = <A>(value: unknown, decode: (value: unknown) => A): A | null => orDefault(value, decode, () => null)

const fastMergeOutcome = (value: unknown): typeof MergeOutcome.Type => {
  const json = object(value)
  const attended = parseAttended(string(json.attended))
  const outcome: Record<string, unknown> = {
    attended: Option.isSome(attended) ? attended.value : reject(),
    didSessionHappen: orNull(json.didSessionHappen, boolean),
    noSessionReasonType: orNull(json.noSessionReasonType, member(isNoSessionReason))
  }
  if (json.notify !== undefined) outcome.notify = nullOr(boolean)(json.notify)
  if (json.notifyProbationPractitionerOfBehaviour !== undefined) {
    outcome.notifyProbationPractitionerOfBehaviour = nullOr(boolean)(json.notifyProbationPractitionerOfBehaviour)
  }
  return outcome as typeof MergeOutcome.Type
}

const fastMergeAppointment = fastDecoder((value: unknown): MergeAppointment => {
  const json = object(value)
  return new MergeAppointment(
    {
      id: lowerUuid(json.id),
      referralId: lowerUuid(json.referralId),
      referralReference: string(json.referralReference),
      start: instant(json.start),
      durationInMinutes: withDefault(json.durationInMinutes, minutes, () => 0),
      notes: orNull(json.notes, string),
      officeLocationCode: orNull(json.officeLocationCode, string),
      countsTowardsRar: withDefault(json.countsTowardsRar, boolean, () => false),
      outcome: orNull(json.outcome, fastMergeOutcome),
      sentenceId: orNull(json.sentenceId, number),
      previousId: orNull(json.previousId, lowerUuid),
      deliusId: orNull(json.deliusId, int),
      rescheduleRequestedBy: orNull(json.rescheduleRequestedBy, string)
    },
    true
  )
})

/** The merge request body's Schema, with its fast path (what the HTTP host decodes the body with). */
export const MergeAppointmentBody = withFastDecode(MergeAppointment, fastMergeAppointment)

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
  /** The workflows' services, resolved once, when the layer is built (personWorkflow.ts). */
  static readonly make = Effect.gen(function* () {
    const services = yield* workflowServices
    return {
      merge: (crn, request) =>
        personWorkflow(
          services,
          "Appointment.merge",
          crn,
          {
            audit: { interaction: "CLBI003" },
            personNotFound: Effect.failSync(() => nsiNotFound(crn, request)),
            success: ({ appointmentId }) => [
              "MergeAppointment",
              {
                crn,
                referralId: request.referralId,
                appointmentId: request.id,
                deliusId: String(appointmentId),
                rescheduleRequestedBy: request.rescheduleRequestedBy ?? "null"
              }
            ]
          },
          (person) => merge(services, person, crn, request)
        ),
      recordFeedback: (update) =>
        personWorkflow(
          services,
          "Appointment.recordFeedback",
          update.crn,
          {
            audit: { interaction: "CLBI007", parameters: { contactId: update.appointmentId } },
            // No such person: no such appointment either (§7.5 rejection, with its reason).
            personNotFound: appointmentNotFound(services, update)
          },
          ({ ctx }) => recordFeedback(services, ctx, update)
        )
    } satisfies AppointmentShape
  })

  static readonly layer = Layer.effect(Appointment, Appointment.make)
}

const nsiNotFound = (crn: string, request: MergeAppointment) =>
  new NotFound({ message: `Unable to match Referral ${referralUrn(request.referralId)} => CRN ${crn}` })

/** §7.1: create, update or reschedule the appointment contact the request names; its contact id. */
const merge = Effect.fnUntraced(function* (
  services: WorkflowServices,
  person: PersonScope,
  crn: string,
  request: MergeAppointment
) {
  const found = yield* findReferralNsi(services, crn, referralUrn(request.referralId))
  if (Option.isNone(found)) return yield* nsiNotFound(crn, request)
  yield* person.audit.set("offenderId", person.offenderId)
  const scope = yield* mergeScope(services, person, crn, request, found.value)
  const plan = yield* mergePlan(services, scope)
  switch (plan.kind) {
    case "create":
      return { appointmentId: yield* createAppointment(services, scope, plan.notes) }
    case "update":
      return { appointmentId: yield* updateAppointment(services, scope, plan.found.contact, plan.changes) }
    case "reschedule":
      return { appointmentId: yield* rescheduleAppointment(services, scope, plan.found.contact, plan) }
  }
})

/** §7.1 steps 1–4: the times checked, the CRS assignment and the office location resolved, what later steps share. */
const mergeScope = Effect.fnUntraced(function* (
  services: WorkflowServices,
  { audit, ctx }: PersonScope,
  crn: string,
  request: MergeAppointment,
  nsi: Nsi
) {
  const urn = appointmentUrn(request.id)
  const previousUrn = request.previousId === null ? null : appointmentUrn(request.previousId)
  const startMillis = request.start.epochMillis
  const endMillis = startMillis + request.durationInMinutes * 60_000
  const times = { offenderId: nsi.offenderId, urn, previousUrn, startMillis, endMillis, now: ctx.millis }
  yield* checkTimes(services, crn, request, times)
  const assignment = yield* crsAssignment(services)
  const locationId = yield* resolveLocation(services, crn, request.officeLocationCode, ctx.today)
  // The NSI was read above; its RAR flag is read at most once, by whichever step needs it first (§7.1, §7.7).
  const rqmntId = nsi.rqmntId
  const isRarRequirement = rememberFirst(
    rqmntId === null ? Effect.succeed(false) : services.events.isRarRequirement(rqmntId)
  )
  const scope: MergeScope = {
    request,
    nsi,
    at: { crn, startMillis, endMillis, officeLocationId: locationId, urn },
    previousUrn,
    assignment,
    outcome: request.outcome === null ? null : toOutcome(request.outcome),
    known: { nsi, isRarRequirement },
    ctx,
    audit
  }
  return scope
})

/** §7.1 step 5 and the plan of steps 6–9 (rules/merge.ts) for the contact found, if any. */
const mergePlan = Effect.fnUntraced(function* (services: WorkflowServices, scope: MergeScope) {
  const { at, request } = scope
  const found = yield* findAppointmentContact(services, {
    crn: at.crn,
    urn: at.urn,
    previousUrn: scope.previousUrn,
    deliusId: request.deliusId,
    referralReference: request.referralReference,
    referralUrn: referralUrn(request.referralId),
    workflow: "Merge Appointment"
  })
  return planMerge(
    {
      urn: at.urn,
      startMillis: at.startMillis,
      endMillis: at.endMillis,
      locationId: at.officeLocationId,
      notes: request.notes,
      rescheduleRequestedBy: request.rescheduleRequestedBy
    },
    Option.getOrUndefined(
      Option.map(found, (contact) => ({
        contact,
        externalReference: contact.externalReference,
        officeLocationId: contact.officeLocationId,
        notes: contact.notes,
        storedStart: contact.contactStartTime === null ? null : instantOfLondonDateTime(contact.contactStartTime),
        storedEnd: contact.contactEndTime === null ? null : instantOfLondonDateTime(contact.contactEndTime)
      }))
    )
  )
})

/**
 * §7.1 steps 2–3: an appointment that started in the past needs an outcome (400, with telemetry), and a future one
 * must not clash with another future appointment of the person (409, §7.2 — the only 409).
 */
const checkTimes = Effect.fnUntraced(function* (
  { contacts, telemetry }: Pick<WorkflowServices, "contacts" | "telemetry">,
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
) {
  const { endMillis, previousUrn, startMillis, urn } = times
  const start = londonDateTime(startMillis)
  const end = londonDateTime(endMillis)
  if (times.now > startMillis && request.outcome === null) {
    yield* telemetry.trackEvent("PastAppointmentWithoutOutcome", {
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
  /** The URN of the appointment this one replaces (decision Q2). */
  readonly previousUrn: string | null
  readonly assignment: Pick<NewAppointment, "probationAreaId" | "teamId" | "staffId">
  readonly outcome: AppointmentOutcome | null
  readonly known: KnownNsi
  readonly ctx: OutcomeContext
  readonly audit: AuditParameters
}

/** Step 5c: nothing found, so the appointment contact is created (CRSAPT when it counts towards RAR, else CRSSAA). */
const createAppointment = Effect.fnUntraced(function* (
  services: WorkflowServices,
  scope: MergeScope,
  notes: string | null
) {
  const { request, nsi, ctx } = scope
  const { reference } = services
  const typeCode = request.countsTowardsRar ? "CRSAPT" : "CRSSAA"
  const type = yield* reference.contactType(typeCode).pipe(require("ContactType", "code", typeCode))
  // Step 7's notes are written with the new row rather than by a second UPDATE, so a brand-new contact has
  // ROW_VERSION 0 (§8.2) like the reference's single insert at flush.
  const created = yield* insertAppointmentContact(
    services,
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
  if (scope.outcome !== null) yield* applyOutcome(services, created, scope.outcome, ctx, {}, scope.known)
  return created.contactId
})

/**
 * Steps 6–7 and the re-key change the contact in one UPDATE, and only when something changes (§8.2: ROW_VERSION and
 * LAST_UPDATED_* move once per entity update), so an identical merge re-sent leaves the row untouched and cannot break
 * a Delius user's optimistic lock. Step 9's outcome joins that UPDATE.
 */
const updateAppointment = Effect.fnUntraced(function* (
  services: WorkflowServices,
  scope: MergeScope,
  contact: Contact,
  changes: MergeChanges
) {
  yield* scope.audit.set("contactId", contact.contactId)
  if (scope.outcome !== null)
    yield* applyOutcome(services, { ...contact, ...changes }, scope.outcome, scope.ctx, changes, scope.known)
  else if (Object.keys(changes).length > 0) yield* services.contacts.update(contact.contactId, changes, scope.ctx)
  return contact.contactId
})

/**
 * Step 8: a replacement at the new time (on the original's person, event, NSI and manager), and the original outcomed
 * RSSR / RSOF in one UPDATE with its step 6–7 changes; an outcome sent is the replacement's.
 */
const rescheduleAppointment = Effect.fnUntraced(function* (
  services: WorkflowServices,
  scope: MergeScope,
  contact: Contact,
  plan: Pick<MergePlan & { kind: "reschedule" }, "changes" | "outcomeCode" | "replacementNotes">
) {
  const { contacts, reference } = services
  const { assignment, ctx } = scope
  yield* scope.audit.set("contactId", contact.contactId)
  const replacement = yield* insertAppointmentContact(
    services,
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
  if (scope.outcome !== null) yield* applyOutcome(services, replacement, scope.outcome, ctx, {}, scope.known)
  return replacement.contactId
})

/** §7.1 step 4: the office location's id; none asked, none set. */
const resolveLocation = Effect.fnUntraced(function* (
  { organisation, telemetry }: Pick<WorkflowServices, "organisation" | "telemetry">,
  crn: string,
  code: string | null,
  today: string
) {
  if (code === null) return null
  const [location, ...others] = yield* organisation.activeOfficeLocations(code, today)
  if (location === undefined) return yield* NotFound.of("Location", "code", code)
  // §7.1 step 4 "multiple → error": Delius is inconsistent (500), not a clash (409 is §7.2's only).
  if (others.length > 0) {
    return yield* inconsistentData(telemetry, `More than one active office location has code ${code}`, {
      crn,
      officeLocationCode: code
    })
  }
  return location.officeLocationId
})

/** §7.5: the session feedback's outcome applied to the appointment contact, its notes appended once. */
const recordFeedback = Effect.fnUntraced(function* (
  services: WorkflowServices,
  ctx: OutcomeContext,
  update: FeedbackUpdate
) {
  const found = yield* findAppointmentContact(services, {
    crn: update.crn,
    urn: appointmentUrn(update.appointmentId),
    previousUrn: null,
    deliusId: update.deliusId,
    referralReference: update.referralReference,
    referralUrn: referralUrn(update.referralId),
    workflow: "Feedback Submitted"
  })
  if (Option.isNone(found)) return yield* appointmentNotFound(services, update)
  const contact = found.value
  // §7.5 step 2: notes appended once — in the same UPDATE as the outcome (one ROW_VERSION step, §8.2).
  const notes = containsNotes(contact.notes, update.notes) ? contact.notes : appendNotes(contact.notes, update.notes)
  yield* applyOutcome(services, { ...contact, notes }, update.outcome, ctx, notes === contact.notes ? {} : { notes })
})

/** §7.5 step 1: `AppointmentNotFoundException` → Rejected, with the reason support engineers need. */
const appointmentNotFound = Effect.fnUntraced(function* (
  { contacts, nsis }: Pick<WorkflowServices, "contacts" | "nsis">,
  update: FeedbackUpdate
) {
  const [nsi] = yield* nsis.trace(update.crn, referralUrn(update.referralId))
  const softDeleted = yield* contacts.softDeletedFlag(
    update.crn,
    appointmentUrn(update.appointmentId),
    update.deliusId ?? -1
  )
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
