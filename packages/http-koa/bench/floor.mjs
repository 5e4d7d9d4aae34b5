// The hand-written floor the host is measured against: what the two write endpoints cost without Effect — Koa +
// @koa/router, synchronous RS256 JWT verification with node:crypto (algorithm, signature, expiry, issuer, role), hand
// validation, London wall clock, and prepared statements (node:sqlite DatabaseSync, or a `pg` pool) issuing the
// statements the project issues, in the same transactions, writing the same rows and one JSON request log line on
// stdout per request.
//
// The statements were obtained by tracing the host: servers.mjs wraps node:sqlite's StatementSync/DatabaseSync.exec (and
// pg's Client.query) and records what one request issues; http-bench.mjs compares that list, floor against host, before
// timing, and aborts on any difference. Reference data the host caches (contact/NSI types, the CRS provider, team and
// staff) is read once at start here too, and business interactions and office locations on first use. Per request:
//   appointment create (§4.2, new future appointment) — BEGIN; lock; nsiByUrn; clash; contactByUrn;
//     next(CONTACT_ID_SEQ); insertContact; COMMIT; then (autocommit) audit (CLBI003).
//   referral start (§4.1) — BEGIN; lock; nsiByUrn; disposal; rar; next(NSI_ID_SEQ); insertNsi; next(NSI_MANAGER_ID_SEQ);
//     insertManager; next(NSI_STATUS_HISTORY_ID_SEQ); insertHistory; 3 × (activeManager; next(CONTACT_ID_SEQ);
//     insertContact) for NREF, the INPROG status contact, NCOM; nsiById; COMMIT; then audit (NIBI009).
// PostgreSQL: the same texts with $n placeholders, except the lock (SELECT … FOR UPDATE) and next (nextval).
import { createPublicKey, randomUUID, verify } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import Router from "@koa/router"
import Koa from "koa"

const NSI_COLUMNS = `n.NSI_ID, n.OFFENDER_ID, o.CRN, n.NSI_TYPE_ID, n.NSI_STATUS_ID, s.CODE AS STATUS_CODE, n.NSI_OUTCOME_ID,
  n.NSI_STATUS_DATE, n.REFERRAL_DATE, n.ACTUAL_START_DATE, n.ACTUAL_END_DATE, n.NOTES, n.EXTERNAL_REFERENCE,
  n.INTENDED_PROVIDER_ID, n.EVENT_ID, n.RQMNT_ID, n.RAR_COUNT, n.ACTIVE_FLAG, n.ROW_VERSION, n.CREATED_DATETIME,
  n.LAST_UPDATED_DATETIME FROM NSI n JOIN OFFENDER o ON o.OFFENDER_ID = n.OFFENDER_ID
  JOIN R_NSI_STATUS s ON s.NSI_STATUS_ID = n.NSI_STATUS_ID`
const insert = (table, columns) =>
  `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(",")}) VALUES (${columns.map(() => "?").join(",")})`
const CONTACT = `CONTACT_ID OFFENDER_ID CONTACT_TYPE_ID CONTACT_DATE CONTACT_START_TIME CONTACT_END_TIME EVENT_ID NSI_ID
  PROBATION_AREA_ID TEAM_ID STAFF_ID OFFICE_LOCATION_ID RAR_ACTIVITY LINKED_CONTACT_ID EXTERNAL_REFERENCE NOTES
  SOFT_DELETED PARTITION_AREA_ID ROW_VERSION CREATED_DATETIME CREATED_BY_USER_ID LAST_UPDATED_DATETIME LAST_UPDATED_USER_ID`
const NSI = `NSI_ID OFFENDER_ID NSI_TYPE_ID NSI_STATUS_ID NSI_OUTCOME_ID NSI_STATUS_DATE REFERRAL_DATE ACTUAL_START_DATE
  ACTUAL_END_DATE NOTES EXTERNAL_REFERENCE INTENDED_PROVIDER_ID EVENT_ID RQMNT_ID RAR_COUNT PENDING_TRANSFER ACTIVE_FLAG
  SOFT_DELETED ROW_VERSION CREATED_DATETIME CREATED_BY_USER_ID LAST_UPDATED_DATETIME LAST_UPDATED_USER_ID`
