/**
 * Domain-event dispatch (spec §5.2). Every message ends in exactly one of:
 * - Success: handled; telemetry named after the event (ReferralEnded, …); the host deletes the message.
 * - Rejected: can never succeed (unknown referral/appointment); `ReferAndMonitorFailureReport`; deleted.
 * - Unhandled: an event type with no handler; `UnhandledEventReceived`; deleted.
 * - Failure: anything else; telemetry named after the failure; the host leaves it for SQS to redeliver, and the
 *   queue's redrive policy (maxReceiveCount 3) moves it to the DLQ. Nothing partial is written: every workflow is
 *   one transaction.
 * No exception escapes `handleDomainEvent`.
 */

import { Clock, Config, Context, Duration, Effect, Either, Layer, Option, Schedule } from "effect"
import { ActionPlan } from "../action-plan/ActionPlan.js"
import { Appointment } from "../appointment/Appointment.js"
import { InvalidState, NotFound } from "../errors.js"
import { ReferAndMonitorClient, type ReferAndMonitorClientShape } from "../refer-and-monitor/ReferAndMonitorClient.js"
import { ReferralSession, SentReferral, SupplierAssessment } from "../refer-and-monitor/schemas.js"
import { Referral } from "../referral/Referral.js"
import {
  isReferralEndType,
  latestAssessmentFeedback,
  latestSessionFeedback,
  parseAttended,
  terminationOutcomeCode,
  withdrawalOutcome
} from "../rules/index.js"
import { Telemetry } from "../telemetry/Telemetry.js"
import { type Instant, instantOfMillis, parseInstant } from "../domain/index.js"
import { crnOf, decodeMessage, type DomainEvent, referralIdOf } from "./DomainEvent.js"
import { failureOutcome, type HandlerError, isRetryable } from "./outcome.js"
import { traced } from "../telemetry/spans.js"

export type EventOutcome = "Success" | "Rejected" | "Failure" | "Unhandled"

export interface EventResult {
  readonly outcome: EventOutcome
  readonly eventType: string | null
  readonly messageId: string | null
  readonly telemetryName: string
  readonly properties: Readonly<Record<string, string>>
  /** For Failure: whether retrying can help (infrastructure) — informational; the host retries every Failure. */
  readonly transient: boolean
  readonly message?: string
}

/** A handler failure the reference reported as `IllegalArgumentException` (bad message content). */
const illegalArgument = (message: string) => new InvalidState({ message, exceptionName: "IllegalArgumentException" })
const illegalState = (message: string) => new InvalidState({ message, exceptionName: "IllegalStateException" })

/** `additionalInformation[key]` as text (a number is written out); none when absent or of another type. */
const text = (event: DomainEvent, key: string): Option.Option<string> => {
  const value = event.additionalInformation?.[key]
  return typeof value === "string"
    ? Option.some(value)
    : typeof value === "number"
      ? Option.some(String(value))
      : Option.none()
}
const requireText = (event: DomainEvent, key: string) =>
  Option.match(text(event, key), {
    onNone: () => Effect.fail(illegalArgument(`additionalInformation.${key} is missing`)),
    onSome: Effect.succeed
  })

export const withdrawalReasonEnabled = Config.boolean("FEATURE_REFERRAL_WITHDRAWAL_REASON").pipe(
  Config.withDefault(true)
)

export class EventHandlerConfig extends Context.Tag("@ram-delius/core/EventHandlerConfig")<
  EventHandlerConfig,
  { readonly withdrawalReasonEnabled: boolean; readonly retrySchedule: Schedule.Schedule<unknown, unknown> }
>() {
  /** §5.2 step 6: transient failures are retried in-process, 3 attempts with 100 ms × attempt² back-off. */
  static readonly defaultRetry = Schedule.recurs(2).pipe(
    Schedule.intersect(Schedule.unfold(1, (n) => n + 1)),
    Schedule.addDelay(([, attempt]) => Duration.millis(100 * attempt * attempt))
  )
  static readonly layer = Layer.effect(
    EventHandlerConfig,
    Effect.map(withdrawalReasonEnabled, (enabled) => ({
      withdrawalReasonEnabled: enabled,
      retrySchedule: EventHandlerConfig.defaultRetry as Schedule.Schedule<unknown, unknown>
    }))
  )
}

