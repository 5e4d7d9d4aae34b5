import { Option } from "effect"
import { DevIds, DevReferrals, parseInstant } from "@ram-delius/core"
import { describe, expect, it } from "vitest"
import { request, type Response, type TestDatabase, type TestServer, useSeededServer } from "./support/harness.js"

/**
 * Fuzz the two write endpoints with malformed and mistyped bodies (DESIGN.md: bad input never produces a 500 and never
 * leaves a partial write). A seeded generator makes the run deterministic: a failure names the case index, and the
 * same index reproduces it. Every body is invalid for its endpoint — each case has at least one mutation that makes it
 * so — and is sent for a person and referral that exist, so that only the body is wrong.
 */

const SEED = 20240613
const CASES_PER_ENDPOINT = 600

/** mulberry32: small, fast, deterministic. */
const random = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Rng = () => number
const pick = <A>(rng: Rng, items: ReadonlyArray<A>): A => items[Math.floor(rng() * items.length)]!

const nest = (depth: number, leaf: unknown): unknown => {
  let value = leaf
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { x: value }
  return value
}

/** Values of every JSON type, including the awkward ones. */
const garbage = (rng: Rng): unknown =>
  pick(rng, [
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => 1.5,
    () => 1e308,
    () => -1e308,
    () => 2 ** 53 + 2,
    () => 1e21,
    () => Number.MAX_SAFE_INTEGER + 10,
    () => "",
    () => " ",
    () => "x",
    () => "null",
    () => "true",
    () => "12",
    () => "\u0000\u0001",
    () => "💥".repeat(20),
    () => "a".repeat(5_000),
    () => [],
    () => [1, "two", null],
    () => ({}),
    () => ({ a: { b: [null, { c: "d" }] } }),
    () => nest(Math.floor(rng() * 25) + 1, "deep"),
    () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {}}}') as unknown,
    () => badUuid(rng),
    () => badDate(rng)
  ])()

const badUuid = (rng: Rng): string =>
  pick(rng, [
    "not-a-uuid",
    "4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa",
    "4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5a",
    "4df5d5844c4c42eeb4c6ed4c98ee6fa5x",
    "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    "{4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5}",
    " 4df5d584-4c4c-42ee-b4c6-ed4c98ee6fa5",
    "4df5d584_4c4c_42ee_b4c6_ed4c98ee6fa5",
    "",
    "00000000-0000-0000-0000-00000000000g"
  ])

const badDate = (rng: Rng): string =>
  pick(rng, [
    "not-a-date",
    "2024-13-01T10:00:00Z",
    "2024-02-30T10:00:00Z",
    "2023-02-29T10:00:00Z",
    "2024-06-13T25:00:00Z",
    "2024-06-13T10:61:00Z",
    "2024-06-13T10:00:60Z",
    "2024-06-13",
    "13/06/2024 10:00",
    "2024-06-13T10:00:00+25:00",
    "2024-06-13T10:00:00.1234567890Z",
    "2024-06-13T10:00:00ZZ",
    "T10:00:00Z",
    "",
    "1718272800000",
    "+002024-06-13T10:00:00Z"
  ])

// --- what each field accepts (mirrors core's request Schemas, so a mutation is known to make the body invalid) -----

const isString = (v: unknown) => typeof v === "string"
const isUuid = (v: unknown) =>
  typeof v === "string" && /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(v)
const isDate = (v: unknown) => typeof v === "string" && Option.isSome(parseInstant(v))
const isInt = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v)
const orNull = (accepts: (v: unknown) => boolean) => (v: unknown) => v === null || accepts(v)
const isOutcome = (v: unknown) =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  ["YES", "LATE", "NO"].includes((v as { attended?: unknown }).attended as string) &&
  Object.entries(v).every(([key, value]) =>
    ["didSessionHappen", "notify", "notifyProbationPractitionerOfBehaviour"].includes(key)
      ? orNull((x) => typeof x === "boolean")(value)
      : key === "noSessionReasonType"
        ? orNull((x) => ["LOGISTICS", "POP_ACCEPTABLE", "POP_UNACCEPTABLE"].includes(x as string))(value)
        : true
  )

interface FieldRule {
  readonly required: boolean
  readonly accepts: (value: unknown) => boolean
  /** Wrong values aimed at this field's type. */
  readonly wrong: (rng: Rng) => unknown
}

const referralFields: Record<string, FieldRule> = {
  referralId: { required: true, accepts: isUuid, wrong: badUuid },
  startedAt: { required: true, accepts: isDate, wrong: badDate },
  contractType: { required: true, accepts: isString, wrong: garbage },
  sentenceId: {
    required: true,
    accepts: isInt,
    wrong: (rng) => pick(rng, [1.5, -0.5, 1e21, 2 ** 60, "2", true, null, [2]])
  },
  notes: { required: true, accepts: isString, wrong: garbage }
}

