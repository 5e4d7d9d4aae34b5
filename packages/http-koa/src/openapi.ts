/**
 * `/v3/api-docs`: OpenAPI 3.1, derived from the operation table (routes.ts) — paths, parameters, statuses — and from
 * core's request and response Schemas with Effect's `JSONSchema`, so the document cannot drift from what the host
 * decodes and answers.
 */

import { JSONSchema, Schema } from "effect"
import { type Body, type Operation, operations, type Parameter, referencedSchemas } from "./routes.js"

type Json = Record<string, unknown>

const FieldErrorSchema = Schema.Struct({ field: Schema.String, message: Schema.String })

/** Error body of every failure (§2.4; `fields` for invalid bodies, decision Q6). */
const ErrorBodySchema = Schema.Struct({
  status: Schema.Int,
  message: Schema.String,
  fields: Schema.optional(Schema.Array(FieldErrorSchema))
}).annotations({ identifier: "ErrorBody" })

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

/**
 * The components a document collects as it goes: `schema(body)` is the JSON Schema of `body`, every Schema with an
 * `identifier` in it (itself included) a `$ref` into `components.schemas`.
 */
const makeComponents = () => {
  const schemas: Record<string, unknown> = {}
  const schema = (body: Body, kind: "request" | "response"): Json => {
    const adapt = (v: unknown) => rewriteRefs(kind === "request" ? allowAdditionalProperties(v) : v)
    const { $schema: _, $defs, ...root } = JSONSchema.make(body, { target: "openApi3.1" })
    for (const [id, definition] of Object.entries($defs ?? {})) schemas[id] = adapt(definition)
    return adapt(root)
  }
  return { schemas, schema }
}

type Components = ReturnType<typeof makeComponents>

const json = (schema: Json) => ({ content: { "application/json": { schema } } })

const parameters = (operation: Operation): ReadonlyArray<Json> => [
  ...Object.entries(operation.params).map(([name, spec]: [string, Parameter<unknown>]) => ({
    name,
    in: "path",
    required: true,
    ...spec.openApi
  })),
  ...Object.entries(operation.query ?? {}).map(([name, spec]) => ({
    name,
    in: "query",
    required: false,
    ...spec.openApi
  }))
]

/** The operation's responses: its success, its empty 404, and its failures with the error body. */
const responses = (operation: Operation, components: Components): Json => {
  const error = components.schema(ErrorBodySchema, "response")
  const { status, description, body } = operation.success
  return {
    [status]: body === undefined ? { description } : { description, ...json(components.schema(body, "response")) },
    ...(operation.absent !== undefined ? { 404: { description: operation.absent } } : {}),
    ...Object.fromEntries(
      Object.entries(operation.failures).map(([failure, text]) => [failure, { description: text, ...json(error) }])
    )
  }
}

const describeOperation = (operation: Operation, components: Components): Json => ({
  ...(operation.tags !== undefined ? { tags: operation.tags } : {}),
  summary: operation.summary,
  ...(operation.description !== undefined ? { description: operation.description } : {}),
  // hmpps-sqs's retry-all-dlqs needs no token by default.
  ...(operation.openUnlessProtected === true ? { security: [] } : {}),
  parameters: parameters(operation),
  ...(operation.request !== undefined
    ? { requestBody: { required: true, ...json(components.schema(operation.request, "request")) } }
    : {}),
  responses: responses(operation, components)
})

const build = (): Json => {
  const components = makeComponents()
  const paths: Record<string, Json> = {}
  for (const body of referencedSchemas) components.schema(body, "response")
  for (const operation of Object.values<Operation>(operations)) {
    const described = describeOperation(operation, components)
    for (const method of operation.methods) paths[operation.path] = { ...paths[operation.path], [method]: described }
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
      schemas: components.schemas,
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

let document: Json | undefined

/** The OpenAPI document (built once). */
export const openApiDocument = (): Json => (document ??= build())
