import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { MergeAppointmentBody } from "../src/appointment/Appointment.js"
import { DomainEvent } from "../src/events/DomainEvent.js"
import { fastDecoderOf } from "../src/refer-and-monitor/fastDecode.js"
import {
  Appointment,
  AppointmentFeedback,
  ReferralSession,
  SentReferral,
  SupplierAssessment
} from "../src/refer-and-monitor/schemas.js"

/**
 * The fast decoders of the callback schemas (fastDecode.ts) against the Schemas they shortcut, over every fixture body
 * and every single-field mutation of it: whenever a fast decoder returns a value, the Schema decodes the same input to
 * the same value (same keys, same order); whenever the Schema fails, the fast decoder declines, so the failure and its
 * message are the Schema's. And the fast path is taken: every fixture, and every mutation the Schema accepts, is
 * decoded by it (except an array where an object is declared, which Schema's struct parser takes and the fast path
 * leaves to it).
 */

const fixturesDir = process.env.RAM_FIXTURES_DIR ?? fileURLToPath(new URL("../../../fixtures/", import.meta.url))
const apiDir = `${fixturesDir}/refer-and-monitor-api`
const fixtures = readdirSync(apiDir)
  .filter((name) => name.endsWith(".json") && name !== "routes.json")
  .map((name) => ({ name, json: JSON.parse(readFileSync(`${apiDir}/${name}`, "utf8")) as unknown }))

const schemaOf = (name: string): Schema.Schema<any, any> | undefined =>
  name.startsWith("session-")
    ? ReferralSession
    : name.startsWith("sent-referral-") || name === "referral-prematurely-ended.json"
      ? SentReferral
      : name.startsWith("supplier-assessment-")
        ? SupplierAssessment
        : undefined

const schemas: Record<string, Schema.Schema<any, any>> = {
  ReferralSession,
  SentReferral,
  SupplierAssessment,
  Appointment,
  AppointmentFeedback
}

const UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
/** What a field is replaced with: every JSON type, and the values the schemas single out. */
const replacements: ReadonlyArray<unknown> = [
  null,
  "",
  " ",
  "x",
  "12",
  " 12 ",
  "-1",
  "1.5",
  "1e3",
  "9007199254740993",
  0,
  -1,
  1.5,
  12,
  2 ** 53,
  true,
  false,
  [],
  {},
  [{}],
  UUID,
  UUID.toUpperCase(),
  "3fa85f64-5717-4562-b3fc-2c963f66afa",
  "2023-02-14T15:07:03.774Z",
  "2023-02-14T15:07:03.774123456+01:00",
  "2023-02-14",
  "2023-13-14T15:07:03Z",
  "yes",
  "LOGISTICS",
  "logistics",
  "PRE_ICA_WITHDRAWAL",
  "ANO",
  "ano",
  { name: "Provider" },
  { name: 1 },
  { submittedAt: "2023-02-14T15:07:03.774Z" },
  { submittedAt: "not a date" },
  // The appointment merge body's bounds and values.
  1440,
  1441,
  "YES",
  "late",
  "POP_ACCEPTABLE",
  { attended: "YES" },
  { attended: "maybe" }
]
/** Keys added beside each object's own: the aliases and the keys of the nested objects (callbacks and events). */
const addedKeys = [
  "deliusId",
  "provider",
  "contractType",
  "deliusAppointmentId",
  "notifyProbationPractitioner",
  "version",
  "description",
  "personReference",
  "identifiers",
  "outcome",
  "notify",
  "notifyProbationPractitionerOfBehaviour",
  "didSessionHappen",
  "previousId"
]

type Path = ReadonlyArray<string | number>
const DELETE = Symbol("delete")

/** `json` with the value at `path` replaced (or its key deleted), as a fresh JSON value. */
const mutate = (json: unknown, path: Path, value: unknown): unknown => {
  const copy = structuredClone(json)
  let parent = copy as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (value === DELETE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1)
    else delete parent[last]
  } else parent[last] = value
  return JSON.parse(JSON.stringify(copy))
}

