/**
 * Refer and Monitor's own view of a referral, read through its API (not through an event's `detailUrl`): the sent
 * referral, its supplier assessment, its current action plan and that plan's delivery sessions. Paths and shapes are
 * hmpps-interventions-service's controllers (`ReferralController`, `ActionPlanController`, `DeliverySessionController`)
 * and DTOs; as for the callbacks (`schemas.ts`) only the fields used are declared and explicit nulls mean "absent".
 *
 * The calls go through `ReferAndMonitorClient.get`, so the client-credentials token and the
 * `MESSAGING_CONSUMER_DETAIL_URLS` allow-list (§5.3) apply unchanged; the base URL (`REFER_AND_MONITOR_URL`) must
 * itself be an allowed origin, checked when the settings are read.
 */

import { Config, ConfigError, Effect, Option, Schema } from "effect"
import { IsoDateTime } from "../domain/index.js"
import { NotFound, type ReferAndMonitorError } from "../errors.js"
import { DETAIL_URLS_VARIABLE, devReferAndMonitorPort, httpOrigin, referAndMonitorSettings } from "./config.js"
import { ReferAndMonitorClient } from "./ReferAndMonitorClient.js"
import { AppointmentFeedback, DeliusId, SentReferral } from "./schemas.js"

const optionalNullable = <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  Schema.optionalWith(schema, { nullable: true, exact: true })

export const REFER_AND_MONITOR_URL_VARIABLE = "REFER_AND_MONITOR_URL"
export const REFER_AND_MONITOR_UI_URL_VARIABLE = "REFER_AND_MONITOR_UI_URL"

/** The R&M UI of production: the base of the links in the dev dataset's notes (dev-dataset.md §6). */
export const productionUiUrl = "https://refer-monitor-intervention.service.justice.gov.uk"

// --- shapes (hmpps-interventions-service dto/) ----------------------------------------------------------------------

/** `SentReferralDTO`: the callback's fields (§5.4) plus the action plans. */
export const SentReferralView = Schema.Struct({
  ...SentReferral.fields,
  id: Schema.UUID,
  serviceUserCRN: optionalNullable(Schema.String),
  currentActionPlanId: optionalNullable(Schema.UUID),
  approvedActionPlanIds: Schema.optionalWith(Schema.Array(Schema.UUID), { nullable: true, default: () => [] })
}).annotations({ identifier: "SentReferralView" })
export interface SentReferralView extends Schema.Schema.Type<typeof SentReferralView> {}

/** `AppointmentDTO`: one appointment of a supplier assessment, or an earlier appointment of a delivery session. */
export const AppointmentView = Schema.Struct({
  id: Schema.UUID,
  appointmentTime: optionalNullable(IsoDateTime),
  durationInMinutes: optionalNullable(Schema.Number),
  npsOfficeCode: optionalNullable(Schema.String),
  superseded: Schema.optionalWith(Schema.Boolean, { nullable: true, default: () => false }),
  appointmentFeedback: AppointmentFeedback
}).annotations({ identifier: "AppointmentView" })
export interface AppointmentView extends Schema.Schema.Type<typeof AppointmentView> {}

/** `SupplierAssessmentDTO` */
export const SupplierAssessmentView = Schema.Struct({
  id: Schema.UUID,
  appointments: Schema.Array(AppointmentView),
  currentAppointmentId: optionalNullable(Schema.UUID),
  referralId: Schema.UUID
}).annotations({ identifier: "SupplierAssessmentView" })
export interface SupplierAssessmentView extends Schema.Schema.Type<typeof SupplierAssessmentView> {}

/** `ActionPlanDTO` */
export const ActionPlanView = Schema.Struct({
  id: Schema.UUID,
  referralId: Schema.UUID,
  numberOfSessions: optionalNullable(Schema.Number),
  submittedAt: optionalNullable(IsoDateTime),
  approvedAt: optionalNullable(IsoDateTime)
}).annotations({ identifier: "ActionPlanView" })
export interface ActionPlanView extends Schema.Schema.Type<typeof ActionPlanView> {}

/** `DeliverySessionDTO`: the current appointment's fields are the session's own; earlier ones in `oldAppointments`. */
export const DeliverySessionView = Schema.Struct({
  id: Schema.UUID,
  sessionNumber: Schema.Number,
  appointmentId: optionalNullable(Schema.UUID),
  appointmentTime: optionalNullable(IsoDateTime),
  durationInMinutes: optionalNullable(Schema.Number),
  npsOfficeCode: optionalNullable(Schema.String),
  deliusAppointmentId: optionalNullable(DeliusId),
  appointmentFeedback: AppointmentFeedback,
  oldAppointments: Schema.optionalWith(Schema.Array(AppointmentView), { nullable: true, default: () => [] })
}).annotations({ identifier: "DeliverySessionView" })
export interface DeliverySessionView extends Schema.Schema.Type<typeof DeliverySessionView> {}