/** What the handlers use: the workflows, the R&M client and the handling settings, read once per message. */
const handlerServices = Effect.all({
  referral: Referral,
  appointments: Appointment,
  actionPlans: ActionPlan,
  client: ReferAndMonitorClient,
  config: EventHandlerConfig
})

type HandlerServices = Effect.Effect.Success<typeof handlerServices>

const referralEnded = Effect.fnUntraced(function* (
  { client, config, referral }: HandlerServices,
  { crn, detailUrl, event }: HandlerInput
) {
  const deliveryState = yield* requireText(event, "deliveryState")
  const referralUrn = yield* requireText(event, "referralURN")
  const userUrl = yield* requireText(event, "referralProbationUserURL")
  const sent = yield* client.get(detailUrl, SentReferral)
  if (sent === null) return yield* new NotFound({ message: `Unable to retrieve session: ${detailUrl}` })
  const endDate = sent.concludedAt ?? sent.endRequestedAt
  if (endDate === undefined) return yield* illegalState(`No End Date for Termination: ${referralUrn} => ${crn}`)
  if (!isReferralEndType(deliveryState)) {
    return yield* illegalArgument(`No enum constant ReferralEndType.${deliveryState}`)
  }
  let withdrawal: string | undefined
  if (sent.withdrawalCode !== undefined) {
    if (sent.withdrawalState === undefined) return yield* illegalArgument("Withdrawal state not provided")
    withdrawal = withdrawalOutcome(sent.withdrawalCode, sent.withdrawalState)
  }
  const contractType = sent.referral.contractTypeName
  const provider = sent.referral.serviceProvider.name
  return yield* referral.end({
    crn,
    referralUrn,
    endDate,
    endType: deliveryState,
    outcomeCode: terminationOutcomeCode({
      endType: deliveryState,
      withdrawalOutcome: withdrawal,
      withdrawalReasonEnabled: config.withdrawalReasonEnabled
    }),
    withdrawalOutcome: withdrawal,
    notes: `Referral Ended for ${contractType} Referral ${sent.referenceNumber} with Prime Provider ${provider}\n${userUrl}`,
    notificationDateTime: sent.endOfServiceReport?.submittedAt,
    notificationNotes: `End of Service Report Submitted for ${contractType} Referral ${sent.referenceNumber} with Prime Provider ${provider}\n${userUrl}`,
    relevantSentenceId: sent.relevantSentenceId,
    sentAt: sent.sentAt
  })
})

const actionPlan = (type: "Submitted" | "Approved") =>
  Effect.fnUntraced(function* ({ actionPlans }: HandlerServices, { crn, event, occurredAt }: HandlerInput) {
    yield* actionPlans.record({
      type,
      crn,
      occurredAt,
      referralId: yield* requireText(event, "referralId"),
      referralReference: yield* requireText(event, "referralReference"),
      contractTypeName: yield* requireText(event, "contractTypeName"),
      primeProviderName: yield* requireText(event, "primeProviderName"),
      actionPlanProbationUserUrl: yield* requireText(event, "actionPlanProbationUserUrl")
    })
    return {}
  })

/** The feedback a feedback event points at (§7.5 "Building the update"), from R&M's session or supplier assessment. */
interface SelectedFeedback {
  readonly referralId: string
  readonly deliusId: number | null
  readonly selected: ReturnType<typeof latestSessionFeedback>
}

const appointmentNotRetrieved = (detailUrl: string) => illegalArgument(`Unable to retrieve appointment: ${detailUrl}`)

const sessionFeedback = Effect.fnUntraced(function* (
  client: ReferAndMonitorClientShape,
  event: DomainEvent,
  detailUrl: string
) {
  const referralId = yield* requireText(event, "referralId")
  const session = yield* client.get(detailUrl, ReferralSession)
  if (session === null) return yield* appointmentNotRetrieved(detailUrl)
  const found: SelectedFeedback = {
    referralId,
    deliusId: session.deliusAppointmentId ?? null,
    selected: latestSessionFeedback(session, referralId)
  }
  return found
})

