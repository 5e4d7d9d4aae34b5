/**
 * The service's HTTP operations, each declared once (as Effect's `HttpApi` declares its endpoints): method, path,
 * role, parameters, request and response Schemas, the statuses it answers, and whether it writes to Delius. The Koa
 * routes (api.ts, queueAdmin.ts) and the OpenAPI document (openapi.ts) are both derived from this table, so the
 * document cannot drift from what the host serves; other tools (a client, a read-only switch) read it as well.
 *
 * Paths are written in OpenAPI form (`/users/{username}/details`); each `{name}` must have an entry in `params`.
 */

import { CaseSchemas, MergeAppointmentBody, ReferralStarted } from "@ram-delius/core"
import { Schema } from "effect"

export type Method = "get" | "put" | "post"

/**
 * Which configured roles open the operation: `api` = `API_ROLES` (spec §3.2), `queueAdmin` = `QUEUE_ADMIN_ROLE`
 * (hmpps-sqs's queue-admin endpoints).
 */
export type Role = "api" | "queueAdmin"

/** A path or query parameter: its Schema from the raw text, and what a 400 says about a value it refuses. */
export interface Parameter<A> {
  readonly schema: Schema.Schema<A, string>
  /** The 400's message for a value the Schema refuses (any text is accepted when the Schema is `Schema.String`). */
  readonly invalid: (name: string, value: string) => string
  /** The OpenAPI parameter's own fields (besides `name`, `in` and `required`). */
  readonly openApi: Readonly<Record<string, unknown>>
}

/** A query parameter that may be left out: `fallback` is used then. */
export interface QueryParameter<A> extends Parameter<A> {
  readonly fallback: A
}

/** A JSON body: a Schema, documented as a component named by its `identifier` annotation. */
export type Body = Schema.Schema<any, any>

export interface Operation {
  readonly methods: readonly [Method, ...Array<Method>]
  readonly path: string
  readonly summary: string
  readonly description?: string
  readonly tags?: ReadonlyArray<string>
  readonly role: Role
  /** Served without a token unless `QUEUE_ADMIN_PROTECT_RETRY_ALL=true` (hmpps-sqs's `retry-all-dlqs`). */
  readonly openUnlessProtected?: boolean
  readonly params: Readonly<Record<string, Parameter<any>>>
  readonly query?: Readonly<Record<string, QueryParameter<any>>>
  /** The JSON body the operation requires (a missing body is a 400). */
  readonly request?: Body
  readonly success: { readonly status: 200 | 204; readonly description: string; readonly body?: Body }
  /** A 404 with an EMPTY body (spec §4.5, §4.10): the handler answers `Option.none()`. */
  readonly absent?: string
  /** The other statuses it answers, with the app's error body (`ErrorBody`). */
  readonly failures: Readonly<Record<number, string>>
  /** Writes to Delius: what a read-only switch (Delius in failover or maintenance) keys on. */
  readonly writesDelius: boolean
}

/** The `{name}`s of an OpenAPI path. */
type PathParameterNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParameterNames<Rest>
  : never

/** The operation, or `never` when its `params` are not exactly its path's `{name}`s. */
type ParamsMatchPath<Op> = Op extends { readonly path: infer P extends string; readonly params: infer Q }
  ? [PathParameterNames<P>] extends [keyof Q]
    ? [keyof Q] extends [PathParameterNames<P>]
      ? Op
      : never
    : never
  : never

/** A table of operations; it does not compile while an operation's params and path disagree. */
const table = <const Ops extends Readonly<Record<string, Operation>>>(
  operations: Ops & { readonly [Id in keyof Ops]: ParamsMatchPath<Ops[Id]> }
): Ops => operations

const show = (value: string) => (value.length > 60 ? `${value.slice(0, 59)}…` : value)

const text = (openApi: Readonly<Record<string, unknown>>): Parameter<string> => ({
  schema: Schema.String,
  invalid: (name, value) => `Path variable ${name} is not valid, was '${show(value)}'`,
  openApi: { schema: { type: "string" }, ...openApi }
})

const crn = text({ example: "T140223" })
const username = text({ description: "A Delius username, or a numeric USER_ID (§4.10)" })

