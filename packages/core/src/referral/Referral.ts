import { Context, Effect, Layer, Option, Schema } from "effect"
import { referralUrn, Uuid } from "../domain/index.js"
import { personNotFound } from "../delius/DeliusContext.js"
import type { WriteContext } from "../delius/repositories/common.js"
import type { NsiChanges } from "../delius/repositories/NsiRepository.js"
import { require } from "../delius/require.js"
import {
  BadRequest,
  type DatabaseError,
  type InconsistentData,
  InvalidState,
  type NotFound,
  Unprocessable
} from "../errors.js"
import { appendNotes, referralNotFoundReason } from "../rules/index.js"
import { ContractTypes } from "./ContractTypes.js"
import { type Instant, IsoDateTime, londonDate, londonDateTime, londonZonedString } from "../domain/index.js"
import { crsAssignment, findReferralNsi, insertNsiContact } from "./nsiContacts.js"
import {
  type PersonScope,
  personWorkflow,
  type WorkflowServices,
  workflowServices
} from "../workflows/personWorkflow.js"

/** Body of `PUT /probation-case/{crn}/referrals` (spec §4.1); every field required, unknown fields ignored. */
export class ReferralStarted extends Schema.Class<ReferralStarted>("ReferralStarted")({
  referralId: Uuid,
  startedAt: IsoDateTime,
  contractType: Schema.String,
  sentenceId: Schema.Int,
  notes: Schema.String
}) {}

/** What ending a referral needs (spec §5.4 steps 2–6, §6.5), computed by the event handler from the callback. */
export interface ReferralEnd {
  readonly crn: string
  readonly referralUrn: string
  readonly endDate: Instant
  readonly endType: string
  readonly outcomeCode: string
  readonly withdrawalOutcome: string | undefined
  readonly notes: string
  readonly notificationDateTime: Instant | undefined
  readonly notificationNotes: string
  /** For the rejection telemetry when the NSI cannot be found (§5.4). */
  readonly relevantSentenceId: number | null
  readonly sentAt: Instant
}

/** Referral (NSI) workflows: start (find or create, §6.3) and end (terminate, §6.5). */
export interface ReferralShape {
  /** 404 for an unknown person or sentence, 400 for a committal for PSS breach or an unknown contract type. */
  readonly start: (
    crn: string,
    request: ReferralStarted
  ) => Effect.Effect<void, NotFound | BadRequest | InvalidState | InconsistentData | DatabaseError>
  /** The telemetry properties of the ending; Unprocessable when the referral's NSI cannot be found (§5.4). */
  readonly end: (
    input: ReferralEnd
  ) => Effect.Effect<Record<string, string>, NotFound | Unprocessable | InconsistentData | DatabaseError>
}

export class Referral extends Context.Tag("@ram-delius/core/Referral")<Referral, ReferralShape>() {
  /** The workflows' services and the contract types, resolved once, when the layer is built (personWorkflow.ts). */
  static readonly make = Effect.gen(function* () {
    const services = yield* workflowServices
    const contractTypes = yield* ContractTypes
    return {
      start: (crn, request) =>
        personWorkflow(
          services,
          "Referral.start",
          crn,
          {
            audit: { interaction: "NIBI009" },
            personNotFound: Effect.failSync(() => personNotFound(crn)),
            success: () => ["ReferralStarted", { crn, referralId: request.referralId }]
          },
          (person) => start(services, contractTypes, person, crn, request)
        ),
      end: (input) =>
        personWorkflow(
          services,
          "Referral.end",
          input.crn,
          {
            audit: { interaction: "NIBI009" },
            // No such person: no NSI row can exist for it either (§5.4 rejection).
            personNotFound: Effect.failSync(() =>
              referralNotFoundError(input, referralNotFoundReason({ nsiRowExists: false, nsiSoftDeleted: false }))
            )
          },
          (person) => end(services, person, input)
        )
    } satisfies ReferralShape
  })

  static readonly layer = Layer.effect(Referral, Referral.make)
}

type ContractTypesShape = typeof ContractTypes.Service

