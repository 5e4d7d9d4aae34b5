/**
 * The SQS message body: an SNS `Notification` envelope whose `Message` is the HMPPS domain event as a JSON string,
 * or (tests, replays) the bare domain event (spec §5.1, client-contract.md §3.5, §5.1). The envelope is read here
 * only (`decodeMessage` for the handler, `eventTypeOf` for the queue host's logs and listings, `readEnvelope` for the
 * DLQ tools, which show what they can of a message that will not decode).
 */
import { Either, Schema } from "effect"
import {
  array,
  fastDecoder,
  fastThenSchema,
  nullOr,
  number,
  object,
  reject,
  string,
  withDefault,
  withFastDecode
} from "../refer-and-monitor/fastDecode.js"

const DomainEventFields = Schema.Struct({
  eventType: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  version: Schema.optional(Schema.NullOr(Schema.Number)),
  detailUrl: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  occurredAt: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  additionalInformation: Schema.optionalWith(
    Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
    {
      default: () => ({})
    }
  ),
  personReference: Schema.optionalWith(
    Schema.NullOr(
      Schema.Struct({
        identifiers: Schema.optionalWith(
          Schema.NullOr(Schema.Array(Schema.Struct({ type: Schema.String, value: Schema.String }))),
          { default: () => [] }
        )
      })
    ),
    { default: () => ({ identifiers: [] }) }
  )
})

// --- the fast path (every message is decoded; Schema's interpreter costs several times its JSON.parse) -------------
// The contract is fastDecode.ts's: the Schema's value, or decline and let the Schema decide.

/** `Record({ key: String, value: Unknown })`: the object's own keys, copied (a `__proto__` key goes to the Schema). */
const record = (value: unknown): Record<string, unknown> => {
  const json = object(value)
  const output: Record<string, unknown> = {}
  for (const key of Object.keys(json)) {
    if (key === "__proto__") reject()
    output[key] = json[key]
  }
  return output
}
const identifier = (value: unknown) => {
  const json = object(value)
  return { type: string(json.type), value: string(json.value) }
}
const personReference = (value: unknown) => ({
  identifiers: withDefault(
    object(value).identifiers,
    nullOr((ids) => array(ids).map(identifier)),
    () => []
  )
})

const fastDomainEvent = (value: unknown): typeof DomainEventFields.Type => {
  const json = object(value)
  // The Schema's keys, in its order; the plain `optional` ones only when present.
  const output: Record<string, unknown> = { eventType: withDefault(json.eventType, nullOr(string), () => null) }
  if (json.version !== undefined) output.version = nullOr(number)(json.version)
  output.detailUrl = withDefault(json.detailUrl, nullOr(string), () => null)
  output.occurredAt = withDefault(json.occurredAt, nullOr(string), () => null)
  if (json.description !== undefined) output.description = nullOr(string)(json.description)
  output.additionalInformation = withDefault(json.additionalInformation, nullOr(record), () => ({}))
  output.personReference = withDefault(json.personReference, nullOr(personReference), () => ({ identifiers: [] }))
  return output as typeof DomainEventFields.Type
}

export const DomainEvent = withFastDecode(DomainEventFields, fastDecoder(fastDomainEvent))
export type DomainEvent = typeof DomainEvent.Type

const decodeDomainEvent = fastThenSchema(DomainEvent)

export interface DecodedMessage {
  readonly messageId: string | null
  /** SNS attribute `eventType` first, else the event's own (§5.2 step 2). */
  readonly eventType: string | null
  readonly event: DomainEvent
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export interface Envelope {
  /** The body as parsed: the SNS notification, or the bare event. */
  readonly outer: Record<string, unknown>
  readonly messageId: string | null
  /** The SNS `eventType` message attribute, when the body is an SNS notification that has one. */
  readonly attributeType: string | null
  /** The domain event, not yet decoded: the SNS `Message` parsed, or the bare body. */
  readonly inner: unknown
}

/** The one reading of the SNS envelope (§5.1): text or already-parsed JSON. Left = why it can never be processed. */
export const readEnvelope = (body: unknown): Either.Either<Envelope, string> => {
  let parsed: unknown = body
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body)
    } catch {
      return Either.left("Message body is not JSON")
    }
  }
  if (!isRecord(parsed)) return Either.left("Message body is not a JSON object")
  if (typeof parsed.Message !== "string")
    return Either.right({ outer: parsed, messageId: null, attributeType: null, inner: parsed })
  let inner: unknown
  try {
    inner = JSON.parse(parsed.Message)
  } catch {
    return Either.left("SNS Message is not JSON")
  }
  const attributes = parsed.MessageAttributes
  const attributeType =
    isRecord(attributes) && isRecord(attributes.eventType) && typeof attributes.eventType.Value === "string"
      ? attributes.eventType.Value
      : null
  return Either.right({
    outer: parsed,
    messageId: typeof parsed.MessageId === "string" ? parsed.MessageId : null,
    attributeType,
    inner
  })
}

/** Decode a message body (text or already-parsed JSON). Left = why it can never be processed. */
export const decodeMessage = (body: unknown): Either.Either<DecodedMessage, string> =>
  Either.flatMap(readEnvelope(body), ({ attributeType, inner, messageId }) => {
    const event = decodeDomainEvent(inner)
    if (Either.isLeft(event)) return Either.left("Message is not an HMPPS domain event")
    return Either.right({ messageId, eventType: attributeType ?? event.right.eventType, event: event.right })
  })

/**
 * The event type of a message body, for logs, counters and DLQ listings: the SNS attribute first, else the event's
 * own (§5.2 step 2) — read even from a message that will not decode as a domain event.
 */
export const eventTypeOf = (body: unknown): string | undefined => {
  const envelope = readEnvelope(body)
  if (Either.isLeft(envelope)) return undefined
  if (envelope.right.attributeType !== null) return envelope.right.attributeType
  const { inner } = envelope.right
  return isRecord(inner) && typeof inner.eventType === "string" ? inner.eventType : undefined
}

export const crnOf = (event: DomainEvent): string =>
  event.personReference?.identifiers?.find((i) => i.type === "CRN")?.value ?? ""

/** `additionalInformation.referralId` as a string, or "" (common telemetry fields, §5.2). */
export const referralIdOf = (event: DomainEvent): string => {
  const value = event.additionalInformation?.referralId
  return value === undefined || value === null ? "" : String(value)
}