const MANAGER = `NSI_MANAGER_ID NSI_ID PROBATION_AREA_ID TEAM_ID STAFF_ID START_DATE ACTIVE_FLAG SOFT_DELETED
  PARTITION_AREA_ID ROW_VERSION CREATED_DATETIME CREATED_BY_USER_ID LAST_UPDATED_DATETIME LAST_UPDATED_USER_ID`
const HISTORY = `NSI_STATUS_HISTORY_ID NSI_ID NSI_STATUS_ID NSI_STATUS_DATE NOTES SOFT_DELETED ROW_VERSION CREATED_DATETIME
  CREATED_BY_USER_ID LAST_UPDATED_DATETIME LAST_UPDATED_USER_ID`
const cols = (text) => text.trim().split(/\s+/)

export const STATEMENTS = {
  lock: "UPDATE OFFENDER SET SOFT_DELETED = SOFT_DELETED WHERE CRN = ? AND SOFT_DELETED = 0 RETURNING OFFENDER_ID",
  nsiByUrn: `SELECT ${NSI_COLUMNS} WHERE o.CRN = ? AND o.SOFT_DELETED = 0 AND n.EXTERNAL_REFERENCE = ?
    AND n.SOFT_DELETED = 0 ORDER BY n.NSI_ID`,
  nsiById: `SELECT ${NSI_COLUMNS} WHERE n.NSI_ID = ?`,
  clash: `SELECT c.EXTERNAL_REFERENCE, c.CONTACT_START_TIME, c.CONTACT_END_TIME FROM CONTACT c
    JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID WHERE c.OFFENDER_ID = ? AND t.ATTENDANCE_CONTACT = 'Y'
    AND c.CONTACT_DATE = ? AND c.SOFT_DELETED = 0 AND c.CONTACT_OUTCOME_TYPE_ID IS NULL`,
  location: `SELECT l.OFFICE_LOCATION_ID, l.CODE, l.DESCRIPTION, l.BUILDING_NAME, l.BUILDING_NUMBER, l.STREET_NAME,
    l.DISTRICT, l.TOWN_CITY, l.COUNTY, l.POSTCODE, l.TELEPHONE_NUMBER, p.CODE AS PROVIDER_CODE,
    p.DESCRIPTION AS PROVIDER_DESCRIPTION FROM OFFICE_LOCATION l JOIN PROBATION_AREA p
    ON p.PROBATION_AREA_ID = l.PROBATION_AREA_ID WHERE l.CODE = ? AND (p.END_DATE IS NULL OR p.END_DATE > ?)
    AND (l.END_DATE IS NULL OR l.END_DATE > ?) ORDER BY l.OFFICE_LOCATION_ID`,
  contactByUrn: `SELECT c.CONTACT_ID, c.OFFENDER_ID, o.CRN, c.CONTACT_TYPE_ID, t.CODE AS CONTACT_TYPE_CODE,
    c.CONTACT_DATE, c.CONTACT_START_TIME, c.CONTACT_END_TIME, c.ATTENDED, c.COMPLIED, c.CONTACT_OUTCOME_TYPE_ID,
    oc.CODE AS OUTCOME_CODE, c.HOURS_CREDITED, c.LATEST_ENFORCEMENT_ACTION_ID, c.ENFORCEMENT, c.EVENT_ID, c.NSI_ID,
    c.PROBATION_AREA_ID, c.TEAM_ID, c.STAFF_ID, c.OFFICE_LOCATION_ID, c.RAR_ACTIVITY, c.LINKED_CONTACT_ID,
    c.EXTERNAL_REFERENCE, c.NOTES, c.ROW_VERSION FROM CONTACT c JOIN OFFENDER o ON o.OFFENDER_ID = c.OFFENDER_ID
    JOIN R_CONTACT_TYPE t ON t.CONTACT_TYPE_ID = c.CONTACT_TYPE_ID
    LEFT JOIN R_CONTACT_OUTCOME_TYPE oc ON oc.CONTACT_OUTCOME_TYPE_ID = c.CONTACT_OUTCOME_TYPE_ID
    WHERE o.CRN = ? AND c.EXTERNAL_REFERENCE = ? AND c.SOFT_DELETED = 0 ORDER BY c.CONTACT_ID`,
  disposal: `SELECT d.DISPOSAL_ID, d.EVENT_ID, t.DISPOSAL_TYPE_CODE FROM DISPOSAL d JOIN EVENT e ON e.EVENT_ID = d.EVENT_ID
    JOIN R_DISPOSAL_TYPE t ON t.DISPOSAL_TYPE_ID = d.DISPOSAL_TYPE_ID WHERE e.OFFENDER_ID = ? AND e.EVENT_ID = ?
    ORDER BY d.DISPOSAL_ID`,
  rar: `SELECT r.RQMNT_ID FROM RQMNT r JOIN R_RQMNT_TYPE_MAIN_CATEGORY c
    ON c.RQMNT_TYPE_MAIN_CATEGORY_ID = r.RQMNT_TYPE_MAIN_CATEGORY_ID WHERE r.OFFENDER_ID = ? AND r.DISPOSAL_ID = ?
    AND r.SOFT_DELETED = 0 AND c.CODE = 'F' ORDER BY r.RQMNT_ID`,
  next: "UPDATE DELIUS_SEQUENCE SET LAST_VALUE = LAST_VALUE + 1 WHERE SEQUENCE_NAME = ? RETURNING LAST_VALUE",
  insertContact: insert("CONTACT", cols(CONTACT)),
  insertNsi: insert("NSI", cols(NSI)),
  insertManager: insert("NSI_MANAGER", cols(MANAGER)),
  insertHistory: insert("NSI_STATUS_HISTORY", cols(HISTORY)),
  activeManager: `SELECT NSI_MANAGER_ID, PROBATION_AREA_ID, TEAM_ID, STAFF_ID FROM NSI_MANAGER
    WHERE NSI_ID = ? AND ACTIVE_FLAG = 1 AND SOFT_DELETED = 0 ORDER BY NSI_MANAGER_ID`,
  interaction: `SELECT BUSINESS_INTERACTION_ID AS ID FROM BUSINESS_INTERACTION
    WHERE BUSINESS_INTERACTION_CODE = ? AND (ENABLED_DATE IS NULL OR ENABLED_DATE <= ?)`,
  audit: insert("AUDITED_INTERACTION", cols("BUSINESS_INTERACTION_ID USER_ID DATE_TIME OUTCOME INTERACTION_PARAMETERS"))
}

