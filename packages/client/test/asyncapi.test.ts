import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  crnOf,
  decodeMessage,
  devDetailUrlOrigins,
  type EventResult,
  eventHandlers,
  handleDomainEvent,
  ReferAndMonitorSchemas,
  Rules
} from "@ram-delius/core"
import { createSeededDatabase, testCoreLayer } from "@ram-delius/core/testing"
import { Either, ManagedRuntime, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"

/**
 * docs/asyncapi.yaml documents the domain events this service consumes. Every event type core's handler table
 * handles is documented and every documented one is handled; each documented example arrives as core decodes it, with
 * every field its schema requires, its detailUrl on the documented path; and each documented callback answer decodes
 * with the Schema core reads it with and holds feedback the handler can use.
 */

type Json = Record<string, any>

const file = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "asyncapi.yaml")
const doc = parse(readFileSync(file, "utf8")) as Json
const messages = Object.values(doc.components.messages as Record<string, Json>)

/** The object a local `$ref` (`#/a/b`) points at, following a chain of references. */
const resolve = (ref: string): Json => {
  const target = ref
    .slice(2)
    .split("/")
    .reduce<Json>((node, key) => node?.[key.replaceAll("~1", "/").replaceAll("~0", "~")], doc)
  return typeof target?.$ref === "string" ? resolve(target.$ref) : target
}

const refs = (node: unknown): Array<string> =>
  node === null || typeof node !== "object"
    ? []
    : Object.entries(node).flatMap(([key, value]) => (key === "$ref" ? [value as string] : refs(value)))

/** The `required` keys of a schema, through `allOf` and `$ref`. */
const requiredKeys = (schema: Json | undefined): Array<string> => {
  if (schema === undefined) return []
  if (schema.$ref !== undefined) return requiredKeys(resolve(schema.$ref))
  return [...(schema.required ?? []), ...(schema.allOf ?? []).flatMap(requiredKeys)]
}

/** The schema of `property` in a payload schema made of `allOf` parts. */
const propertySchemas = (schema: Json, property: string): Array<Json> => {
  if (schema.$ref !== undefined) return propertySchemas(resolve(schema.$ref), property)
  const own = schema.properties?.[property] === undefined ? [] : [schema.properties[property] as Json]
  return [...own, ...(schema.allOf ?? []).flatMap((part: Json) => propertySchemas(part, property))]
}

/** How R&M's event reaches the queue: an SNS notification with the event as a JSON string (client-contract §3.5). */
const asSnsNotification = (event: Json) => ({
  Type: "Notification",
  MessageId: "71ab5796-bc4d-5eb7-9ccb-0b6152589af4",
  Message: JSON.stringify(event),
  MessageAttributes: { eventType: { Type: "String", Value: event.eventType } }
})