/** Everything R&M says about one referral. */
export interface ReferAndMonitorReferral {
  readonly sent: SentReferralView
  readonly supplierAssessment: SupplierAssessmentView | null
  readonly actionPlan: ActionPlanView | null
  readonly sessions: ReadonlyArray<DeliverySessionView>
}

// --- settings -------------------------------------------------------------------------------------------------------

export interface ReferAndMonitorUrls {
  /** R&M API base, no trailing slash. */
  readonly api: string
  /** R&M UI base for the links in notes; `undefined` when not configured outside dev mode. */
  readonly ui: string | undefined
}

const trimmed = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Config.map((value) =>
      value.pipe(
        Option.map((text) => text.trim().replace(/\/+$/, "")),
        Option.filter((text) => text !== "")
      )
    )
  )

/**
 * `REFER_AND_MONITOR_URL` (dev mode: the local stub) and `REFER_AND_MONITOR_UI_URL` (dev mode: production's UI, as
 * the dev dataset's notes). The API URL's origin must be one the bearer token may go to (§5.3): otherwise a
 * configuration error naming both settings, before any call.
 */
export const referAndMonitorUrls: Effect.Effect<ReferAndMonitorUrls, ConfigError.ConfigError> = Effect.gen(
  function* () {
    const settings = yield* referAndMonitorSettings
    const devMode = settings.auth === undefined
    const configured = yield* trimmed(REFER_AND_MONITOR_URL_VARIABLE)
    const ui = Option.getOrUndefined(yield* trimmed(REFER_AND_MONITOR_UI_URL_VARIABLE))
    if (Option.isNone(configured) && !devMode) {
      return yield* Effect.fail(
        ConfigError.MissingData([REFER_AND_MONITOR_URL_VARIABLE], `${REFER_AND_MONITOR_URL_VARIABLE} is not set`)
      )
    }
    const api = Option.isSome(configured) ? configured.value : `http://localhost:${yield* devReferAndMonitorPort}`
    const origin = Option.getOrUndefined(httpOrigin(api))
    if (origin === undefined || !settings.detailUrlOrigins.origins.includes(origin)) {
      const why = origin === undefined ? "is not an absolute http(s) URL" : `has origin ${origin}, which`
      return yield* Effect.fail(
        ConfigError.InvalidData(
          [REFER_AND_MONITOR_URL_VARIABLE],
          `${REFER_AND_MONITOR_URL_VARIABLE} (${api}) ${why}${origin === undefined ? "" : ` is not one of ${DETAIL_URLS_VARIABLE} (${settings.detailUrlOrigins.origins.join(", ") || "not set"})`}: the R&M token may only go to those origins; set ${REFER_AND_MONITOR_URL_VARIABLE} to one of them or add its origin to ${DETAIL_URLS_VARIABLE}`
        )
      )
    }
    return { api, ui: ui ?? (devMode ? productionUiUrl : undefined) }
  }
)

// --- reads ----------------------------------------------------------------------------------------------------------

/** A 404 is "R&M has none" (e.g. no supplier assessment yet); every other failure stays a failure. */
const orNullWhenNotFound = <A>(
  effect: Effect.Effect<A | null, ReferAndMonitorError>
): Effect.Effect<A | null, ReferAndMonitorError> =>
  Effect.catchIf(
    effect,
    (error) => error.status === 404,
    () => Effect.succeed(null)
  )

/**
 * R&M's view of `referralId` at `apiUrl`: `GET /sent-referral/{id}` (NotFound when R&M has no such sent referral),
 * `GET /sent-referral/{id}/supplier-assessment`, and for the current action plan (else the latest approved one)
 * `GET /action-plan/{id}` and `GET /action-plan/{id}/appointments` — the only list of a referral's sessions R&M has.
 */
export const readReferAndMonitorReferral = (
  apiUrl: string,
  referralId: string
): Effect.Effect<ReferAndMonitorReferral, NotFound | ReferAndMonitorError, ReferAndMonitorClient> =>
  Effect.gen(function* () {
    const client = yield* ReferAndMonitorClient
    const referralUrl = `${apiUrl}/sent-referral/${referralId}`
    const sent = yield* orNullWhenNotFound(client.get(referralUrl, SentReferralView))
    if (sent === null) return yield* new NotFound({ message: `Refer and Monitor has no sent referral ${referralId}` })
    const supplierAssessment = yield* orNullWhenNotFound(
      client.get(`${referralUrl}/supplier-assessment`, SupplierAssessmentView)
    )
    const planId = sent.currentActionPlanId ?? sent.approvedActionPlanIds.at(-1)
    if (planId === undefined) return { sent, supplierAssessment, actionPlan: null, sessions: [] }
    const planUrl = `${apiUrl}/action-plan/${planId}`
    const actionPlan = yield* orNullWhenNotFound(client.get(planUrl, ActionPlanView))
    const sessions = yield* orNullWhenNotFound(client.get(`${planUrl}/appointments`, Schema.Array(DeliverySessionView)))
    return { sent, supplierAssessment, actionPlan, sessions: sessions ?? [] }
  })