// Read once at start, as the host's reference-data cache does.
const REFERENCE = {
  contactType: "SELECT CONTACT_TYPE_ID AS ID FROM R_CONTACT_TYPE WHERE CODE = ?",
  nsiType: "SELECT NSI_TYPE_ID AS ID FROM R_NSI_TYPE WHERE CODE = ?",
  nsiStatus: "SELECT NSI_STATUS_ID AS ID, CONTACT_TYPE_ID FROM R_NSI_STATUS WHERE CODE = ?",
  provider: "SELECT PROBATION_AREA_ID AS ID FROM PROBATION_AREA WHERE CODE = ?",
  team: "SELECT TEAM_ID AS ID FROM TEAM WHERE CODE = ?",
  staff: "SELECT STAFF_ID AS ID FROM STAFF WHERE OFFICER_CODE = ?"
}

/** BEGIN, `work`, COMMIT — ROLLBACK when `work` fails. */
const inTransaction = async (exec, work) => {
  await exec("BEGIN")
  try {
    const result = await work()
    await exec("COMMIT")
    return result
  } catch (error) {
    await exec("ROLLBACK")
    throw error
  }
}

/** node:sqlite: statements prepared once; one connection, so transactions run one at a time, as the host's do. */
const sqliteDatabase = async (file) => {
  const { DatabaseSync } = await import("node:sqlite")
  const db = new DatabaseSync(file, { timeout: 2000 })
  // The host's SqliteClient settings: WAL, synchronous = NORMAL, busy timeout 2000 ms.
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
  const prepared = Object.fromEntries(Object.entries(STATEMENTS).map(([name, sql]) => [name, db.prepare(sql)]))
  const s = {
    all: async (name, ...params) => prepared[name].all(...params),
    next: async (sequence) => prepared.next.get(sequence).LAST_VALUE
  }
  const exec = (sql) => db.exec(sql)
  let queue = Promise.resolve()
  const serially = (work) => (queue = queue.catch(() => {}).then(work))
  return {
    one: async (sql, ...params) => db.prepare(sql).get(...params),
    transaction: (work) => serially(() => inTransaction(exec, () => work(s))),
    autocommit: (work) => serially(() => work(s)),
    close: async () => db.close()
  }
}