/** §6.3: find or create the referral's NSI and bring it in line with the request. */
const start = Effect.fnUntraced(function* (
  services: WorkflowServices,
  contractTypes: ContractTypesShape,
  { audit, ctx, offenderId }: PersonScope,
  crn: string,
  request: ReferralStarted
) {
  const { nsis, reference } = services
  const urn = referralUrn(request.referralId)
  yield* audit.set("offenderId", offenderId)
  // Under the person lock a concurrent identical PUT has either committed its NSI (found here) or is waiting:
  // exactly one NSI per referral (decision Q1, §14 "lost race").
  const found = yield* findReferralNsi(services, crn, urn)
  const nsi = Option.isSome(found)
    ? found.value
    : yield* createNsi(services, contractTypes, offenderId, urn, request, ctx)
  yield* audit.set("nsiId", nsi.nsiId)
  // §6.3 step 3: bring an existing NSI in line with the request — one UPDATE, so ROW_VERSION moves once (§8.2).
  const startedAt = londonDateTime(request.startedAt.epochMillis)
  const changes: { -readonly [K in keyof NsiChanges]: NsiChanges[K] } = {}
  if (nsi.notes !== request.notes) changes.notes = request.notes
  if (nsi.actualStartDate !== startedAt) changes.actualStartDate = startedAt
  if (nsi.statusCode !== "INPROG") {
    const status = yield* reference.nsiStatus("INPROG").pipe(require("NsiStatus", "code", "INPROG"))
    // Outcome, actual end date and active flag are not reset: a terminated NSI is re-opened to INPROG only.
    changes.nsiStatusId = status.nsiStatusId
    changes.nsiStatusDate = startedAt
    yield* nsis.insertStatusHistory(
      { nsiId: nsi.nsiId, nsiStatusId: status.nsiStatusId, nsiStatusDate: startedAt, notes: request.notes },
      ctx
    )
    if (status.contactTypeId !== null)
      yield* insertNsiContact(services, nsi, status.contactTypeId, startedAt, null, ctx)
  }
  yield* nsis.update(nsi.nsiId, changes, ctx)
})

/** §6.3 step 2: create the NSI, its manager, status history and the NREF / status / NCOM contacts. */
const createNsi = Effect.fnUntraced(function* (
  services: WorkflowServices,
  contractTypes: ContractTypesShape,
  offenderId: number,
  urn: string,
  request: ReferralStarted,
  ctx: WriteContext
) {
  const { events, nsis, reference } = services
  const disposal = yield* events
    .disposalForEvent(offenderId, request.sentenceId)
    .pipe(require("Event", "id", request.sentenceId))
  // §14: Delius does not allow an intervention on a committal for PSS breach.
  if (disposal.disposalTypeCode === "326") {
    return yield* new BadRequest({ message: "Cannot add referral to Committal for PSS Breach" })
  }
  const requirement = yield* events.rarRequirement(offenderId, disposal.disposalId)
  const nsiTypeCode = contractTypes.nsiTypeFor(request.contractType)
  if (Option.isNone(nsiTypeCode)) {
    // Decision Q5: an unknown contract type is bad input, not a 500.
    return yield* new BadRequest({ message: `Unexpected contract type: ${request.contractType}` })
  }
  const nsiType = yield* reference.nsiType(nsiTypeCode.value).pipe(require("NsiType", "code", nsiTypeCode.value))
  const status = yield* reference.nsiStatus("INPROG").pipe(require("NsiStatus", "code", "INPROG"))
  const assignment = yield* crsAssignment(services)
  const referralType = yield* reference.contactType("NREF").pipe(require("ContactType", "code", "NREF"))
  const commencedType = yield* reference.contactType("NCOM").pipe(require("ContactType", "code", "NCOM"))
  const startedAt = londonDateTime(request.startedAt.epochMillis)
  const nsiId = yield* nsis.insert(
    {
      offenderId,
      nsiTypeId: nsiType.id,
      nsiStatusId: status.nsiStatusId,
      nsiStatusDate: startedAt,
      referralDate: londonDate(request.startedAt.epochMillis),
      actualStartDate: startedAt,
      notes: request.notes,
      externalReference: urn,
      intendedProviderId: assignment.probationAreaId,
      eventId: disposal.eventId,
      rqmntId: Option.getOrNull(requirement)
    },
    ctx
  )
  yield* nsis.insertManager({ nsiId, ...assignment, startDate: startedAt }, ctx)
  yield* nsis.insertStatusHistory(
    { nsiId, nsiStatusId: status.nsiStatusId, nsiStatusDate: startedAt, notes: request.notes },
    ctx
  )
  const nsiRef = { nsiId, offenderId, eventId: disposal.eventId }
  yield* insertNsiContact(services, nsiRef, referralType.contactTypeId, startedAt, null, ctx)
  if (status.contactTypeId !== null)
    yield* insertNsiContact(services, nsiRef, status.contactTypeId, startedAt, null, ctx)
  yield* insertNsiContact(services, nsiRef, commencedType.contactTypeId, startedAt, null, ctx)
  const created = yield* nsis.findById(nsiId)
  if (Option.isNone(created)) {
    return yield* new InvalidState({
      message: `Unable to find or create NSI for ${urn}`,
      exceptionName: "IllegalStateException"
    })
  }
  return created.value
})