const initialAssessmentFeedback = Effect.fnUntraced(function* (
  client: ReferAndMonitorClientShape,
  event: DomainEvent,
  detailUrl: string
) {
  const assessment = yield* client.get(detailUrl, SupplierAssessment)
  if (assessment === null) return yield* appointmentNotRetrieved(detailUrl)
  const found: SelectedFeedback = {
    referralId: assessment.referralId,
    deliusId: yield* optionalDeliusId(text(event, "deliusAppointmentId")),
    selected: latestAssessmentFeedback(assessment)
  }
  return found
})

/** `additionalInformation.deliusAppointmentId` of an initial-assessment event: absent or "" → none; else digits. */
const optionalDeliusId = (raw: Option.Option<string>) =>
  Option.match(
    Option.filter(raw, (value) => value !== ""),
    {
      onNone: () => Effect.succeed(null),
      onSome: (value) =>
        /^\d+$/.test(value)
          ? Effect.succeed(Number(value))
          : Effect.fail(illegalArgument(`deliusAppointmentId is not a number: ${value}`))
    }
  )

const feedbackSubmitted = <E>(
  source: (
    client: ReferAndMonitorClientShape,
    event: DomainEvent,
    detailUrl: string
  ) => Effect.Effect<SelectedFeedback, E>
) =>
  Effect.fnUntraced(function* ({ appointments, client }: HandlerServices, { crn, detailUrl, event }: HandlerInput) {
    const referralReference = yield* requireText(event, "referralReference")
    const contractTypeName = yield* requireText(event, "contractTypeName")
    const primeProviderName = yield* requireText(event, "primeProviderName")
    const userUrl = yield* requireText(event, "referralProbationUserURL")
    const { deliusId, referralId, selected } = yield* source(client, event, detailUrl)
    // Feedback not yet visible (R&M publishes before it commits, §16): a Failure, so SQS retries later.
    if (Either.isLeft(selected)) return yield* illegalState(selected.left)
    const { appointmentId, feedback } = selected.right
    const attended = parseAttended(feedback.attendanceFeedback.attended ?? "")
    if (Option.isNone(attended)) {
      return yield* illegalArgument(`Unexpected attended value: ${feedback.attendanceFeedback.attended}`)
    }
    yield* appointments.recordFeedback({
      crn,
      appointmentId,
      deliusId,
      referralId,
      referralReference,
      outcome: {
        attended: attended.value,
        didSessionHappen: feedback.attendanceFeedback.didSessionHappen ?? null,
        noSessionReasonType: feedback.sessionFeedback.noSessionReasonType ?? null,
        notify: feedback.sessionFeedback.notify
      },
      // §14: the contract type name is used as given ("… Referral Referral FE4536C …" is expected).
      notes: `Session Feedback Recorded for ${contractTypeName} Referral ${referralReference} with Prime Provider ${primeProviderName}\n${userUrl}`
    })
    return { appointmentId, crn, referralReference }
  })

/** What a handler is given: the event, its CRN, its (present) detail URL and when it occurred (§5.1). */
interface HandlerInput {
  readonly crn: string
  readonly event: DomainEvent
  readonly detailUrl: string
  readonly occurredAt: Instant
}

/**
 * §5.2 steps 2–4, the reference's handler map: each handled event type, the telemetry name of its Success and its
 * handler. An event type not in the table is Unhandled.
 */
export const eventHandlers = {
  "intervention.referral.ended": { successName: "ReferralEnded", handle: referralEnded },
  "intervention.action-plan.submitted": { successName: "ActionPlanSubmitted", handle: actionPlan("Submitted") },
  "intervention.action-plan.approved": { successName: "ActionPlanApproved", handle: actionPlan("Approved") },
  "intervention.initial-assessment-appointment.session-feedback-submitted": {
    successName: "InitialAppointmentSubmitted",
    handle: feedbackSubmitted(initialAssessmentFeedback)
  },
  "intervention.session-appointment.session-feedback-submitted": {
    successName: "SessionAppointmentSubmitted",
    handle: feedbackSubmitted(sessionFeedback)
  }
} satisfies Record<string, EventHandler>

