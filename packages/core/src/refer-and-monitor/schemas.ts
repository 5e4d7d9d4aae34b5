/**
 * Bodies of the Refer and Monitor endpoints this service calls back on `detailUrl` (spec §5.4, §5.6;
 * client-contract.md §4.2–§4.4). Only the fields the service uses are declared: unknown fields are ignored (§2.1,
 * Schema's default `onExcessProperty: "ignore"`). R&M writes nulls explicitly (client-contract.md §4.1, §16), so every
 * optional field also accepts `null`, which decodes as "absent".
 */

import { Option, ParseResult, Schema } from "effect"
import { IsoDateTime } from "../domain/index.js"
import {
  aliased,
  array,
  boolean,
  fastDecoder,
  instant,
  member,
  number,
  object,
  orDefault,
  reject,
  setOptional,
  string,
  uuid,
  withFastDecode
} from "./fastDecode.js"

/** Optional field that also accepts an explicit `null` (decoded as absent, so the decoded key is `?:`). */
const optionalNullable = <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  Schema.optionalWith(schema, { nullable: true, exact: true })

/**
 * Accepts the alternative JSON keys the reference service declares with `@JsonAlias` (§5.4: `provider`,
 * `contractType`; §5.6: `deliusId`). The canonical key wins when it holds a non-null value, otherwise the alias is used.
 * Renaming happens before the struct is decoded, so decode errors still name the canonical key.
 */
const withKeyAliases = <A, I, R>(schema: Schema.Schema<A, I, R>, aliases: Readonly<Record<string, string>>) =>
  Schema.transform(Schema.Record({ key: Schema.String, value: Schema.Unknown }), schema, {
    strict: false,
    decode: (input) => {
      const output: Record<string, unknown> = { ...input }
      for (const [key, alias] of Object.entries(aliases)) {
        if ((output[key] === undefined || output[key] === null) && output[alias] !== undefined) {
          output[key] = output[alias]
        }
        delete output[alias]
      }
      return output
    },
    encode: (value) => value
  })

// --- enums (case-sensitive, §2.1; an unknown value fails decoding → Failure, §6.6) ----------------------------------

/** One line naming the accepted values, instead of one line per literal. */
const expected = (what: string) => (issue: ParseResult.ParseIssue) => ({
  message: `Expected ${what}, actual ${JSON.stringify(issue.actual)}`,
  override: true
})

const literals = <const L extends readonly [string, ...Array<string>]>(identifier: string, ...values: L) =>
  Schema.Literal(...values).annotations({ identifier, message: expected(`${identifier} (${values.join(", ")})`) })

export const WithdrawalState = literals(
  "WithdrawalState",
  "PRE_ICA_WITHDRAWAL",
  "POST_ICA_WITHDRAWAL",
  "POST_ICA_CLOSE_REFERRAL_EARLY"
)
export type WithdrawalState = typeof WithdrawalState.Type

export const WithdrawalCode = literals(
  "WithdrawalCode",
  "INE",
  "MIS",
  "NOT",
  "NEE",
  "MOV",
  "WOR",
  "USE",
  "ACQ",
  "RET",
  "SER",
  "SEE",
  "EAR",
  "ANO"
)
export type WithdrawalCode = typeof WithdrawalCode.Type

export const NoSessionReasonType = literals("NoSessionReasonType", "LOGISTICS", "POP_ACCEPTABLE", "POP_UNACCEPTABLE")
export type NoSessionReasonType = typeof NoSessionReasonType.Type

/**
 * `withdrawalCode`: one of the 13 codes, absent, `null`, or the empty string `""`, which R&M sends when there is no
 * reason and which means "absent" (§16, client-contract.md §3.4). Anything else fails decoding.
 */
const withdrawalCodeField = Schema.optionalToOptional(
  Schema.NullOr(Schema.Union(WithdrawalCode, Schema.Literal(""))).annotations({
    message: expected(`WithdrawalCode (${WithdrawalCode.literals.join(", ")}), "" or null`)
  }),
  WithdrawalCode,
  {
    decode: Option.filter((code): code is WithdrawalCode => code !== null && code !== ""),
    encode: (code) => code
  }
)