// §4.2: the path's referralId must be a UUID (but the body's referralId is the one used).
const referralId: Parameter<string> = {
  schema: Schema.UUID,
  invalid: (name, value) => `Path variable ${name} must be a UUID, was '${show(value)}'`,
  openApi: {
    description: "Must be a UUID; the body's referralId is the one used",
    schema: { type: "string", format: "uuid" }
  }
}

// An event id is a Delius NUMBER(38) id; anything that is not a whole number is a 400 (§4.6).
const eventId: Parameter<number> = {
  schema: Schema.compose(Schema.String.pipe(Schema.pattern(/^\d{1,16}$/)), Schema.NumberFromString).pipe(
    Schema.filter(Number.isSafeInteger)
  ),
  invalid: (name, value) => `Path variable ${name} must be a number, was '${show(value)}'`,
  openApi: { schema: { type: "integer", format: "int64" } }
}

const queueName = (description: string) => text({ description })
const dlqName = queueName("The DLQ's SQS queue name, e.g. refer-and-monitor-and-delius-dlq")

/** hmpps-sqs's default and the most one call reads. */
const MAX_MESSAGES = 1_000
const maxMessages: QueryParameter<number> = {
  schema: Schema.compose(Schema.String.pipe(Schema.pattern(/^\d{1,4}$/)), Schema.NumberFromString).pipe(
    Schema.filter((n) => n >= 1 && n <= MAX_MESSAGES)
  ),
  invalid: (name) => `${name} must be a whole number from 1 to ${MAX_MESSAGES}`,
  openApi: { schema: { type: "integer", minimum: 1, maximum: MAX_MESSAGES, default: 100 } },
  fallback: 100
}

const AppointmentMerged = Schema.Struct({ appointmentId: Schema.Int }).annotations({
  identifier: "AppointmentMerged",
  description: "The Delius CONTACT_ID of the appointment that now represents the session (§4.2)"
})

/**
 * hmpps-sqs's queue-admin bodies, written out as hmpps-sqs documents them rather than as Schema derives them: `body` is
 * whatever the message held (JSON, or the raw string).
 */
const messagesSchema = { type: "array", items: { $ref: "#/$defs/QueueAdminMessage" } }
const QueueAdminMessage = Schema.Struct({ body: Schema.Unknown, messageId: Schema.String }).annotations({
  identifier: "QueueAdminMessage",
  jsonSchema: {
    type: "object",
    required: ["body", "messageId"],
    properties: {
      body: {
        description: "The message body parsed as JSON (the SNS envelope), or the raw string when it is not JSON"
      },
      messageId: { type: "string" }
    }
  }
})
const RetryDlqResult = Schema.Struct({
  messagesFoundCount: Schema.Int,
  messages: Schema.Array(QueueAdminMessage)
}).annotations({
  identifier: "RetryDlqResult",
  jsonSchema: {
    type: "object",
    required: ["messagesFoundCount", "messages"],
    properties: { messagesFoundCount: { type: "integer" }, messages: messagesSchema }
  }
})
const PurgeQueueResult = Schema.Struct({ messagesFoundCount: Schema.Int }).annotations({
  identifier: "PurgeQueueResult",
  jsonSchema: {
    type: "object",
    required: ["messagesFoundCount"],
    properties: { messagesFoundCount: { type: "integer" } }
  }
})
const GetDlqMessagesResult = Schema.Struct({
  messagesFoundCount: Schema.Int,
  messagesReturnedCount: Schema.Int,
  messages: Schema.Array(QueueAdminMessage)
}).annotations({
  identifier: "GetDlqMessagesResult",
  jsonSchema: {
    type: "object",
    required: ["messagesFoundCount", "messagesReturnedCount", "messages"],
    properties: {
      messagesFoundCount: { type: "integer" },
      messagesReturnedCount: { type: "integer" },
      messages: messagesSchema
    }
  }
})

/** Schemas that only the written-out JSON Schemas above refer to: the OpenAPI document lists them all the same. */
export const referencedSchemas: ReadonlyArray<Body> = [QueueAdminMessage]