/** Every path to a value in `json`, and, under each object, the paths of keys it could have. */
const paths = (json: unknown, at: Path = []): Array<Path> => {
  if (Array.isArray(json)) return json.flatMap((item, index) => [[...at, index], ...paths(item, [...at, index])])
  if (typeof json !== "object" || json === null) return []
  const own = Object.entries(json).flatMap(([key, value]) => [[...at, key], ...paths(value, [...at, key])])
  return [...own, ...addedKeys.filter((key) => !(key in json)).map((key) => [...at, key])]
}

interface Verdict {
  readonly fast: "value" | "declined"
  readonly schema: "value" | "failure"
}

/** Decodes `json` both ways and checks the contract; says which way each went. */
const compare = (schema: Schema.Schema<any, any>, json: unknown, what: string): Verdict => {
  const fast = fastDecoderOf(schema)!(json)
  const decoded = Schema.decodeUnknownEither(schema, { errors: "all" })(json)
  if (fast !== undefined) {
    expect(Either.isRight(decoded), `${what}: the fast path decoded what the Schema rejects`).toBe(true)
    const value = Either.getOrThrow(decoded)
    expect(fast, what).toStrictEqual(value)
    expect(JSON.stringify(fast), what).toBe(JSON.stringify(value))
  }
  return { fast: fast === undefined ? "declined" : "value", schema: Either.isRight(decoded) ? "value" : "failure" }
}

/**
 * `json`'s every single-field mutation decoded both ways (`compare`); each one the Schema decodes must take the fast
 * path too (except an array where an object is declared). How many the Schema decoded and rejected.
 */
const mutationVerdicts = (schema: Schema.Schema<any, any>, name: string, json: unknown) => {
  const counts = { value: 0, failure: 0 }
  for (const path of paths(json))
    for (const value of [DELETE, ...replacements]) {
      const mutated = mutate(json, path, value)
      const what = `${name} with ${path.join(".")} ${value === DELETE ? "deleted" : `= ${JSON.stringify(value)}`}`
      const verdict = compare(schema, mutated, what)
      counts[verdict.schema]++
      const arrayForObject = Array.isArray(value)
      if (verdict.schema === "value" && !arrayForObject) expect(verdict.fast, `${what}: declined`).toBe("value")
    }
  return counts
}

type Case = { readonly name: string; readonly json: unknown }

/**
 * The two checks every fast decoder gets, inside a `describe`: each of `decoded` is decoded by the fast path to the
 * Schema's value; each single-field mutation of each of `mutated` decodes the same both ways, or fails with the
 * Schema's error, with at least `least` of each outcome so that both sides of the contract are exercised.
 */
const agreesWithSchema = (
  schema: Schema.Schema<any, any>,
  decoded: ReadonlyArray<Case>,
  mutated: ReadonlyArray<Case>,
  least: { readonly value: number; readonly failure: number }
) => {
  it.each(decoded)("$name: decoded by the fast path to the Schema's value", ({ name, json }) => {
    expect(compare(schema, json, name)).toEqual({ fast: "value", schema: "value" })
  })
  it.each(mutated)(
    "$name: every single-field mutation decodes the same both ways, or fails with the Schema's error",
    ({ name, json }) => {
      const counts = mutationVerdicts(schema, name, json)
      expect(counts.value).toBeGreaterThan(least.value)
      expect(counts.failure).toBeGreaterThan(least.failure)
    }
  )
}

describe("the fast decoders of the callback schemas agree with the Schemas", () => {
  it("every schema the client decodes callbacks with has one", () => {
    for (const [name, schema] of Object.entries(schemas)) expect(fastDecoderOf(schema), name).toBeTypeOf("function")
  })

  it.each(fixtures.filter(({ name }) => schemaOf(name) !== undefined))(
    "$name: the fixture is decoded by the fast path to the Schema's value",
    ({ name, json }) => {
      expect(compare(schemaOf(name)!, json, name)).toEqual({ fast: "value", schema: "value" })
    }
  )

  it("every fixture against every schema: the fast path never accepts what the Schema rejects", () => {
    for (const { name, json } of fixtures)
      for (const [schemaName, schema] of Object.entries(schemas)) compare(schema, json, `${name} as ${schemaName}`)
  })

  it.each(fixtures.filter(({ name }) => schemaOf(name) !== undefined))(
    "$name: every single-field mutation decodes the same both ways, or fails with the Schema's error",
    ({ name, json }) => {
      const counts = mutationVerdicts(schemaOf(name)!, name, json)
      // Both sides of the contract are exercised.
      expect(counts.value).toBeGreaterThan(100)
      expect(counts.failure).toBeGreaterThan(100)
    }
  )

  it("the input is left as it was", () => {
    for (const { name, json } of fixtures) {
      const schema = schemaOf(name)
      if (schema === undefined) continue
      const before = JSON.stringify(json)
      fastDecoderOf(schema)!(json)
      expect(JSON.stringify(json)).toBe(before)
    }
  })
})

