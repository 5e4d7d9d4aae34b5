// "Many persons" on PostgreSQL: `count` copies of the dev dataset's S123456 (OFFENDER, its
// EVENT_WITHOUT_NSI and that event's DISPOSAL, fresh ids and CRNs), each given a CRS referral by the project host's
// own referral start, so appointment creates can be spread over people and the per-person lock does not serialise
// them. Returns [{ crn, referralId }].
import pg from "pg"
import { startServer } from "./support.mjs"
import { EVENT_WITHOUT_NSI, referralBody } from "./workload.mjs"

// Copy one row with some columns replaced (table names are constants; values are parameters).
const copyRow = (table, key) =>
  `INSERT INTO ${table} SELECT (jsonb_populate_record(NULL::${table}, to_jsonb(t) || $1::jsonb)).* FROM ${table} t
   WHERE ${key} = $2`

export const addPersons = async (url, keyFile, token, count) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const made = []
  try {
    const max = async (sql) => Number((await client.query(sql)).rows[0].max)
    const [offender, event, disposal] = [
      await max("SELECT max(offender_id) FROM offender"),
      await max("SELECT max(event_id) FROM event"),
      await max("SELECT max(disposal_id) FROM disposal")
    ]
    const source = (await client.query("SELECT offender_id FROM offender WHERE crn = 'S123456'")).rows[0].offender_id
    for (let i = 1; i <= count; i++) {
      const crn = `B${100000 + i}`
      const ids = { offender_id: offender + i, event_id: event + i, disposal_id: disposal + i }
      await client.query(copyRow("offender", "offender_id"), [{ offender_id: ids.offender_id, crn }, source])
      await client.query(copyRow("event", "event_id"), [
        { event_id: ids.event_id, offender_id: ids.offender_id },
        EVENT_WITHOUT_NSI
      ])
      await client.query(copyRow("disposal", "event_id"), [{ ...ids }, EVENT_WITHOUT_NSI])
      made.push({ crn, sentenceId: ids.event_id })
    }
  } finally {
    await client.end()
  }
  const host = await startServer("host", url, keyFile)
  try {
    const persons = []
    for (const { crn, sentenceId } of made) {
      const body = referralBody(sentenceId)
      const response = await fetch(`${host.url}/probation-case/${crn}/referrals`, {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body)
      })
      if (response.status !== 204)
        throw new Error(`referral start for ${crn}: ${response.status} ${await response.text()}`)
      persons.push({ crn, referralId: body.referralId })
    }
    return persons
  } finally {
    await host.stop()
  }
}
