/**
 * `/v3/api-docs`: OpenAPI 3.1, generated from core's request and response Schemas with Effect's `JSONSchema`, so the
 * document cannot drift from what the host decodes and answers.
 */

import { CaseSchemas, MergeAppointment, ReferralStarted } from "@ram-delius/core"
import { JSONSchema, Schema } from "effect"

const FieldErrorSchema = Schema.Struct({ field: Schema.String, message: Schema.String })

/** Error body of every failure (§2.4; `fields` for invalid bodies, decision Q6). */
const ErrorBodySchema = Schema.Struct({
  status: Schema.Int,
  message: Schema.String,
  fields: Schema.optional(Schema.Array(FieldErrorSchema))
}).annotations({ identifier: "ErrorBody" })

const AppointmentMergedSchema = Schema.Struct({ appointmentId: Schema.Int }).annotations({
  identifier: "AppointmentMerged",
  description: "The Delius CONTACT_ID of the appointment that now represents the session (§4.2)"
})

type Json = Record<string, unknown>

const rewriteRefs = (value: unknown): Json =>
  JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json

/** Unknown request properties are ignored (§2.1), so request schemas must not say `additionalProperties: false`. */
const allowAdditionalProperties = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(allowAdditionalProperties)
  if (value === null || typeof value !== "object") return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, v]) => !(key === "additionalProperties" && v === false))
      .map(([key, v]) => [key, allowAdditionalProperties(v)])
  )
}