/** §6.5: terminate the referral's NSI; the telemetry properties of the ending. */
const end = Effect.fnUntraced(function* (
  services: WorkflowServices,
  { audit, ctx, offenderId }: PersonScope,
  input: ReferralEnd
) {
  const { contacts, nsis, reference } = services
  yield* audit.set("offenderId", offenderId)
  const found = yield* findReferralNsi(services, input.crn, input.referralUrn)
  if (Option.isNone(found)) return yield* referralNotFound(services, input)
  const nsi = found.value
  yield* audit.set("nsiId", nsi.nsiId)
  const completed = yield* reference.nsiStatus("COMP").pipe(require("NsiStatus", "code", "COMP"))
  const outcome = yield* reference
    .referenceData("NSI OUTCOME", input.outcomeCode)
    .pipe(require("NsiOutcome", "code", input.outcomeCode))
  const endDate = londonDateTime(input.endDate.epochMillis)
  // Steps 4–6 change the NSI in one UPDATE at the end, so ROW_VERSION moves once (§8.2).
  const changes: { -readonly [K in keyof NsiChanges]: NsiChanges[K] } = {}
  let statusDate = nsi.nsiStatusDate
  if (nsi.statusCode !== "COMP") {
    const notes = nsi.notes === null ? input.notes : `${nsi.notes}\n${input.notes}`
    statusDate = endDate
    changes.nsiStatusId = completed.nsiStatusId
    changes.nsiStatusDate = endDate
    changes.notes = notes
    yield* nsis.insertStatusHistory(
      { nsiId: nsi.nsiId, nsiStatusId: completed.nsiStatusId, nsiStatusDate: endDate, notes },
      ctx
    )
    const withdrawn = yield* reference.contactOutcome("APPW").pipe(require("ContactOutcome", "code", "APPW"))
    yield* contacts.withdrawFutureAppointments(nsi.nsiId, ctx.today, {
      id: withdrawn.contactOutcomeTypeId,
      attended: withdrawn.outcomeAttendance,
      complied: withdrawn.outcomeCompliantAcceptable
    })
    if (completed.contactTypeId !== null)
      yield* insertNsiContact(services, nsi, completed.contactTypeId, endDate, null, ctx)
  }
  if (nsi.nsiOutcomeId !== outcome.id) {
    const terminated = yield* reference.contactType("NTER").pipe(require("ContactType", "code", "NTER"))
    changes.nsiOutcomeId = outcome.id
    yield* insertNsiContact(
      services,
      nsi,
      terminated.contactTypeId,
      statusDate,
      appendNotes(null, `NSI Terminated with Outcome: ${outcome.description ?? outcome.code}`),
      ctx
    )
  }
  if (nsi.actualEndDate !== endDate) {
    changes.actualEndDate = endDate
    changes.activeFlag = 0
  }
  yield* nsis.update(nsi.nsiId, changes, ctx)
  if (input.notificationDateTime !== undefined) {
    const notified = londonDateTime(input.notificationDateTime.epochMillis)
    const exists = yield* contacts.existsNsiNote(
      nsi.nsiId,
      "CRSNOTE",
      notified.slice(0, 10),
      "End of Service Report Submitted"
    )
    if (!exists) {
      const note = yield* reference.contactType("CRSNOTE").pipe(require("ContactType", "code", "CRSNOTE"))
      yield* insertNsiContact(
        services,
        nsi,
        note.contactTypeId,
        notified,
        appendNotes(null, input.notificationNotes),
        ctx
      )
    }
  }
  const properties: Record<string, string> = {
    crn: input.crn,
    referralUrn: input.referralUrn,
    endDate: londonZonedString(input.endDate.epochMillis),
    endType: input.endType,
    ...(input.withdrawalOutcome !== undefined ? { withdrawalOutcome: input.withdrawalOutcome } : {})
  }
  return properties
})

/** §5.4: `ReferralNotFoundException` → Rejected (acknowledged) with the reason the NSI could not be found. */
const referralNotFound = Effect.fnUntraced(function* ({ nsis }: Pick<WorkflowServices, "nsis">, input: ReferralEnd) {
  const rows = yield* nsis.trace(input.crn, input.referralUrn)
  const reason = referralNotFoundReason({
    nsiRowExists: rows.length > 0,
    nsiSoftDeleted: rows.length > 0 && rows.every((r) => r.softDeleted === 1)
  })
  return yield* referralNotFoundError(input, reason)
})

const referralNotFoundError = (input: ReferralEnd, reason: string) =>
  new Unprocessable({
    message: "Referral Not Found",
    properties: {
      referralUrn: input.referralUrn,
      crn: input.crn,
      ...(input.relevantSentenceId !== null ? { eventId: String(input.relevantSentenceId) } : {}),
      date: londonDate(input.sentAt.epochMillis),
      reason
    }
  })