/**
 * A Delius contact id: a JSON number, or a JSON string of digits (the real publisher writes strings, the reference
 * service's fixtures numbers — §16, client-contract.md §3.4). Decoded as a safe integer.
 */
/** The Delius id `value` stands for, or `undefined` (shared by `DeliusId` and its fast path). */
const deliusIdOf = (value: number | string): number | undefined => {
  const id = typeof value === "number" ? value : /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  return Number.isSafeInteger(id) && id >= 0 ? id : undefined
}

export const DeliusId = Schema.transformOrFail(Schema.Union(Schema.Number, Schema.String), Schema.Number, {
  strict: true,
  decode: (value, _, ast) => {
    const id = deliusIdOf(value)
    return id !== undefined
      ? ParseResult.succeed(id)
      : ParseResult.fail(
          new ParseResult.Type(ast, value, `Expected a Delius id (digits), actual ${JSON.stringify(value)}`)
        )
  },
  encode: ParseResult.succeed
}).annotations({ identifier: "DeliusId" })

// --- fast paths (fastDecode.ts): each mirrors the schema it is annotated on, field by field ----------------------

const withdrawalState = member(Schema.is(WithdrawalState))
const withdrawalCode = member(Schema.is(WithdrawalCode))
const noSessionReasonType = member(Schema.is(NoSessionReasonType))
const deliusId = (value: unknown): number =>
  (typeof value === "number" || typeof value === "string" ? deliusIdOf(value) : undefined) ?? reject()

// --- SentReferral (§5.4, client-contract.md §4.2) -------------------------------------------------------------------

const ServiceProvider = Schema.Struct({ name: Schema.String })

const SentReferralDetail = withKeyAliases(
  Schema.Struct({
    serviceProvider: ServiceProvider,
    contractTypeName: Schema.String
  }),
  { serviceProvider: "provider", contractTypeName: "contractType" }
).annotations({ identifier: "Referral" })

const EndOfServiceReport = Schema.Struct({ submittedAt: optionalNullable(IsoDateTime) })

const SentReferralFields = Schema.Struct({
  referenceNumber: Schema.String,
  /** Kotlin `Long` primitive: missing (or null) → 0 (§2.1); only used in rejection telemetry (§5.4). */
  relevantSentenceId: Schema.optionalWith(Schema.Number, { nullable: true, exact: true, default: () => 0 }),
  referral: SentReferralDetail,
  sentAt: IsoDateTime,
  endRequestedAt: optionalNullable(IsoDateTime),
  concludedAt: optionalNullable(IsoDateTime),
  endOfServiceReport: optionalNullable(EndOfServiceReport),
  withdrawalState: optionalNullable(WithdrawalState),
  withdrawalCode: withdrawalCodeField
}).annotations({ identifier: "SentReferral" })

const fastSentReferral = (value: unknown): typeof SentReferralFields.Type => {
  const json = object(value)
  const referral = object(json.referral)
  const output: Record<string, unknown> = {
    referenceNumber: string(json.referenceNumber),
    relevantSentenceId: orDefault(json.relevantSentenceId, number, () => 0),
    referral: {
      serviceProvider: { name: string(object(aliased(referral, "serviceProvider", "provider")).name) },
      contractTypeName: string(aliased(referral, "contractTypeName", "contractType"))
    },
    sentAt: instant(json.sentAt)
  }
  setOptional(output, "endRequestedAt", json.endRequestedAt, instant)
  setOptional(output, "concludedAt", json.concludedAt, instant)
  setOptional(output, "endOfServiceReport", json.endOfServiceReport, (report) => {
    const submitted: Record<string, unknown> = {}
    setOptional(submitted, "submittedAt", object(report).submittedAt, instant)
    return submitted
  })
  setOptional(output, "withdrawalState", json.withdrawalState, withdrawalState)
  // "" is "absent" as null is (withdrawalCodeField).
  if (json.withdrawalCode !== "") setOptional(output, "withdrawalCode", json.withdrawalCode, withdrawalCode)
  return output as typeof SentReferralFields.Type
}