/** `pg`: a pool as large as the host's (10); named statements, so each is parsed once per connection. */
const pgDatabase = async (url) => {
  const { default: pg } = await import("pg")
  // DATE and TIMESTAMP as text (Delius's London wall clock, §2.2), as the host reads them.
  const types = {
    getTypeParser: (oid, f) => (oid === 1082 || oid === 1114 ? (v) => v : pg.types.getTypeParser(oid, f))
  }
  const pool = new pg.Pool({ connectionString: url, max: 10, types })
  // The host's PostgreSQL dialect: a row lock and nextval() for the SQLite emulations, $n, lower-case quoted columns.
  const dollar = (sql) => {
    let n = 0
    return sql.replace(/\?/g, () => `$${++n}`).replace(/"([A-Z_]+)"/g, (_, name) => `"${name.toLowerCase()}"`)
  }
  const texts = Object.fromEntries(Object.entries(STATEMENTS).map(([name, sql]) => [name, dollar(sql)]))
  texts.lock = "SELECT OFFENDER_ID FROM OFFENDER WHERE CRN = $1 AND SOFT_DELETED = 0 FOR UPDATE"
  const upper = (row) => {
    const out = {}
    for (const key in row) out[key.toUpperCase()] = row[key]
    return out
  }
  const on = (client) => ({
    all: async (name, ...values) => (await client.query({ name, text: texts[name], values })).rows.map(upper),
    next: async (seq) => Number((await client.query({ name: seq, text: `SELECT nextval('${seq}') AS ID` })).rows[0].id)
  })
  const withClient = async (work) => {
    const client = await pool.connect()
    return work(client).finally(() => client.release())
  }
  return {
    one: async (sql, ...params) => upper((await pool.query(dollar(sql), params)).rows[0]),
    transaction: (work) =>
      withClient((c) =>
        inTransaction(
          (sql) => c.query(sql),
          () => work(on(c))
        )
      ),
    autocommit: (work) => withClient((c) => work(on(c))),
    close: () => pool.end()
  }
}

// --- London wall clock (spec §2.2): `YYYY-MM-DD HH:MM:SS.ffffff` ---------------------------------------------------
// sv-SE formats as `YYYY-MM-DD HH:MM:SS`.
const london = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/London", dateStyle: "short", timeStyle: "medium" })
const wallClock = (ms) => `${london.format(ms)}.${String(((ms % 1000) + 1000) % 1000).padStart(3, "0")}000`

