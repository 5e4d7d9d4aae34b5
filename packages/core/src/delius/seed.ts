/**
 * Seeding of the embedded and test databases (spec/dev-dataset.md). `reference` loads the codes of spec §§6–8 plus
 * the fixed CRS provider/team/staff (§6.1) and the service's audit user (§8.2), without which no write can succeed;
 * `dev` adds the dev dataset's organisation, people, sentences, NSIs and contacts with the ids the fixtures rely on.
 */

import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { DatabaseError } from "../errors.js"
import { ContactId, londonDate, londonDateTime, NsiId, plusDays } from "../domain/index.js"
import { Dialect } from "./dialect.js"
import type { SequenceName } from "./tables.js"

export type SeedDataset = "dev" | "reference" | "none"

/** Fixed ids of the dev dataset ("gen" ids in dev-dataset.md §0); tests refer to them by name. */
export const DevIds = {
  user: { referAndMonitorAndDelius: 1, limitedAccess: 2, johnSmith: 3 },
  provider: { crs: 1, n01: 2, n02: 3 },
  team: { crsuat: 1, n01pro: 2, p01pri: 3 },
  staff: { crsuatu: 1, n01rmt1: 2, p01wdn1: 3 },
  offender: {
    T140223: 1,
    F123456: 2,
    S123456: 3,
    N049975: 4,
    C025519: 5,
    C014150: 6,
    E123456: 7,
    R123456: 8,
    B123456: 9,
    M123456: 10,
    F987462: 11
  },
  event: { withNsi: 1, withoutNsi: 2, fullDetail: 3 },
  disposal: { withNsi: 1, withoutNsi: 2, fullDetail: 3 },
  disposalType: { dfs: 1 },
  requirement: { onSentenceWithoutNsi: 1, rfn: 2 },
  nsi: {
    withdrawn: NsiId.make(1),
    noAppointments: NsiId.make(2),
    fuzzySearch: NsiId.make(3),
    terminated: NsiId.make(4)
  },
  contact: {
    nonCompliant: ContactId.make(1),
    compliant: ContactId.make(2),
    notAttended: ContactId.make(3),
    noSession: ContactId.make(4)
  },
  officeLocation: { defaultCrs: 1, testOne: 2, testTwo: 3, notCrs: 4, defaultN02: 5, crsExtl: 6, endDate: 7 }
} as const

export const DevReferrals = {
  withdrawn: "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080",
  noAppointments: "09c62549-bcd3-49a9-8120-7811b76925e5",
  terminated: "cb293dcb-c201-4743-aa9d-acb14c8a1ddd"
} as const

const CONTACT_TYPES: ReadonlyArray<[string, string, "Y" | "N", "Y" | "N"]> = [
  ["AROM", "Refer to Offender Manager", "N", "N"],
  ["ARWS", "Review Enforcement Status", "N", "N"],
  ["CRSAPT", "CRS Appointment", "Y", "Y"],
  ["CRSSAA", "CRS Supplier Assessment Appointment", "Y", "Y"],
  ["CRSNOTE", "CRS Notification", "N", "N"],
  ["NREF", "NSI Referral", "N", "N"],
  ["NCOM", "NSI Commenced", "N", "N"],
  ["NTER", "NSI Terminated", "N", "N"],
  ["C091", "NSI In Progress", "N", "N"],
  ["C092", "NSI Completed", "N", "N"]
]
export const contactTypeId = (code: string) => CONTACT_TYPES.findIndex(([c]) => c === code) + 1

const OUTCOMES: ReadonlyArray<[string, string, "Y" | "N", "Y" | "N"]> = [
  ["APPK", "Appointment Kept", "Y", "Y"],
  ["ATTC", "Attended - Complied", "Y", "Y"],
  ["AFTC", "Attended - Failed to Comply", "Y", "N"],
  ["AFTA", "Failed to Attend", "N", "N"],
  ["RSSR", "Rescheduled - Service Request", "N", "Y"],
  ["RSOF", "Rescheduled - PoP Request", "N", "Y"],
  ["ATSS", "Attended - Sent Home (Service Issues)", "Y", "Y"],
  ["APPW", "Appointment Withdrawn", "N", "Y"]
]