/** Every API operation can be refused for its token, and fail for Delius's availability or the request timeout. */
const API_FAILURES = {
  401: "Missing or invalid bearer token",
  403: "The token has none of the accepted roles (API_ROLES)",
  503: "Delius (database or directory) unavailable, or the request timed out"
}
const QUEUE_ADMIN_FAILURES = {
  401: "Missing or invalid bearer token",
  403: "The token does not have QUEUE_ADMIN_ROLE (default ROLE_QUEUE_ADMIN)",
  503: "SQS unavailable"
}
const QUEUE_NOT_FOUND = "No queue of this service has that name: `<name> not found`"
const ok = (body: Body) => ({ status: 200 as const, description: "OK", body })

/** A read of spec §4.3–§4.10: GET, API role, no body, never writes. */
const read = <const P extends string, const Params extends Operation["params"], const B extends Body>(
  path: P,
  summary: string,
  params: Params,
  body: B,
  failures: Operation["failures"] = {}
) =>
  ({
    methods: ["get"],
    path,
    summary,
    role: "api",
    params,
    success: ok(body),
    failures: { ...failures, ...API_FAILURES },
    writesDelius: false
  }) satisfies Operation

/** The service's API (spec §4.1–§4.11), by operation id. */
export const apiOperations = table({
  putReferral: {
    methods: ["put"],
    path: "/probation-case/{crn}/referrals",
    summary: "Referral started: find or create the Delius NSI (§4.1)",
    role: "api",
    params: { crn },
    request: ReferralStarted,
    success: { status: 204, description: "The NSI exists and is in progress" },
    failures: {
      400: "Invalid body, unknown contract type, or a committal for PSS breach",
      404: "Person, event or reference data not found",
      500: "Inconsistent Delius data, named in the message: more than one NSI has the referral's URN (§6.3 step 1)",
      ...API_FAILURES
    },
    writesDelius: true
  },
  putAppointment: {
    methods: ["put"],
    path: "/probation-case/{crn}/referrals/{referralId}/appointments",
    summary: "Create, reschedule or outcome a CRS appointment contact (§4.2)",
    role: "api",
    params: { crn, referralId },
    request: MergeAppointmentBody.annotations({ identifier: "MergeAppointment" }),
    success: ok(AppointmentMerged),
    failures: {
      400: "Invalid body, or a past start without an outcome",
      404: "Referral (NSI), office location or reference data not found",
      // R&M shows every 409 here as a clash (client-contract §2.3), so 409 is the §7.2 clash and nothing else.
      409: "The appointment clashes with an existing future appointment (§7.2); used for nothing else",
      500:
        "Inconsistent Delius data, named in the message: more than one NSI has the referral's URN (§6.3 step 1), " +
        "more than one active office location has the code (§7.1 step 4), or the contact to outcome has no NSI (§4.2)",
      ...API_FAILURES
    },
    writesDelius: true
  },
  getResponsibleOfficer: read(
    "/probation-case/{crn}/responsible-officer",
    "Community (and prison) manager (§4.3)",
    { crn },
    CaseSchemas.ResponsibleOfficer,
    { 404: "No active community manager for the CRN" }
  ),
  getIdentifiers: read(
    "/probation-case/{crn}/identifiers",
    "CRN and NOMS number (§4.4); always 200",
    { crn },
    CaseSchemas.Identifiers
  ),
  getCaseDetails: {
    ...read("/probation-case/{crn}/details", "Case details (§4.5)", { crn }, CaseSchemas.CaseDetail),
    absent: "No such person (empty body)"
  },
  getConvictions: read(
    "/probation-case/{crn}/convictions",
    "Active convictions (§4.6)",
    { crn },
    CaseSchemas.Convictions.annotations({ identifier: "Convictions" }),
    { 404: "No such person" }
  ),
  getConviction: read(
    "/probation-case/{crn}/convictions/{id}",
    "One conviction by event id (§4.6)",
    { crn, id: eventId },
    CaseSchemas.SingleConviction.annotations({ identifier: "SingleConviction" }),
    { 400: "The id is not a number", 404: "No such person or event" }
  ),
  getOfficeLocations: read(
    "/office-locations",
    "Active CRS office locations (§4.7)",
    {},
    Schema.Array(CaseSchemas.OfficeLocation),
    { 404: "The CRS provider is missing" }
  ),
  getProbationDeliveryUnits: read(
    "/probation-delivery-units",
    "Selectable probation delivery units (§4.8)",
    {},
    Schema.Array(CaseSchemas.DeliveryUnit.annotations({ identifier: "DeliveryUnit" }))
  ),
  getManagedCases: read(
    "/users/{username}/managed-cases",
    "CRNs the user manages (§4.9)",
    { username },
    CaseSchemas.ManagedCases.annotations({ identifier: "ManagedCases" })
  ),
  getUserDetails: {
    ...read(
      "/users/{username}/details",
      "The user's LDAP details (§4.10)",
      { username },
      CaseSchemas.UserDetails.annotations({ identifier: "UserDetails" })
    ),
    absent: "No such user (empty body)"
  },
  // §4.11: GET or POST, the body a JSON array of CRNs (core answers the 1–500 rule, §14).
  getUserAccess: {
    methods: ["get", "post"],
    path: "/users/{username}/access",
    summary: "Limited-access check for a user and 1–500 CRNs (§4.11)",
    role: "api",
    params: { username },
    request: CaseSchemas.CrnList.annotations({ identifier: "CrnList" }),
    success: ok(CaseSchemas.UserAccess),
    failures: { 400: "Not a JSON array of 1 to 500 CRNs", ...API_FAILURES },
    writesDelius: false
  }
})