const mergeFields: Record<string, FieldRule> = {
  id: { required: true, accepts: isUuid, wrong: badUuid },
  referralId: { required: true, accepts: isUuid, wrong: badUuid },
  referralReference: { required: true, accepts: isString, wrong: garbage },
  start: { required: true, accepts: isDate, wrong: badDate },
  durationInMinutes: {
    required: false,
    accepts: (v) => isInt(v) && (v as number) >= 0,
    wrong: (rng) => pick(rng, [-1, 1.5, 1e21, 2 ** 60, "60", null, true])
  },
  notes: { required: false, accepts: orNull(isString), wrong: garbage },
  officeLocationCode: { required: false, accepts: orNull(isString), wrong: garbage },
  countsTowardsRar: {
    required: false,
    accepts: (v) => typeof v === "boolean",
    wrong: (rng) => pick(rng, ["true", 1, 0, null, "yes", []])
  },
  outcome: {
    required: false,
    accepts: orNull(isOutcome),
    wrong: (rng) =>
      pick(rng, [
        () => "YES",
        () => [],
        () => ({}),
        () => ({ attended: "yes" }),
        () => ({ attended: "Yes", didSessionHappen: true }),
        () => ({ attended: "YES", didSessionHappen: "true" }),
        () => ({ attended: "NO", noSessionReasonType: "OTHER" }),
        () => ({ attended: "LATE", notifyProbationPractitionerOfBehaviour: "false" }),
        () => ({ attended: null }),
        () => garbage(rng)
      ])()
  },
  sentenceId: {
    required: false,
    accepts: orNull((v) => typeof v === "number"),
    wrong: (rng) => pick(rng, ["1", true, [], {}])
  },
  previousId: { required: false, accepts: orNull(isUuid), wrong: badUuid },
  deliusId: { required: false, accepts: orNull(isInt), wrong: (rng) => pick(rng, [1.5, 1e21, "12", true, [1]]) },
  rescheduleRequestedBy: { required: false, accepts: orNull(isString), wrong: garbage }
}

/** A value the field does not accept. */
const wrongValue = (rng: Rng, rule: FieldRule): unknown => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const value = rng() < 0.6 ? rule.wrong(rng) : garbage(rng)
    if (!rule.accepts(value)) return value
  }
  return { unexpected: "object" }
}

/**
 * A body that certainly fails its Schema: one invalidating mutation (a required field dropped, or a field given a
 * value it does not accept), then up to two arbitrary mutations of other fields.
 */
const invalidBody = (
  rng: Rng,
  valid: Record<string, unknown>,
  rules: Record<string, FieldRule>
): Record<string, unknown> => {
  const body: Record<string, unknown> = { ...valid }
  const fields = Object.keys(rules)
  const field = pick(rng, fields)
  const rule = rules[field]!
  if (rule.required && rng() < 0.3) delete body[field]
  else body[field] = wrongValue(rng, rule)
  const others = fields.filter((f) => f !== field)
  for (let m = Math.floor(rng() * 3); m > 0; m--) {
    const other = pick(rng, others)
    body[other] = rng() < 0.5 ? garbage(rng) : rules[other]!.wrong(rng)
  }
  return body
}

/** Bodies that are not the endpoint's JSON object at all: other JSON values, broken JSON, non-UTF-8, huge. */
const rawBody = (rng: Rng): { raw: string | Uint8Array; contentType?: string } =>
  pick(rng, [
    () => ({ raw: "{" }),
    () => ({ raw: "}" }),
    () => ({ raw: '{"referralId":' }),
    () => ({ raw: '{"id": 01}' }),
    () => ({ raw: '{"a":1,}' }),
    () => ({ raw: "{'single': 'quotes'}" }),
    () => ({ raw: "NaN" }),
    () => ({ raw: "undefined" }),
    () => ({ raw: "null" }),
    () => ({ raw: "true" }),
    () => ({ raw: "42" }),
    () => ({ raw: '"a string"' }),
    () => ({ raw: "[]" }),
    () => ({ raw: '[{"id":"x"}]' }),
    () => ({ raw: "\ufeff{}" }),
    () => ({ raw: "[".repeat(20_000) + "]".repeat(20_000) }),
    () => ({ raw: '{"a":'.repeat(5_000) + "1" + "}".repeat(5_000) }),
    () => ({ raw: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }),
    () => ({ raw: new Uint8Array(Array.from({ length: 64 }, () => Math.floor(rng() * 256))) }),
    () => ({ raw: "   " }),
    () => ({ raw: "" }),
    () => ({ raw: "<xml/>", contentType: "application/xml" }),
    () => ({ raw: "a=1&b=2", contentType: "application/x-www-form-urlencoded" }),
    () => ({ raw: JSON.stringify({ notes: "x".repeat(1_100_000) }) }),
    () => ({ raw: JSON.stringify(Array.from({ length: 50 }, () => garbage(rng))) })
  ])()

// --- the run ---------------------------------------------------------------------------------------------------------