/** The domain events of the event fixtures: each SNS notification's `Message`, and a few shapes R&M may send. */
const events = readdirSync(`${fixturesDir}/events`)
  .filter((name) => name.endsWith(".json"))
  .map((name) => {
    const body = JSON.parse(readFileSync(`${fixturesDir}/events/${name}`, "utf8")) as { Message: string }
    return { name, json: JSON.parse(body.Message) as unknown }
  })

describe("the fast decoder of the domain event agrees with its Schema", () => {
  const minimal = { eventType: "intervention.referral.ended" }
  const shapes = [
    { name: "minimal", json: minimal },
    {
      name: "nulls",
      json: { ...minimal, version: null, description: null, additionalInformation: null, personReference: null }
    },
    { name: "no identifiers", json: { ...minimal, personReference: {} } },
    { name: "null identifiers", json: { ...minimal, personReference: { identifiers: null } } }
  ]

  agreesWithSchema(DomainEvent, [...events, ...shapes], events, { value: 100, failure: 50 })

  it("the callback fixtures, and an own __proto__ key, are never accepted where the Schema would not be", () => {
    for (const { name, json } of fixtures) compare(DomainEvent, json, `${name} as DomainEvent`)
    const proto = JSON.parse('{"eventType":"x","additionalInformation":{"__proto__":{"polluted":true}}}') as unknown
    expect(compare(DomainEvent, proto, "__proto__ in additionalInformation").fast).toBe("declined")
  })
})

describe("the fast decoder of the appointment merge body agrees with its Schema", () => {
  // Bodies of `PUT …/appointments` as R&M sends them (client-contract §2.3): a create, a reschedule, an outcome (with
  // the notify alias R&M really sends), and the fields it may leave out or send as null.
  const create = {
    id: "0b1a4a9e-2a8e-4d47-9b7e-0f5f4a1b2c3d",
    referralId: "09C62549-BCD3-49A9-8120-7811B76925E5",
    referralReference: "FE4536C",
    start: "2026-12-10T10:15:00.000Z",
    durationInMinutes: 60,
    notes: "Session 1",
    officeLocationCode: "CRSEXTL",
    countsTowardsRar: true,
    sentenceId: 2500000000
  }
  const bodies = [
    { name: "create", json: create },
    {
      name: "reschedule",
      json: { ...create, previousId: "3fa85f64-5717-4562-b3fc-2c963f66afa6", rescheduleRequestedBy: "Service Provider" }
    },
    {
      name: "outcome",
      json: {
        ...create,
        start: "2026-11-10T10:15:00+00:00",
        deliusId: 2500123456,
        outcome: {
          attended: "late",
          didSessionHappen: true,
          noSessionReasonType: null,
          notifyProbationPractitionerOfBehaviour: true
        }
      }
    },
    {
      name: "nulls",
      json: { ...create, notes: null, officeLocationCode: null, outcome: null, sentenceId: null, deliusId: null }
    },
    {
      name: "required only",
      json: { id: create.id, referralId: create.referralId, referralReference: "FE4536C", start: create.start }
    }
  ]

  it("the HTTP host's body schema has one, kept when the route names it for the OpenAPI document", () => {
    expect(fastDecoderOf(MergeAppointmentBody)).toBeTypeOf("function")
    expect(fastDecoderOf(MergeAppointmentBody.annotations({ identifier: "MergeAppointment" }))).toBeTypeOf("function")
  })

  agreesWithSchema(MergeAppointmentBody, bodies, bodies, { value: 100, failure: 100 })

  it("the callback fixtures and the domain events are never accepted where the Schema would not be", () => {
    for (const { name, json } of [...fixtures, ...events]) compare(MergeAppointmentBody, json, `${name} as a body`)
  })
})