// --- hand validation --------------------------------------------------------------------------------------------
class Problem extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/
const invalid = (field) => {
  throw new Problem(400, `Invalid body: ${field}`)
}
const uuid = (body, field) => (typeof body[field] === "string" && UUID.test(body[field]) ? body[field] : invalid(field))
const instant = (body, field) => {
  const value = body[field]
  const ms = typeof value === "string" && INSTANT.test(value) ? Date.parse(value) : NaN
  // The host's range (years 1900–2199).
  return Number.isNaN(ms) || ms < -2208988800000 || ms >= 7258118400000 ? invalid(field) : ms
}
const optionalText = (body, field) =>
  body[field] == null ? null : typeof body[field] === "string" ? body[field] : invalid(field)
const object = (body) => (body !== null && typeof body === "object" && !Array.isArray(body) ? body : invalid("body"))

const appointmentInput = (body) => {
  object(body)
  const duration = body.durationInMinutes
  if (!Number.isInteger(duration) || duration <= 0) invalid("durationInMinutes")
  if (typeof body.countsTowardsRar !== "boolean") invalid("countsTowardsRar")
  for (const field of ["previousId", "deliusId", "rescheduleRequestedBy"]) {
    if (body[field] != null && typeof body[field] !== "string") invalid(field)
  }
  if (body.sentenceId != null && !Number.isSafeInteger(body.sentenceId)) invalid("sentenceId")
  if (body.outcome != null) throw new Problem(400, "the floor handles new future appointments only")
  const start = instant(body, "start")
  return {
    id: uuid(body, "id"),
    referralId: uuid(body, "referralId"),
    start,
    end: start + duration * 60_000,
    notes: optionalText(body, "notes"),
    officeLocationCode: optionalText(body, "officeLocationCode")
  }
}

const referralInput = (body) => {
  object(body)
  if (typeof body.contractType !== "string" || body.contractType !== "ACC") invalid("contractType")
  if (!Number.isSafeInteger(body.sentenceId)) invalid("sentenceId")
  return {
    referralId: uuid(body, "referralId"),
    startedAt: instant(body, "startedAt"),
    sentenceId: body.sentenceId,
    notes: optionalText(body, "notes")
  }
}