const pathPattern = (template: string) => new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`)

describe("docs/asyncapi.yaml", () => {
  it("is an AsyncAPI 3 document whose every $ref resolves", () => {
    expect(doc.asyncapi).toBe("3.0.0")
    const unresolved = refs(doc).filter((ref) => !ref.startsWith("#/") || resolve(ref) === undefined)
    expect(unresolved).toEqual([])
  })

  it("documents exactly the event types core's handler table handles", () => {
    const documented = messages.map((m) => m.name as string).sort()
    expect(documented).toEqual(Object.keys(eventHandlers).sort())
    const channelMessages = Object.values(doc.channels.referAndMonitorAndDeliusQueue.messages as Record<string, Json>)
    expect(channelMessages.map((m) => resolve(m.$ref).name).sort()).toEqual(documented)
    expect(doc.operations.receiveDomainEvents.messages.map((m: Json) => resolve(m.$ref).name).sort()).toEqual(
      documented
    )
    for (const message of messages) {
      expect(propertySchemas(message.payload, "eventType").map((s) => s.const)).toContain(message.name)
    }
  })

  it.each(messages.map((m) => [m.name as string, m] as const))(
    "%s: the example decodes as core reads it, with every required field, its detailUrl on the documented path",
    (name, message) => {
      expect(message.examples.length).toBeGreaterThan(0)
      for (const { payload } of message.examples as Array<Json>) {
        const decoded = decodeMessage(asSnsNotification(payload))
        expect(Either.isRight(decoded)).toBe(true)
        const { event, eventType } = Either.getOrThrow(decoded)
        expect(eventType).toBe(name)
        expect(crnOf(event)).toBe("T140223")
        for (const key of requiredKeys(message.payload)) expect(payload, key).toHaveProperty(key)
        const additional = propertySchemas(message.payload, "additionalInformation")
        for (const key of additional.flatMap(requiredKeys))
          expect(payload.additionalInformation, key).toHaveProperty(key)
        const { origin, pathname } = new URL(payload.detailUrl)
        expect(origin).toBe("https://hmpps-interventions-service.apps.live-1.cloud-platform.service.justice.gov.uk")
        expect(pathname).toMatch(pathPattern(message["x-detail"].path))
      }
    }
  )

  it("each documented callback answer decodes with core's Schema for it and holds feedback the handler can use", () => {
    const schemas: Record<string, Schema.Schema<any, any>> = {
      SentReferral: ReferAndMonitorSchemas.SentReferral,
      DeliverySession: ReferAndMonitorSchemas.ReferralSession,
      SupplierAssessment: ReferAndMonitorSchemas.SupplierAssessment
    }
    const fetched = messages.filter((m) => m["x-detail"].fetched === true)
    expect(fetched.map((m) => m.name).sort()).toEqual([
      "intervention.initial-assessment-appointment.session-feedback-submitted",
      "intervention.referral.ended",
      "intervention.session-appointment.session-feedback-submitted"
    ])
    for (const message of fetched) {
      const schemaName = (message["x-detail"].response.$ref as string).split("/").pop()!
      for (const example of message.examples as Array<Json>) {
        const response = Schema.decodeUnknownSync(schemas[schemaName]!)(example["x-detail-response"])
        if (schemaName === "DeliverySession") {
          expect(
            Either.isRight(Rules.latestSessionFeedback(response, example.payload.additionalInformation.referralId))
          ).toBe(true)
        }
        if (schemaName === "SupplierAssessment")
          expect(Either.isRight(Rules.latestAssessmentFeedback(response))).toBe(true)
      }
    }
  })
})

/** A stand-in for R&M on loopback: each path answers the documented callback body (404 for any other). */
const startReferAndMonitor = async (bodies: ReadonlyMap<string, unknown>) => {
  const server: Server = createServer((req, res) => {
    const body = bodies.get(req.url ?? "")
    if (body === undefined) return void res.writeHead(404).end()
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

describe("the documented examples, delivered to core's handler", () => {
  // Against core on the dev dataset, with R&M on loopback answering each detailUrl with the documented body.
  it("each is handled, with the callback answered as documented: never a Failure for a missing field", async () => {
    const examples = messages.flatMap((m) =>
      (m.examples as Array<Json>).map((e): Json => ({ ...e, eventType: m.name as string }))
    )
    const bodies = new Map(
      examples
        .filter((e) => e["x-detail-response"] !== undefined)
        .map((e) => [new URL(e.payload.detailUrl).pathname, e["x-detail-response"]] as const)
    )
    const rm = await startReferAndMonitor(bodies)
    const db = await createSeededDatabase("sqlite")
    const core = ManagedRuntime.make(
      testCoreLayer(db.url, { referAndMonitor: { detailUrlOrigins: devDetailUrlOrigins(rm.port) } })
    )
    try {
      const outcomes: Record<string, Pick<EventResult, "outcome" | "telemetryName">> = {}
      for (const example of examples) {
        const { origin } = new URL(example.payload.detailUrl)
        const event = {
          ...example.payload,
          detailUrl: example.payload.detailUrl.replace(origin, `http://127.0.0.1:${rm.port}`)
        }
        const result = await core.runPromise(handleDomainEvent(JSON.stringify(asSnsNotification(event))))
        outcomes[example.eventType] = { outcome: result.outcome, telemetryName: result.telemetryName }
      }
      // The feedback examples name appointments the dev dataset does not have: Rejected (acknowledged, telemetry
      // saying why) comes only after every field was read and the callback's feedback was selected.
      expect(outcomes).toEqual({
        "intervention.referral.ended": { outcome: "Success", telemetryName: "ReferralEnded" },
        "intervention.action-plan.submitted": { outcome: "Success", telemetryName: "ActionPlanSubmitted" },
        "intervention.action-plan.approved": { outcome: "Success", telemetryName: "ActionPlanApproved" },
        "intervention.initial-assessment-appointment.session-feedback-submitted": {
          outcome: "Rejected",
          telemetryName: "ReferAndMonitorFailureReport"
        },
        "intervention.session-appointment.session-feedback-submitted": {
          outcome: "Rejected",
          telemetryName: "ReferAndMonitorFailureReport"
        }
      })
    } finally {
      await core.dispose()
      await rm.close()
      await db.drop()
    }
  })
})