export const SentReferral = withFastDecode(SentReferralFields, fastDecoder(fastSentReferral))
export interface SentReferral extends Schema.Schema.Type<typeof SentReferral> {}

// --- AppointmentFeedback (§5.6, client-contract.md §4.3) ------------------------------------------------------------

const AttendanceFeedback = Schema.Struct({
  /** Kept raw: lower case `yes`/`late`/`no` from R&M, parsed case-insensitively by the outcome rules (§2.1, §5.6). */
  attended: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true, default: () => null }),
  didSessionHappen: optionalNullable(Schema.Boolean),
  submittedAt: optionalNullable(IsoDateTime)
}).annotations({ identifier: "AttendanceFeedback" })

/**
 * `sessionFeedback` with the two notify keys folded into one `notify`: R&M sends both `notifyProbationPractitioner`
 * (the old flag, usually null) and `notifyProbationPractitionerOfBehaviour`; the latter wins when non-null, then the
 * former, and null/absent means **true** (§5.6, §16, client-contract.md §4.3).
 */
const SessionFeedback = Schema.transform(
  Schema.Struct({
    noSessionReasonType: optionalNullable(NoSessionReasonType),
    notifyProbationPractitioner: optionalNullable(Schema.Boolean),
    notifyProbationPractitionerOfBehaviour: optionalNullable(Schema.Boolean)
  }),
  Schema.Struct({
    noSessionReasonType: Schema.optionalWith(NoSessionReasonType, { exact: true }),
    notify: Schema.Boolean
  }),
  {
    strict: true,
    decode: (raw) => ({
      ...(raw.noSessionReasonType === undefined ? {} : { noSessionReasonType: raw.noSessionReasonType }),
      notify: raw.notifyProbationPractitionerOfBehaviour ?? raw.notifyProbationPractitioner ?? true
    }),
    encode: (feedback) => ({
      ...(feedback.noSessionReasonType === undefined ? {} : { noSessionReasonType: feedback.noSessionReasonType }),
      notifyProbationPractitionerOfBehaviour: feedback.notify
    })
  }
).annotations({ identifier: "SessionFeedback" })

/**
 * A missing (or null) `attendanceFeedback` / `sessionFeedback` object is "no feedback yet" (attended null, notify
 * true) rather than a decode failure: the latest-feedback rule then reports "No feedback information available…",
 * which names the referral and session (§5.6).
 */
const AppointmentFeedbackFields = Schema.Struct({
  attendanceFeedback: Schema.optionalWith(AttendanceFeedback, {
    nullable: true,
    exact: true,
    default: () => ({ attended: null })
  }),
  sessionFeedback: Schema.optionalWith(SessionFeedback, {
    nullable: true,
    exact: true,
    default: () => ({ notify: true })
  })
}).annotations({ identifier: "AppointmentFeedback" })

const fastAttendanceFeedback = (value: unknown): typeof AttendanceFeedback.Type => {
  const json = object(value)
  const output: Record<string, unknown> = { attended: orDefault(json.attended, string, () => null) }
  setOptional(output, "didSessionHappen", json.didSessionHappen, boolean)
  setOptional(output, "submittedAt", json.submittedAt, instant)
  return output as typeof AttendanceFeedback.Type
}

const fastSessionFeedback = (value: unknown): typeof SessionFeedback.Type => {
  const json = object(value)
  const output: Record<string, unknown> = {}
  setOptional(output, "noSessionReasonType", json.noSessionReasonType, noSessionReasonType)
  const old = orDefault(json.notifyProbationPractitioner, boolean, () => undefined)
  output.notify = orDefault(json.notifyProbationPractitionerOfBehaviour, boolean, () => undefined) ?? old ?? true
  return output as typeof SessionFeedback.Type
}