const NSI_TYPES = ["CRS01", "CRS02", "CRS05", "CRS06", "CRS04", "CRS03", "CRS07", "CRS08"]

const NSI_OUTCOMES: ReadonlyArray<[string, string]> = [
  ["CRS01", "Description of CRS01"],
  ["CRS02", "Description of CRS02"],
  ["CRS03", "Description of CRS03"],
  ["NSI1", "Ineligible referral"],
  ["NSI2", "Mistaken referral (inc Duplicate)"],
  ["NSI3", "Did not start (Work, Caring Commitments, Long-term Sickness)"],
  ["NSi4", "Started - Not finished (Work,Caring Commitments or Long-Term Sickness)"],
  ["NSI5", "Did not start – Changed Circumstances"],
  ["NSI6", "Started - Not finished (Changed Circumstances)"],
  ["NSI7", "Did not start - Needs met through another route"],
  ["NSI8", "Started - not finished (Needs met through another route)"],
  ["NSI9", "Did not start - Sentence Expired"],
  ["NSI10", "Started - Not finished (Sentence Expired)"],
  ["NSI11", "Did not start – Disengaged"],
  ["NSI12", "Started - Not finished (Disengaged)"],
  ["NSI13", "Completed"]
  // dev-dataset.md §1.7 seeds CRS01 twice ("Description of CRS01" and "Cancelled"), which makes the outcome lookup
  // ambiguous. This project seeds it once; the NTER note therefore reads "Description of CRS01".
]

const DATASETS: ReadonlyArray<[string, ReadonlyArray<string>]> = [
  ["ADDRESS STATUS", ["M", "O"]],
  ["DISABILITY TYPE", ["DIS1"]],
  ["ETHNICITY", ["ETH1"]],
  ["GENDER", ["GEN1"]],
  ["LANGUAGE", ["LANG1"]],
  ["RELIGION/FAITH", ["REL1"]],
  ["NSI OUTCOME", []]
]

/** Ids of standard reference list rows by dataset and code. */
export const referenceId = (dataset: string, code: string): number => {
  let id = 100
  for (const [name, codes] of DATASETS) {
    const list = name === "NSI OUTCOME" ? NSI_OUTCOMES.map(([c]) => c) : codes
    for (const c of list) {
      id++
      if (name === dataset && c === code) return id
    }
  }
  throw new Error(`No reference data ${dataset}/${code}`)
}