/**
 * hmpps-sqs's queue-admin operations, served when the queue host runs in the same process (`ram-delius serve`): the
 * platform's retry-DLQ cronjob and support engineers rely on them. They move messages, never Delius rows.
 */
export const queueAdminOperations = table({
  retryDlq: {
    methods: ["put"],
    path: "/queue-admin/retry-dlq/{dlqName}",
    summary: "Move every message of the DLQ back onto its queue",
    tags: ["queue-admin"],
    role: "queueAdmin",
    params: { dlqName },
    success: { status: 200, description: "The messages moved", body: RetryDlqResult },
    failures: { 404: QUEUE_NOT_FOUND, ...QUEUE_ADMIN_FAILURES },
    writesDelius: false
  },
  retryAllDlqs: {
    methods: ["put"],
    path: "/queue-admin/retry-all-dlqs",
    summary: "retry-dlq for every DLQ of the service",
    description:
      "Open (no token needed), as in hmpps-sqs: the platform's cronjob calls it from inside the cluster and the " +
      "ingress blocks /queue-admin from outside. QUEUE_ADMIN_PROTECT_RETRY_ALL=true puts it behind the role too.",
    tags: ["queue-admin"],
    role: "queueAdmin",
    openUnlessProtected: true,
    params: {},
    success: { status: 200, description: "One result per DLQ", body: Schema.Array(RetryDlqResult) },
    failures: QUEUE_ADMIN_FAILURES,
    writesDelius: false
  },
  purgeQueue: {
    methods: ["put"],
    path: "/queue-admin/purge-queue/{queueName}",
    summary: "Delete every message of the queue or the DLQ",
    tags: ["queue-admin"],
    role: "queueAdmin",
    params: { queueName: queueName("The SQS queue name of the queue or of its DLQ") },
    success: { status: 200, description: "How many messages were deleted", body: PurgeQueueResult },
    failures: { 404: QUEUE_NOT_FOUND, ...QUEUE_ADMIN_FAILURES },
    writesDelius: false
  },
  getDlqMessages: {
    methods: ["get"],
    path: "/queue-admin/get-dlq-messages/{dlqName}",
    summary: "Look at the DLQ's messages (they stay on it)",
    tags: ["queue-admin"],
    role: "queueAdmin",
    params: { dlqName },
    query: { maxMessages },
    success: { status: 200, description: "The messages read", body: GetDlqMessagesResult },
    failures: {
      400: `maxMessages is not a whole number from 1 to ${MAX_MESSAGES}`,
      404: QUEUE_NOT_FOUND,
      ...QUEUE_ADMIN_FAILURES
    },
    writesDelius: false
  }
})

/** Every operation the host can serve, by operation id (the queue-admin ones only alongside the queue host). */
export const operations = { ...apiOperations, ...queueAdminOperations }
export type OperationId = keyof typeof operations

/** The Koa router's form of an OpenAPI path: `{crn}` → `:crn`. */
export const routerPath = (path: string): string => path.replaceAll(/\{(\w+)\}/g, ":$1")