const fastAppointmentFeedback = (value: unknown): typeof AppointmentFeedbackFields.Type => {
  const json = object(value)
  return {
    attendanceFeedback: orDefault(json.attendanceFeedback, fastAttendanceFeedback, () => ({ attended: null })),
    sessionFeedback: orDefault(json.sessionFeedback, fastSessionFeedback, () => ({ notify: true }))
  }
}

export const AppointmentFeedback = withFastDecode(AppointmentFeedbackFields, fastDecoder(fastAppointmentFeedback))
export interface AppointmentFeedback extends Schema.Schema.Type<typeof AppointmentFeedback> {}

const AppointmentFields = Schema.Struct({
  id: Schema.UUID,
  appointmentFeedback: AppointmentFeedback
}).annotations({ identifier: "Appointment" })

const fastAppointment = (value: unknown): typeof AppointmentFields.Type => {
  const json = object(value)
  return { id: uuid(json.id), appointmentFeedback: fastAppointmentFeedback(json.appointmentFeedback) }
}

export const Appointment = withFastDecode(AppointmentFields, fastDecoder(fastAppointment))
export interface Appointment extends Schema.Schema.Type<typeof Appointment> {}

// --- ReferralSession (§5.6 session callback, client-contract.md §4.3) ----------------------------------------------

const ReferralSessionFields = withKeyAliases(
  Schema.Struct({
    id: Schema.UUID,
    /** The current appointment; R&M writes null when the session has none (client-contract.md §4.3). */
    appointmentId: Schema.optionalWith(Schema.NullOr(Schema.UUID), { exact: true, default: () => null }),
    /** Kotlin `Int` primitive: missing → 0 (§2.1). */
    sessionNumber: Schema.optionalWith(Schema.Number, { nullable: true, exact: true, default: () => 0 }),
    appointmentTime: optionalNullable(IsoDateTime),
    deliusAppointmentId: optionalNullable(DeliusId),
    appointmentFeedback: AppointmentFeedback,
    oldAppointments: Schema.optionalWith(Schema.Array(Appointment), { nullable: true, exact: true, default: () => [] })
  }),
  { deliusAppointmentId: "deliusId" }
).annotations({ identifier: "ReferralSession" })

const fastReferralSession = (value: unknown): typeof ReferralSessionFields.Type => {
  const json = object(value)
  const output: Record<string, unknown> = {
    id: uuid(json.id),
    appointmentId: orDefault(json.appointmentId, uuid, () => null),
    sessionNumber: orDefault(json.sessionNumber, number, () => 0)
  }
  setOptional(output, "appointmentTime", json.appointmentTime, instant)
  setOptional(output, "deliusAppointmentId", aliased(json, "deliusAppointmentId", "deliusId"), deliusId)
  output.appointmentFeedback = fastAppointmentFeedback(json.appointmentFeedback)
  output.oldAppointments = orDefault(
    json.oldAppointments,
    (old) => array(old).map(fastAppointment),
    () => []
  )
  return output as typeof ReferralSessionFields.Type
}

export const ReferralSession = withFastDecode(ReferralSessionFields, fastDecoder(fastReferralSession))
export interface ReferralSession extends Schema.Schema.Type<typeof ReferralSession> {}

// --- SupplierAssessment (§5.6 initial-assessment callback, client-contract.md §4.4) --------------------------------

const SupplierAssessmentFields = Schema.Struct({
  id: Schema.UUID,
  appointments: Schema.Array(Appointment),
  referralId: Schema.UUID
}).annotations({ identifier: "SupplierAssessment" })

const fastSupplierAssessment = (value: unknown): typeof SupplierAssessmentFields.Type => {
  const json = object(value)
  return {
    id: uuid(json.id),
    appointments: array(json.appointments).map(fastAppointment),
    referralId: uuid(json.referralId)
  }
}

export const SupplierAssessment = withFastDecode(SupplierAssessmentFields, fastDecoder(fastSupplierAssessment))
export interface SupplierAssessment extends Schema.Schema.Type<typeof SupplierAssessment> {}