// --- the workflows -------------------------------------------------------------------------------------------------
const makeWorkflows = async (db) => {
  const crs = {
    provider: (await db.one(REFERENCE.provider, "CRS")).ID,
    team: (await db.one(REFERENCE.team, "CRSUAT")).ID,
    staff: (await db.one(REFERENCE.staff, "CRSUATU")).ID
  }
  const type = async (code) => (await db.one(REFERENCE.contactType, code)).ID
  const types = { CRSAPT: await type("CRSAPT"), NREF: await type("NREF"), NCOM: await type("NCOM") }
  const nsiType = (await db.one(REFERENCE.nsiType, "CRS01")).ID
  const inProgress = await db.one(REFERENCE.nsiStatus, "INPROG")
  const next = (s, sequence) => s.next(sequence)
  const lock = async (s, crn) => (await s.all("lock", crn))[0]?.OFFENDER_ID ?? notFound("Person", crn)
  const notFound = (what, key) => {
    throw new Problem(404, `${what} not found: ${key}`)
  }
  // Business interactions and office locations are cached as the host caches them (code; code + day).
  const interactions = new Map()
  const locations = new Map()
  const audit = (code, parameters) =>
    db.autocommit(async (s) => {
      const now = wallClock(Date.now())
      if (!interactions.has(code)) interactions.set(code, (await s.all("interaction", code, now))[0].ID)
      await s.all("audit", interactions.get(code), 1, now, "P", parameters)
    })
  const location = async (s, code, today) => {
    const key = `${today} ${code}`
    if (!locations.has(key)) locations.set(key, await s.all("location", code, today, today))
    return locations.get(key)
  }

  const createAppointment = async (crn, referralId, input) => {
    const urn = `urn:hmpps:interventions-appointment:${input.id}`
    const contactId = await db.transaction(async (s) => {
      const offenderId = await lock(s, crn)
      const [nsi] = await s.all("nsiByUrn", crn, `urn:hmpps:interventions-referral:${referralId}`)
      if (nsi === undefined) notFound("Referral", referralId)
      const start = wallClock(input.start)
      const end = wallClock(input.end)
      const date = start.slice(0, 10)
      for (const other of await s.all("clash", offenderId, date)) {
        if (other.CONTACT_START_TIME < end && (other.CONTACT_END_TIME ?? other.CONTACT_START_TIME) > start) {
          throw new Problem(409, `Appointment clashes with ${other.EXTERNAL_REFERENCE}`)
        }
      }
      const today = wallClock(Date.now()).slice(0, 10)
      const [office] = input.officeLocationCode === null ? [] : await location(s, input.officeLocationCode, today)
      if ((await s.all("contactByUrn", crn, urn)).length > 0) throw new Problem(409, "the floor creates only")
      const id = await next(s, "CONTACT_ID_SEQ")
      const now = wallClock(Date.now())
      // Notes appended to none (spec §2.5): "\n" + notes.
      const notes = input.notes === null ? null : `\n${input.notes.replace(/\r\n?/g, "\n")}`
      await s.all(
        "insertContact",
        ...[id, offenderId, types.CRSAPT, date, start, end, nsi.EVENT_ID, nsi.NSI_ID, crs.provider, crs.team],
        ...[crs.staff, office?.OFFICE_LOCATION_ID ?? null, "N", null, urn, notes, 0, 0, 0, now, 1, now, 1]
      )
      return [offenderId, id]
    })
    await audit("CLBI003", `offenderId='${contactId[0]}',contactId='${contactId[1]}'`)
    return contactId[1]
  }

  const startReferral = async (crn, input) => {
    const urn = `urn:hmpps:interventions-referral:${input.referralId}`
    const [offenderId, nsiId] = await db.transaction(async (s) => {
      const offenderId = await lock(s, crn)
      if ((await s.all("nsiByUrn", crn, urn)).length > 0) throw new Problem(409, "the floor starts new referrals only")
      const [disposal] = await s.all("disposal", offenderId, input.sentenceId)
      if (disposal === undefined) notFound("Sentence", input.sentenceId)
      const [rar] = await s.all("rar", offenderId, disposal.DISPOSAL_ID)
      const started = wallClock(input.startedAt)
      const now = wallClock(Date.now())
      const nsiId = await next(s, "NSI_ID_SEQ")
      const [status, event, rqmnt] = [inProgress.ID, disposal.EVENT_ID, rar?.RQMNT_ID ?? null]
      await s.all(
        "insertNsi",
        ...[nsiId, offenderId, nsiType, status, null, started, started.slice(0, 10), started, null, input.notes],
        ...[urn, crs.provider, event, rqmnt, null, 0, 1, 0, 0, now, 1, now, 1]
      )
      const managerId = await next(s, "NSI_MANAGER_ID_SEQ")
      await s.all(
        "insertManager",
        ...[managerId, nsiId, crs.provider, crs.team, crs.staff, started, 1, 0, 0, 0, now, 1, now, 1]
      )
      const historyId = await next(s, "NSI_STATUS_HISTORY_ID_SEQ")
      await s.all("insertHistory", historyId, nsiId, status, started, input.notes, 0, 0, now, 1, now, 1)
      // The NSI-contact pattern (spec §8.4): NREF, the status contact, NCOM — each on the NSI's active manager.
      for (const typeId of [types.NREF, inProgress.CONTACT_TYPE_ID, types.NCOM]) {
        const [m] = await s.all("activeManager", nsiId)
        const id = await next(s, "CONTACT_ID_SEQ")
        await s.all(
          "insertContact",
          ...[id, offenderId, typeId, started.slice(0, 10), started, null, event, nsiId, m.PROBATION_AREA_ID],
          ...[m.TEAM_ID, m.STAFF_ID, null, null, null, null, null, 0, 0, 0, now, 1, now, 1]
        )
      }
      await s.all("nsiById", nsiId)
      return [offenderId, nsiId]
    })
    await audit("NIBI009", `offenderId='${offenderId}',nsiId='${nsiId}'`)
  }
  return { createAppointment, startReferral }
}