let db: TestDatabase
let server: TestServer
let token: string
useSeededServer((fixture) => ({ db, server, token } = fixture))

const validReferral = {
  referralId: "9b6e2f6c-1b7e-4f8a-9c55-0d7f3d2b1a10",
  startedAt: "2024-06-13T17:52:26.55647055+01:00",
  contractType: "ACC",
  sentenceId: DevIds.event.withoutNsi,
  notes: "Referral Sent for Accommodation Referral AB1234AC with Prime Provider Harmony Living"
}

const validMerge = {
  id: "0f3b7f5e-5f6c-4b3e-9b0e-2a1c3d4e5f60",
  referralId: DevReferrals.noAppointments,
  referralReference: "FE4536AC",
  serviceUserCrn: "N049975",
  sentenceId: null,
  start: new Date(Date.now() + 3 * 86_400_000).toISOString(),
  durationInMinutes: 60,
  notes: "Service Delivery Appointment",
  officeLocationCode: "CRSEXTL",
  countsTowardsRar: true,
  outcome: null,
  previousId: null,
  deliusId: null,
  rescheduleRequestedBy: null
}

interface Case {
  readonly index: number
  readonly path: string
  readonly body?: unknown
  readonly raw?: string | Uint8Array
  readonly contentType?: string
}

const cases = (endpoint: "referral" | "merge"): ReadonlyArray<Case> => {
  const rng = random(SEED + (endpoint === "merge" ? 1 : 0))
  const path =
    endpoint === "referral"
      ? "/probation-case/S123456/referrals"
      : `/probation-case/N049975/referrals/${DevReferrals.noAppointments}/appointments`
  return Array.from({ length: CASES_PER_ENDPOINT }, (_, index): Case => {
    const roll = rng()
    if (roll < 0.15) {
      const { raw, contentType } = rawBody(rng)
      return { index, path, raw, ...(contentType !== undefined ? { contentType } : {}) }
    }
    if (roll < 0.2 && endpoint === "merge") {
      // A bad path referralId with an otherwise valid body.
      return {
        index,
        path: `/probation-case/N049975/referrals/${encodeURIComponent(badUuid(rng) || "x")}/appointments`,
        body: validMerge
      }
    }
    if (roll < 0.3) return { index, path, body: garbage(rng) }
    return {
      index,
      path,
      body:
        endpoint === "referral"
          ? invalidBody(rng, validReferral, referralFields)
          : invalidBody(rng, validMerge, mergeFields)
    }
  })
}

const send = (c: Case): Promise<Response> => {
  if (c.raw !== undefined) {
    return request(server, "PUT", c.path, {
      token,
      raw: c.raw,
      headers: { "content-type": c.contentType ?? "application/json" }
    })
  }
  return request(server, "PUT", c.path, { token, body: c.body })
}

/** Run with bounded concurrency; collect every response that breaks the rules. */
const fuzz = async (all: ReadonlyArray<Case>) => {
  const failures: Array<string> = []
  const statuses = new Map<number, number>()
  let next = 0
  const worker = async () => {
    while (next < all.length) {
      const c = all[next++]!
      const response = await send(c)
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      const ok =
        response.status >= 400 &&
        response.status < 500 &&
        response.json?.status === response.status &&
        typeof response.json?.message === "string" &&
        (response.json.message !== "Validation failure" ||
          (Array.isArray(response.json.fields) && response.json.fields.length > 0))
      if (!ok) {
        const sent = c.raw !== undefined ? `raw ${String(c.raw).slice(0, 80)}` : JSON.stringify(c.body)?.slice(0, 300)
        failures.push(`#${c.index} ${c.path} ${sent} → ${response.status} ${response.text.slice(0, 300)}`)
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  return { failures, statuses }
}

const counts = () => ({
  nsi: db.count("SELECT COUNT(*) FROM NSI"),
  nsiHistory: db.count("SELECT COUNT(*) FROM NSI_STATUS_HISTORY"),
  contact: db.count("SELECT COUNT(*) FROM CONTACT")
})

describe("fuzzed bodies for the two PUTs", () => {
  it.each(["referral", "merge"] as const)(
    `${CASES_PER_ENDPOINT} invalid %s bodies: all 4xx with the error body, nothing written`,
    async (endpoint) => {
      const before = counts()
      const { failures, statuses } = await fuzz(cases(endpoint))
      expect(failures).toEqual([])
      expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true)
      expect(counts()).toEqual(before)
    }
  )

  it("the valid bodies the fuzzer starts from do succeed (so the 4xx above come from the mutations)", async () => {
    expect(
      (await request(server, "PUT", "/probation-case/S123456/referrals", { token, body: validReferral })).status
    ).toBe(204)
    const merged = await request(
      server,
      "PUT",
      `/probation-case/N049975/referrals/${DevReferrals.noAppointments}/appointments`,
      {
        token,
        body: validMerge
      }
    )
    expect(merged.status).toBe(200)
  })
})