export const seed = (dataset: SeedDataset) =>
  Effect.gen(function* () {
    if (dataset === "none") return
    const sql = yield* SqlClient.SqlClient
    const dialect = yield* Dialect
    const now = yield* Clock.currentTimeMillis
    const today = londonDate(now)
    const nowTs = londonDateTime(now)
    const ago = (days: number) => londonDateTime(now - days * 86_400_000)
    const insert = (table: string, row: Record<string, unknown>) =>
      sql`INSERT INTO ${sql.literal(table)} ${sql.insert(row)}`
    const nextId = (sequence: SequenceName) => dialect.nextId(sql, sequence)
    const auditColumns = {
      ROW_VERSION: 0,
      CREATED_DATETIME: nowTs,
      CREATED_BY_USER_ID: DevIds.user.referAndMonitorAndDelius,
      LAST_UPDATED_DATETIME: nowTs,
      LAST_UPDATED_USER_ID: DevIds.user.referAndMonitorAndDelius
    }

    // --- reference data (§§6–8) ---
    for (const [i, code] of ["NIBI009", "CLBI003", "CLBI007"].entries()) {
      yield* insert("BUSINESS_INTERACTION", {
        BUSINESS_INTERACTION_ID: i + 1,
        BUSINESS_INTERACTION_CODE: code,
        ENABLED_DATE: null
      })
    }
    for (const [i, [code, description, ns, attendance]] of CONTACT_TYPES.entries()) {
      yield* insert("R_CONTACT_TYPE", {
        CONTACT_TYPE_ID: i + 1,
        CODE: code,
        DESCRIPTION: description,
        NATIONAL_STANDARDS_CONTACT: ns,
        ATTENDANCE_CONTACT: attendance
      })
    }
    for (const [i, [code, description, attendance, compliant]] of OUTCOMES.entries()) {
      yield* insert("R_CONTACT_OUTCOME_TYPE", {
        CONTACT_OUTCOME_TYPE_ID: i + 1,
        CODE: code,
        DESCRIPTION: description,
        OUTCOME_ATTENDANCE: attendance,
        OUTCOME_COMPLIANT_ACCEPTABLE: compliant
      })
    }
    yield* insert("R_ENFORCEMENT_ACTION", {
      ENFORCEMENT_ACTION_ID: 1,
      CODE: "ROM",
      DESCRIPTION: "Description of ROM",
      RESPONSE_BY_PERIOD: 7,
      CONTACT_TYPE_ID: contactTypeId("AROM")
    })
    for (const [i, code] of NSI_TYPES.entries()) {
      yield* insert("R_NSI_TYPE", { NSI_TYPE_ID: i + 1, CODE: code, DESCRIPTION: `Description of ${code}` })
    }
    yield* insert("R_NSI_STATUS", {
      NSI_STATUS_ID: 1,
      CODE: "INPROG",
      DESCRIPTION: "In Progress",
      CONTACT_TYPE_ID: contactTypeId("C091")
    })
    yield* insert("R_NSI_STATUS", {
      NSI_STATUS_ID: 2,
      CODE: "COMP",
      DESCRIPTION: "Completed",
      CONTACT_TYPE_ID: contactTypeId("C092")
    })
    for (const [i, [name]] of DATASETS.entries()) {
      yield* insert("R_REFERENCE_DATA_MASTER", { REFERENCE_DATA_MASTER_ID: i + 1, CODE_SET_NAME: name })
    }
    for (const [i, [name, codes]] of DATASETS.entries()) {
      const rows: ReadonlyArray<[string, string]> =
        name === "NSI OUTCOME" ? NSI_OUTCOMES : codes.map((c) => [c, `Description of ${c}`])
      for (const [code, description] of rows) {
        yield* insert("R_STANDARD_REFERENCE_LIST", {
          STANDARD_REFERENCE_LIST_ID: referenceId(name, code),
          CODE_VALUE: code,
          CODE_DESCRIPTION: description,
          REFERENCE_DATA_MASTER_ID: i + 1
        })
      }
    }
    yield* insert("R_DISPOSAL_TYPE", {
      DISPOSAL_TYPE_ID: DevIds.disposalType.dfs,
      DISPOSAL_TYPE_CODE: "DFS",
      DESCRIPTION: "Default Sentence Type",
      SENTENCE_TYPE: "NP",
      FTC_LIMIT: 0
    })
    yield* insert("R_RQMNT_TYPE_MAIN_CATEGORY", {
      RQMNT_TYPE_MAIN_CATEGORY_ID: 1,
      CODE: "F",
      DESCRIPTION: "Rehabilitation Activity Requirement"
    })
    yield* insert("R_OFFENCE", {
      OFFENCE_ID: 1,
      MAIN_CATEGORY_DESCRIPTION: "Main Category",
      SUB_CATEGORY_DESCRIPTION: "Sub Category"
    })

    // --- the fixed CRS assignment (§6.1) and the audit user (§8.2) ---
    yield* insert("PROBATION_AREA", {
      PROBATION_AREA_ID: DevIds.provider.crs,
      CODE: "CRS",
      DESCRIPTION: "Test Provider",
      END_DATE: null
    })
    yield* insert("BOROUGH", {
      BOROUGH_ID: 1,
      CODE: "PDU01",
      DESCRIPTION: "Description of PDU01",
      PROBATION_AREA_ID: DevIds.provider.crs,
      SELECTABLE: "Y"
    })
    yield* insert("DISTRICT", { DISTRICT_ID: 1, CODE: "LDU01", DESCRIPTION: "Description of LDU01", BOROUGH_ID: 1 })
    const team = (id: number, code: string, district: number) =>
      insert("TEAM", {
        TEAM_ID: id,
        CODE: code,
        DESCRIPTION: `Team ${code}`,
        DISTRICT_ID: district,
        EMAIL_ADDRESS: `team@${code}.co.uk`,
        TELEPHONE: "020 785 4451"
      })
    yield* team(DevIds.team.crsuat, "CRSUAT", 1)
    yield* insert("STAFF", {
      STAFF_ID: DevIds.staff.crsuatu,
      OFFICER_CODE: "CRSUATU",
      FORENAME: "Intended",
      SURNAME: "Staff"
    })
    yield* insert("USER_", {
      USER_ID: DevIds.user.referAndMonitorAndDelius,
      DISTINGUISHED_NAME: "ReferAndMonitorAndDelius",
      STAFF_ID: null
    })
    const location = (id: number, code: string, provider: number, extra: Record<string, unknown> = {}) =>
      insert("OFFICE_LOCATION", {
        OFFICE_LOCATION_ID: id,
        CODE: code,
        DESCRIPTION: `Description of ${code}`,
        BUILDING_NAME: null,
        BUILDING_NUMBER: null,
        STREET_NAME: null,
        DISTRICT: null,
        TOWN_CITY: null,
        COUNTY: null,
        POSTCODE: null,
        TELEPHONE_NUMBER: null,
        START_DATE: plusDays(today, -7),
        END_DATE: null,
        PROBATION_AREA_ID: provider,
        ...extra
      })
    // R&M sends CRSEXTL when no office was chosen (spec §16): it must exist for every merge to succeed.
    yield* location(DevIds.officeLocation.crsExtl, "CRSEXTL", DevIds.provider.crs)
    if (dataset === "reference") return

    // --- dev dataset: organisation (dev-dataset.md §2) ---
    yield* insert("PROBATION_AREA", {
      PROBATION_AREA_ID: DevIds.provider.n01,
      CODE: "N01",
      DESCRIPTION: "Non-CRS Provider",
      END_DATE: null
    })
    yield* insert("PROBATION_AREA", {
      PROBATION_AREA_ID: DevIds.provider.n02,
      CODE: "N02",
      DESCRIPTION: "Inactive Provider",
      END_DATE: "2020-01-01"
    })
    yield* insert("BOROUGH", {
      BOROUGH_ID: 2,
      CODE: "PDU02",
      DESCRIPTION: "Description of PDU02",
      PROBATION_AREA_ID: DevIds.provider.crs,
      SELECTABLE: "N"
    })
    yield* insert("DISTRICT", { DISTRICT_ID: 2, CODE: "LDU02", DESCRIPTION: "Description of LDU02", BOROUGH_ID: 2 })
    yield* team(DevIds.team.n01pro, "N01PRO", 1)
    yield* team(DevIds.team.p01pri, "P01PRI", 2)
    yield* insert("STAFF", {
      STAFF_ID: DevIds.staff.n01rmt1,
      OFFICER_CODE: "N01RMT1",
      FORENAME: "John",
      SURNAME: "Smith"
    })
    yield* insert("STAFF", {
      STAFF_ID: DevIds.staff.p01wdn1,
      OFFICER_CODE: "P01WDN1",
      FORENAME: "Peter",
      SURNAME: "Wilson"
    })
    yield* insert("USER_", { USER_ID: DevIds.user.limitedAccess, DISTINGUISHED_NAME: "LimitedAccess", STAFF_ID: null })
    yield* insert("USER_", {
      USER_ID: DevIds.user.johnSmith,
      DISTINGUISHED_NAME: "john-smith",
      STAFF_ID: DevIds.staff.n01rmt1
    })
    yield* location(DevIds.officeLocation.defaultCrs, "DEFAULT", DevIds.provider.crs)
    yield* location(DevIds.officeLocation.testOne, "TESTONE", DevIds.provider.crs, {
      BUILDING_NAME: "Test One",
      STREET_NAME: "Mantle Place",
      POSTCODE: "MP1 1PM"
    })
    yield* location(DevIds.officeLocation.testTwo, "TESTTWO", DevIds.provider.crs, {
      BUILDING_NAME: "Test Two",
      POSTCODE: "MP2 2PM",
      TELEPHONE_NUMBER: "020 123 6789"
    })
    yield* location(DevIds.officeLocation.notCrs, "NOTCRS", DevIds.provider.n01)
    yield* location(DevIds.officeLocation.defaultN02, "DEFAULT", DevIds.provider.n02)
    yield* location(DevIds.officeLocation.endDate, "ENDDATE", DevIds.provider.crs, { END_DATE: "2020-01-01" })
    yield* insert("TEAM_OFFICE_LOCATION", {
      TEAM_ID: DevIds.team.crsuat,
      OFFICE_LOCATION_ID: DevIds.officeLocation.defaultCrs
    })
    yield* insert("TEAM_OFFICE_LOCATION", {
      TEAM_ID: DevIds.team.n01pro,
      OFFICE_LOCATION_ID: DevIds.officeLocation.defaultCrs
    })

    // --- people (§3) ---
    const person = (crn: keyof typeof DevIds.offender, extra: Record<string, unknown> = {}) =>
      insert("OFFENDER", {
        OFFENDER_ID: DevIds.offender[crn],
        CRN: crn,
        NOMS_NUMBER: null,
        FIRST_NAME: null,
        SURNAME: null,
        DATE_OF_BIRTH_DATE: null,
        TELEPHONE_NUMBER: null,
        MOBILE_NUMBER: null,
        E_MAIL_ADDRESS: null,
        GENDER_ID: null,
        ETHNICITY_ID: null,
        LANGUAGE_ID: null,
        RELIGION_ID: null,
        EXCLUSION_MESSAGE: null,
        RESTRICTION_MESSAGE: null,
        SOFT_DELETED: 0,
        ...extra
      })
    yield* person("T140223", { NOMS_NUMBER: "A1234YZ" })
    for (const crn of ["F123456", "S123456", "N049975", "C025519", "C014150"] as const) yield* person(crn)
    yield* person("E123456", { EXCLUSION_MESSAGE: "There is an exclusion on this person" })
    yield* person("R123456", { RESTRICTION_MESSAGE: "There is a restriction on this person" })
    yield* person("B123456", {
      EXCLUSION_MESSAGE: "You are excluded from viewing this case",
      RESTRICTION_MESSAGE: "You are restricted from viewing this case"
    })
    const yearsAgo = (years: number) =>
      `${Number(today.slice(0, 4)) - years}${today.slice(4)}`.replace(/-02-29$/, "-02-28")
    yield* person("M123456", { FIRST_NAME: "Minimal", SURNAME: "Person", DATE_OF_BIRTH_DATE: yearsAgo(27) })
    yield* person("F987462", {
      FIRST_NAME: "Full",
      SURNAME: "Person",
      DATE_OF_BIRTH_DATE: yearsAgo(42),
      TELEPHONE_NUMBER: "0191 234 6718",
      MOBILE_NUMBER: "07453351625",
      E_MAIL_ADDRESS: "someone@somewhere.com",
      GENDER_ID: referenceId("GENDER", "GEN1"),
      ETHNICITY_ID: referenceId("ETHNICITY", "ETH1"),
      LANGUAGE_ID: referenceId("LANGUAGE", "LANG1"),
      RELIGION_ID: referenceId("RELIGION/FAITH", "REL1")
    })
    const address = (id: number, status: string, extra: Record<string, unknown>) =>
      insert("OFFENDER_ADDRESS", {
        OFFENDER_ADDRESS_ID: id,
        OFFENDER_ID: DevIds.offender.F987462,
        ADDRESS_STATUS_ID: referenceId("ADDRESS STATUS", status),
        BUILDING_NAME: null,
        ADDRESS_NUMBER: null,
        STREET_NAME: null,
        DISTRICT: null,
        TOWN_CITY: null,
        COUNTY: null,
        POSTCODE: null,
        NO_FIXED_ABODE: "N",
        START_DATE: plusDays(today, -7),
        END_DATE: null,
        SOFT_DELETED: 0,
        ...extra
      })
    yield* address(1, "M", { BUILDING_NAME: "Some Building", STREET_NAME: "Some Street", POSTCODE: "SB1 1SS" })
    yield* address(2, "O", { BUILDING_NAME: "No Such Place", POSTCODE: "NS1 1SP" })
    const disability = (id: number, extra: Record<string, unknown>) =>
      insert("DISABILITY", {
        DISABILITY_ID: id,
        OFFENDER_ID: DevIds.offender.F987462,
        DISABILITY_TYPE_ID: referenceId("DISABILITY TYPE", "DIS1"),
        NOTES: null,
        START_DATE: plusDays(today, -14),
        FINISH_DATE: null,
        SOFT_DELETED: 0,
        ...extra
      })
    yield* disability(1, { NOTES: "Some notes about the disability" })
    yield* disability(2, { SOFT_DELETED: 1 })
    yield* disability(3, { FINISH_DATE: plusDays(today, -1) })
    yield* insert("EXCLUSION", {
      EXCLUSION_ID: 1,
      OFFENDER_ID: DevIds.offender.E123456,
      USER_ID: DevIds.user.limitedAccess,
      EXCLUSION_DATE: nowTs,
      EXCLUSION_END_TIME: null
    })
    yield* insert("RESTRICTION", {
      RESTRICTION_ID: 1,
      OFFENDER_ID: DevIds.offender.R123456,
      USER_ID: DevIds.user.referAndMonitorAndDelius,
      RESTRICTION_TIME: nowTs,
      RESTRICTION_END_TIME: londonDateTime(now + 3_600_000)
    })
    yield* insert("EXCLUSION", {
      EXCLUSION_ID: 2,
      OFFENDER_ID: DevIds.offender.B123456,
      USER_ID: DevIds.user.limitedAccess,
      EXCLUSION_DATE: nowTs,
      EXCLUSION_END_TIME: null
    })
    yield* insert("RESTRICTION", {
      RESTRICTION_ID: 2,
      OFFENDER_ID: DevIds.offender.B123456,
      USER_ID: DevIds.user.referAndMonitorAndDelius,
      RESTRICTION_TIME: nowTs,
      RESTRICTION_END_TIME: null
    })
    yield* insert("OFFENDER_MANAGER", {
      OFFENDER_MANAGER_ID: 1,
      OFFENDER_ID: DevIds.offender.C025519,
      ALLOCATION_STAFF_ID: DevIds.staff.n01rmt1,
      TEAM_ID: DevIds.team.n01pro,
      ACTIVE_FLAG: 1,
      SOFT_DELETED: 0
    })
    yield* insert("OFFENDER_MANAGER", {
      OFFENDER_MANAGER_ID: 2,
      OFFENDER_ID: DevIds.offender.C014150,
      ALLOCATION_STAFF_ID: DevIds.staff.n01rmt1,
      TEAM_ID: DevIds.team.n01pro,
      ACTIVE_FLAG: 1,
      SOFT_DELETED: 0
    })
    yield* insert("PRISON_OFFENDER_MANAGER", {
      PRISON_OFFENDER_MANAGER_ID: 1,
      OFFENDER_ID: DevIds.offender.C014150,
      ALLOCATION_STAFF_ID: DevIds.staff.p01wdn1,
      ALLOCATION_TEAM_ID: DevIds.team.p01pri,
      EMAIL_ADDRESS: "manager@prison.gov.uk",
      TELEPHONE_NUMBER: "020 010 3445",
      ACTIVE_FLAG: 1,
      SOFT_DELETED: 0
    })
    yield* insert("RESPONSIBLE_OFFICER", {
      RESPONSIBLE_OFFICER_ID: 1,
      OFFENDER_MANAGER_ID: 1,
      PRISON_OFFENDER_MANAGER_ID: null,
      END_DATE: null
    })
    yield* insert("RESPONSIBLE_OFFICER", {
      RESPONSIBLE_OFFICER_ID: 2,
      OFFENDER_MANAGER_ID: null,
      PRISON_OFFENDER_MANAGER_ID: 1,
      END_DATE: null
    })

    // --- events, sentences, requirements (§4) ---
    const event = (id: number, offender: number) =>
      insert("EVENT", {
        EVENT_ID: id,
        OFFENDER_ID: offender,
        CONVICTION_DATE: plusDays(today, -14),
        FTC_COUNT: 0,
        IN_BREACH: 0,
        BREACH_END: null,
        ACTIVE_FLAG: 1,
        SOFT_DELETED: 0,
        ...auditColumns
      })
    const disposal = (id: number, eventId: number) =>
      insert("DISPOSAL", {
        DISPOSAL_ID: id,
        EVENT_ID: eventId,
        DISPOSAL_DATE: plusDays(today, -14),
        DISPOSAL_TYPE_ID: DevIds.disposalType.dfs,
        ENTERED_NOTIONAL_END_DATE: null,
        NOTIONAL_END_DATE: null,
        ACTIVE_FLAG: 1,
        SOFT_DELETED: 0
      })
    yield* event(DevIds.event.withNsi, DevIds.offender.T140223)
    yield* event(DevIds.event.withoutNsi, DevIds.offender.S123456)
    yield* event(DevIds.event.fullDetail, DevIds.offender.F987462)
    yield* disposal(DevIds.disposal.withNsi, DevIds.event.withNsi)
    yield* disposal(DevIds.disposal.withoutNsi, DevIds.event.withoutNsi)
    yield* disposal(DevIds.disposal.fullDetail, DevIds.event.fullDetail)
    yield* insert("MAIN_OFFENCE", {
      MAIN_OFFENCE_ID: 1,
      EVENT_ID: DevIds.event.fullDetail,
      OFFENCE_ID: 1,
      SOFT_DELETED: 0
    })
    yield* insert("RQMNT", {
      RQMNT_ID: DevIds.requirement.onSentenceWithoutNsi,
      OFFENDER_ID: DevIds.offender.S123456,
      DISPOSAL_ID: DevIds.disposal.withoutNsi,
      RQMNT_TYPE_MAIN_CATEGORY_ID: 1,
      ACTIVE_FLAG: 1,
      SOFT_DELETED: 0
    })
    yield* insert("RQMNT", {
      RQMNT_ID: DevIds.requirement.rfn,
      OFFENDER_ID: DevIds.offender.T140223,
      DISPOSAL_ID: DevIds.disposal.withNsi,
      RQMNT_TYPE_MAIN_CATEGORY_ID: 1,
      ACTIVE_FLAG: 1,
      SOFT_DELETED: 0
    })

    // --- NSIs (§5): sequence ids 1–4 in this order ---
    const nsi = (offender: number, type: string, extra: Record<string, unknown>) =>
      Effect.gen(function* () {
        const id = yield* nextId("NSI_ID_SEQ")
        yield* insert("NSI", {
          NSI_ID: id,
          OFFENDER_ID: offender,
          NSI_TYPE_ID: NSI_TYPES.indexOf(type) + 1,
          NSI_STATUS_ID: 1,
          NSI_OUTCOME_ID: null,
          NSI_STATUS_DATE: ago(7),
          REFERRAL_DATE: plusDays(today, -21),
          ACTUAL_START_DATE: null,
          ACTUAL_END_DATE: null,
          NOTES: null,
          EXTERNAL_REFERENCE: null,
          INTENDED_PROVIDER_ID: DevIds.provider.crs,
          EVENT_ID: null,
          RQMNT_ID: null,
          RAR_COUNT: null,
          PENDING_TRANSFER: 0,
          ACTIVE_FLAG: 1,
          SOFT_DELETED: 0,
          ...auditColumns,
          ...extra
        })
        return id
      })
    const manager = (nsiId: number) =>
      Effect.flatMap(nextId("NSI_MANAGER_ID_SEQ"), (id) =>
        insert("NSI_MANAGER", {
          NSI_MANAGER_ID: id,
          NSI_ID: nsiId,
          PROBATION_AREA_ID: DevIds.provider.crs,
          TEAM_ID: DevIds.team.crsuat,
          STAFF_ID: DevIds.staff.crsuatu,
          START_DATE: ago(7),
          ACTIVE_FLAG: 1,
          SOFT_DELETED: 0,
          PARTITION_AREA_ID: 0,
          ...auditColumns
        })
      )
    const withdrawn = yield* nsi(DevIds.offender.T140223, "CRS01", {
      EXTERNAL_REFERENCE: `urn:hmpps:interventions-referral:${DevReferrals.withdrawn}`,
      EVENT_ID: DevIds.event.withNsi,
      RQMNT_ID: DevIds.requirement.rfn,
      RAR_COUNT: 3
    })
    const noAppointments = yield* nsi(DevIds.offender.N049975, "CRS01", {
      EXTERNAL_REFERENCE: `urn:hmpps:interventions-referral:${DevReferrals.noAppointments}`
    })
    const fuzzy = yield* nsi(DevIds.offender.F123456, "CRS06", { REFERRAL_DATE: "2023-02-14", EVENT_ID: 97 })
    yield* nsi(DevIds.offender.T140223, "CRS01", {
      EXTERNAL_REFERENCE: `urn:hmpps:interventions-referral:${DevReferrals.terminated}`,
      EVENT_ID: DevIds.event.withNsi,
      ACTIVE_FLAG: 0
    })
    yield* manager(withdrawn)
    yield* manager(noAppointments)
    yield* manager(fuzzy)

    // --- contacts (§6): sequence ids 1–4, start = now − 1 day, 45 minutes ---
    const start = now - 86_400_000
    const url = (referral: string) =>
      `https://refer-monitor-intervention.service.justice.gov.uk/probation-practitioner/referrals/${referral}/progress`
    const notes = (referral: string) =>
      `\nService Delivery Appointment for Accommodation Referral FE4536C with Prime Provider ProviderName\n${url(referral)}`
    const contact = (date: string, reference: string | null, text: string) =>
      Effect.flatMap(nextId("CONTACT_ID_SEQ"), (id) =>
        insert("CONTACT", {
          CONTACT_ID: id,
          OFFENDER_ID: DevIds.offender.T140223,
          CONTACT_TYPE_ID: contactTypeId("CRSAPT"),
          CONTACT_DATE: date,
          CONTACT_START_TIME: londonDateTime(start),
          CONTACT_END_TIME: londonDateTime(start + 45 * 60_000),
          ATTENDED: null,
          COMPLIED: null,
          CONTACT_OUTCOME_TYPE_ID: null,
          HOURS_CREDITED: null,
          LATEST_ENFORCEMENT_ACTION_ID: null,
          ENFORCEMENT: null,
          EVENT_ID: DevIds.event.withNsi,
          NSI_ID: withdrawn,
          PROBATION_AREA_ID: DevIds.provider.crs,
          TEAM_ID: DevIds.team.crsuat,
          STAFF_ID: DevIds.staff.crsuatu,
          OFFICE_LOCATION_ID: null,
          RAR_ACTIVITY: "Y",
          LINKED_CONTACT_ID: null,
          EXTERNAL_REFERENCE: reference,
          NOTES: text,
          SOFT_DELETED: 0,
          PARTITION_AREA_ID: 0,
          ...auditColumns
        })
      )
    yield* contact(plusDays(today, -1), null, notes("f56c5f7c-632f-4cad-a1b3-693541cb5f22"))
    yield* contact(
      today,
      "urn:hmpps:interventions-appointment:48911ad2-1213-4bd3-8312-3824dc29f131",
      notes("f56c5f7c-632f-4cad-a1b3-693541cb5f22")
    )
    yield* contact(plusDays(today, -2), null, notes("89a3f79c-f12b-43de-9616-77ae19813cfe"))
    yield* contact(
      plusDays(today, -3),
      "urn:hmpps:interventions-appointment:c8801fa4-4487-4b38-9169-efabd4be98c9",
      notes("b408f920-a6e8-49c6-877d-6f1fa9309032")
    )
  }).pipe(
    (effect) => Effect.flatMap(SqlClient.SqlClient, (sql) => sql.withTransaction(effect)),
    Effect.mapError((cause) => new DatabaseError({ operation: `seed ${dataset}`, message: String(cause), cause })),
    Effect.withSpan("Delius.seed", { attributes: { dataset } })
  )