interface EventHandler {
  readonly successName: string
  readonly handle: (
    services: HandlerServices,
    input: HandlerInput
  ) => Effect.Effect<Record<string, string>, HandlerError>
}

const handlerOf = (eventType: string | null): Option.Option<EventHandler> =>
  Option.fromNullable(Object.entries(eventHandlers).find(([type]) => type === eventType)?.[1])

/** A message that can never be handled as it is (the reference's `IllegalArgumentException`): Failure → DLQ. */
const badMessage = (common: Record<string, string>, message: string): Omit<EventResult, "eventType" | "messageId"> => ({
  outcome: "Failure",
  telemetryName: "IllegalArgumentException",
  properties: { ...common, message },
  transient: false,
  message
})

/**
 * Handle one SQS message body. It needs the workflows (Referral, Appointment, ActionPlan), the R&M client,
 * Telemetry and EventHandlerConfig.
 */
export const handleDomainEvent = Effect.fnUntraced(
  function* (body: unknown) {
    const telemetry = yield* Telemetry
    const services = yield* handlerServices
    const decoded = decodeMessage(body)
    const finish =
      (eventType: string | null, messageId: string | null) => (result: Omit<EventResult, "eventType" | "messageId">) =>
        Effect.as(telemetry.trackEvent(result.telemetryName, result.properties), { ...result, eventType, messageId })
    if (Either.isLeft(decoded)) return yield* finish(null, null)(badMessage({ crn: "", referralId: "" }, decoded.left))
    const { event, eventType, messageId } = decoded.right
    const crn = crnOf(event)
    const common = { crn, referralId: referralIdOf(event) }
    const done = finish(eventType, messageId)

    // §5.2 step 1 and §16: a missing or empty detailUrl fails every event type, handled or not.
    const detailUrl = event.detailUrl ?? ""
    if (detailUrl.trim() === "") return yield* done(badMessage(common, "Detail Url Missing"))
    // §5.1: a missing occurredAt defaults to now; one that is present but not a date-time is a bad message (the
    // reference failed to deserialise it), not "now" — it dates the contacts written.
    const parsedAt: Option.Option<Instant> = event.occurredAt
      ? parseInstant(event.occurredAt)
      : Option.some(instantOfMillis(yield* Clock.currentTimeMillis))
    if (Option.isNone(parsedAt)) {
      return yield* done(badMessage(common, `occurredAt is not a date-time: ${event.occurredAt}`))
    }
    const occurredAt = parsedAt.value

    const found = handlerOf(eventType)
    if (Option.isNone(found)) {
      return yield* done({
        outcome: "Unhandled",
        telemetryName: "UnhandledEventReceived",
        properties: { ...common, eventType: eventType ?? "null" },
        transient: false
      })
    }
    const handler = found.value
    const outcome = yield* handler
      .handle(services, { crn, event, detailUrl, occurredAt })
      .pipe(Effect.retry({ schedule: services.config.retrySchedule, while: isRetryable }), Effect.either)
    if (Either.isRight(outcome)) {
      return yield* done({
        outcome: "Success",
        telemetryName: handler.successName,
        properties: { ...common, ...outcome.right },
        transient: false
      })
    }
    return yield* done(failureOutcome(outcome.left, common))
  },
  // A defect (a bug) is still a Failure: the message is retried and lands in the DLQ, the host never crashes.
  Effect.catchAllDefect((defect) =>
    Effect.succeed<EventResult>({
      outcome: "Failure",
      eventType: null,
      messageId: null,
      telemetryName: "RuntimeException",
      properties: { crn: "", referralId: "", message: String(defect) },
      transient: false,
      message: String(defect)
    })
  ),
  traced("handleDomainEvent")
)