const build = (): Json => {
  const components: Record<string, unknown> = {}

  /** The JSON Schema of `schema` as a `$ref` into `components.schemas` (named `name` unless it has an identifier). */
  const ref = <A, I>(schema: Schema.Schema<A, I>, name: string, kind: "request" | "response"): Json => {
    const adapt = (v: unknown) => rewriteRefs(kind === "request" ? allowAdditionalProperties(v) : v)
    const { $schema: _, $defs, ...root } = JSONSchema.make(schema, { target: "openApi3.1" })
    for (const [id, definition] of Object.entries($defs ?? {})) components[id] = adapt(definition)
    const rootSchema = adapt(root)
    if (typeof rootSchema.$ref === "string") return rootSchema
    components[name] = rootSchema
    return { $ref: `#/components/schemas/${name}` }
  }

  const json = (schema: Json) => ({ content: { "application/json": { schema } } })
  const error = ref(ErrorBodySchema, "ErrorBody", "response")
  const failure = (description: string) => ({ description, ...json(error) })
  const standardFailures = {
    "401": failure("Missing or invalid bearer token"),
    "403": failure("The token has none of the accepted roles (API_ROLES)"),
    "503": failure("Delius (database or directory) unavailable, or the request timed out")
  }
  const crn = { name: "crn", in: "path", required: true, schema: { type: "string" }, example: "T140223" }
  const username = {
    name: "username",
    in: "path",
    required: true,
    description: "A Delius username, or a numeric USER_ID (§4.10)",
    schema: { type: "string" }
  }
  const ok = (schema: Json, description = "OK") => ({ description, ...json(schema) })
  const read = (summary: string, parameters: ReadonlyArray<Json>, responses: Json) => ({
    summary,
    parameters,
    responses: { ...responses, ...standardFailures }
  })
  const crnList = ref(CaseSchemas.CrnList, "CrnList", "request")
  const access = {
    summary: "Limited-access check for a user and 1–500 CRNs (§4.11)",
    parameters: [username],
    requestBody: { required: true, ...json(crnList) },
    responses: {
      "200": ok(ref(CaseSchemas.UserAccess, "UserAccess", "response")),
      "400": failure("Not a JSON array of 1 to 500 CRNs"),
      ...standardFailures
    }
  }

  const paths: Json = {
    "/probation-case/{crn}/referrals": {
      put: {
        summary: "Referral started: find or create the Delius NSI (§4.1)",
        parameters: [crn],
        requestBody: { required: true, ...json(ref(ReferralStarted, "ReferralStarted", "request")) },
        responses: {
          "204": { description: "The NSI exists and is in progress" },
          "400": failure("Invalid body, unknown contract type, or a committal for PSS breach"),
          "404": failure("Person, event or reference data not found"),
          "500": failure(
            "Inconsistent Delius data, named in the message: more than one NSI has the referral's URN (§6.3 step 1)"
          ),
          ...standardFailures
        }
      }
    },
    "/probation-case/{crn}/referrals/{referralId}/appointments": {
      put: {
        summary: "Create, reschedule or outcome a CRS appointment contact (§4.2)",
        parameters: [
          crn,
          {
            name: "referralId",
            in: "path",
            required: true,
            description: "Must be a UUID; the body's referralId is the one used",
            schema: { type: "string", format: "uuid" }
          }
        ],
        requestBody: { required: true, ...json(ref(MergeAppointment, "MergeAppointment", "request")) },
        responses: {
          "200": ok(ref(AppointmentMergedSchema, "AppointmentMerged", "response")),
          "400": failure("Invalid body, or a past start without an outcome"),
          "404": failure("Referral (NSI), office location or reference data not found"),
          // R&M shows every 409 here as a clash (client-contract §2.3), so 409 is the §7.2 clash and nothing else.
          "409": failure("The appointment clashes with an existing future appointment (§7.2); used for nothing else"),
          "500": failure(
            "Inconsistent Delius data, named in the message: more than one NSI has the referral's URN (§6.3 step 1), " +
              "more than one active office location has the code (§7.1 step 4), or the contact to outcome has no NSI (§4.2)"
          ),
          ...standardFailures
        }
      }
    },
    "/probation-case/{crn}/responsible-officer": {
      get: read("Community (and prison) manager (§4.3)", [crn], {
        "200": ok(ref(CaseSchemas.ResponsibleOfficer, "ResponsibleOfficer", "response")),
        "404": failure("No active community manager for the CRN")
      })
    },
    "/probation-case/{crn}/identifiers": {
      get: read("CRN and NOMS number (§4.4); always 200", [crn], {
        "200": ok(ref(CaseSchemas.Identifiers, "Identifiers", "response"))
      })
    },
    "/probation-case/{crn}/details": {
      get: read("Case details (§4.5)", [crn], {
        "200": ok(ref(CaseSchemas.CaseDetail, "CaseDetail", "response")),
        "404": { description: "No such person (empty body)" }
      })
    },
    "/probation-case/{crn}/convictions": {
      get: read("Active convictions (§4.6)", [crn], {
        "200": ok(ref(CaseSchemas.Convictions, "Convictions", "response")),
        "404": failure("No such person")
      })
    },
    "/probation-case/{crn}/convictions/{id}": {
      get: read(
        "One conviction by event id (§4.6)",
        [crn, { name: "id", in: "path", required: true, schema: { type: "integer", format: "int64" } }],
        {
          "200": ok(ref(CaseSchemas.SingleConviction, "SingleConviction", "response")),
          "400": failure("The id is not a number"),
          "404": failure("No such person or event")
        }
      )
    },
    "/office-locations": {
      get: read("Active CRS office locations (§4.7)", [], {
        "200": ok({ type: "array", items: ref(CaseSchemas.OfficeLocation, "OfficeLocation", "response") }),
        "404": failure("The CRS provider is missing")
      })
    },
    "/probation-delivery-units": {
      get: read("Selectable probation delivery units (§4.8)", [], {
        "200": ok({ type: "array", items: ref(CaseSchemas.DeliveryUnit, "DeliveryUnit", "response") })
      })
    },
    "/users/{username}/managed-cases": {
      get: read("CRNs the user manages (§4.9)", [username], {
        "200": ok(ref(CaseSchemas.ManagedCases, "ManagedCases", "response"))
      })
    },
    "/users/{username}/details": {
      get: read("The user's LDAP details (§4.10)", [username], {
        "200": ok(ref(CaseSchemas.UserDetails, "UserDetails", "response")),
        "404": { description: "No such user (empty body)" }
      })
    },
    "/users/{username}/access": { get: access, post: access },
    ...queueAdminPaths(json, failure, components)
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "Refer and Monitor and Delius",
      version: "0.1.0",
      description:
        "Integration between Refer and Monitor an Intervention and nDelius. Null properties are omitted from " +
        "responses; unknown request properties are ignored."
    },
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "HMPPS Auth RS256 token; roles in the `authorities` claim"
        }
      }
    }
  }
}