// --- HTTP ----------------------------------------------------------------------------------------------------------
const readJson = async (req, limit = 1_000_000) => {
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    if ((size += chunk.length) > limit) throw new Problem(413, "body too large")
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"))
  } catch {
    throw new Problem(400, "Invalid body: not JSON")
  }
}

/** Start the floor on `url` (`sqlite:<file>` or `postgres://…`), verifying tokens against the dev key in `keyFile`. */
export const startFloor = async ({ url, keyFile, role, issuer }) => {
  const db = url.startsWith("sqlite:") ? await sqliteDatabase(url.slice("sqlite:".length)) : await pgDatabase(url)
  const workflows = await makeWorkflows(db)
  const { kty, n, e } = JSON.parse(readFileSync(keyFile, "utf8"))
  const publicKey = createPublicKey({ key: { kty, n, e }, format: "jwk" })
  // The cheapest honest check, as fast as the host's own: RS256 only, the signature over header.payload, then
  // expiry and issuer. Anything malformed is the same 401.
  const verifyToken = (token) => {
    const [header, payload, signature] = token.split(".")
    if (signature === undefined) throw new Problem(401, "Invalid token")
    try {
      if (JSON.parse(Buffer.from(header, "base64url").toString("utf8")).alg !== "RS256") throw 0
      const signed = Buffer.from(token.slice(0, header.length + payload.length + 1))
      if (!verify("sha256", signed, publicKey, Buffer.from(signature, "base64url"))) throw 0
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
      if (typeof claims.exp === "number" && Date.now() / 1000 >= claims.exp) throw 0
      if (claims.iss !== issuer) throw 0
      return claims
    } catch {
      throw new Problem(401, "Invalid token")
    }
  }
  const app = new Koa()
  app.use(async (ctx, next) => {
    const started = performance.now()
    const requestId = randomUUID()
    ctx.set("x-request-id", requestId)
    try {
      await next()
    } catch (error) {
      ctx.status = error instanceof Problem ? error.status : 500
      ctx.body = { status: ctx.status, userMessage: error instanceof Problem ? error.message : "Internal error" }
    }
    const level = ctx.status >= 500 ? "error" : ctx.status >= 400 ? "warn" : "info"
    const line = { time: new Date().toISOString(), level, message: `${ctx.method} ${ctx.path} ${ctx.status}` }
    const fields = { type: "request", method: ctx.method, path: ctx.path, status: ctx.status, requestId }
    process.stdout.write(
      `${JSON.stringify({ ...line, ...fields, durationMs: Math.round((performance.now() - started) * 100) / 100 })}\n`
    )
  })
  app.use(async (ctx, next) => {
    const [scheme, token] = (ctx.get("authorization") || "").split(" ")
    if (scheme !== "Bearer" || token === undefined) throw new Problem(401, "Authentication required")
    const payload = verifyToken(token)
    if (!Array.isArray(payload.authorities) || !payload.authorities.includes(role)) throw new Problem(403, "Forbidden")
    return next()
  })
  const router = new Router()
  router.put("/probation-case/:crn/referrals/:referralId/appointments", async (ctx) => {
    const input = appointmentInput(await readJson(ctx.req))
    if (input.referralId !== ctx.params.referralId) invalid("referralId")
    ctx.body = { appointmentId: await workflows.createAppointment(ctx.params.crn, ctx.params.referralId, input) }
  })
  router.put("/probation-case/:crn/referrals", async (ctx) => {
    await workflows.startReferral(ctx.params.crn, referralInput(await readJson(ctx.req)))
    ctx.status = 204
  })
  app.use(router.routes())
  const server = createServer(app.callback())
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { port: server.address().port, close: async () => (server.close(), await db.close()) }
}