/**
 * hmpps-sqs's queue-admin endpoints (issue 9 §8), served when the queue host runs in the same process (`ram-delius
 * serve`). Their bodies are hmpps-sqs's, written out here rather than from core Schemas: `body` is whatever the message
 * held (JSON, or the raw string).
 */
const queueAdminPaths = (
  json: (schema: Json) => Json,
  failure: (description: string) => Json,
  components: Record<string, unknown>
): Json => {
  components.QueueAdminMessage = {
    type: "object",
    required: ["body", "messageId"],
    properties: {
      body: {
        description: "The message body parsed as JSON (the SNS envelope), or the raw string when it is not JSON"
      },
      messageId: { type: "string" }
    }
  }
  const messages = { type: "array", items: { $ref: "#/components/schemas/QueueAdminMessage" } }
  components.RetryDlqResult = {
    type: "object",
    required: ["messagesFoundCount", "messages"],
    properties: { messagesFoundCount: { type: "integer" }, messages }
  }
  components.PurgeQueueResult = {
    type: "object",
    required: ["messagesFoundCount"],
    properties: { messagesFoundCount: { type: "integer" } }
  }
  components.GetDlqMessagesResult = {
    type: "object",
    required: ["messagesFoundCount", "messagesReturnedCount", "messages"],
    properties: { messagesFoundCount: { type: "integer" }, messagesReturnedCount: { type: "integer" }, messages }
  }
  const result = (name: string, description: string) => ({
    description,
    ...json({ $ref: `#/components/schemas/${name}` })
  })
  const name = (param: string, description: string) => ({
    name: param,
    in: "path",
    required: true,
    description,
    schema: { type: "string" }
  })
  const dlqName = name("dlqName", "The DLQ's SQS queue name, e.g. refer-and-monitor-and-delius-dlq")
  const guarded = {
    "401": failure("Missing or invalid bearer token"),
    "403": failure("The token does not have QUEUE_ADMIN_ROLE (default ROLE_QUEUE_ADMIN)"),
    "503": failure("SQS unavailable")
  }
  const notFound = failure("No queue of this service has that name: `<name> not found`")
  return {
    "/queue-admin/retry-dlq/{dlqName}": {
      put: {
        tags: ["queue-admin"],
        summary: "Move every message of the DLQ back onto its queue",
        parameters: [dlqName],
        responses: { "200": result("RetryDlqResult", "The messages moved"), "404": notFound, ...guarded }
      }
    },
    "/queue-admin/retry-all-dlqs": {
      put: {
        tags: ["queue-admin"],
        summary: "retry-dlq for every DLQ of the service",
        description:
          "Open (no token needed), as in hmpps-sqs: the platform's cronjob calls it from inside the cluster and the " +
          "ingress blocks /queue-admin from outside. QUEUE_ADMIN_PROTECT_RETRY_ALL=true puts it behind the role too.",
        security: [],
        responses: {
          "200": {
            description: "One result per DLQ",
            ...json({ type: "array", items: { $ref: "#/components/schemas/RetryDlqResult" } })
          },
          ...guarded
        }
      }
    },
    "/queue-admin/purge-queue/{queueName}": {
      put: {
        tags: ["queue-admin"],
        summary: "Delete every message of the queue or the DLQ",
        parameters: [name("queueName", "The SQS queue name of the queue or of its DLQ")],
        responses: { "200": result("PurgeQueueResult", "How many messages were deleted"), "404": notFound, ...guarded }
      }
    },
    "/queue-admin/get-dlq-messages/{dlqName}": {
      get: {
        tags: ["queue-admin"],
        summary: "Look at the DLQ's messages (they stay on it)",
        parameters: [
          dlqName,
          {
            name: "maxMessages",
            in: "query",
            required: false,
            schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 }
          }
        ],
        responses: {
          "200": result("GetDlqMessagesResult", "The messages read"),
          "400": failure("maxMessages is not a whole number from 1 to 1000"),
          "404": notFound,
          ...guarded
        }
      }
    }
  }
}

let document: Json | undefined

/** The OpenAPI document (built once). */
export const openApiDocument = (): Json => (document ??= build())
