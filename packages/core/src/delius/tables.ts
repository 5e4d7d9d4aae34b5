/**
 * The Delius schema subset this service reads and writes (spec §8.1, plus the columns the read endpoints of §4 use),
 * with Delius's own table and column names. In production the schema belongs to Delius and is never created by this
 * service: this model only builds the embedded database and test databases (see migrations.ts).
 */
export type ColumnType =
  | "id" // NUMBER(38) primary/foreign keys
  | "int" // small integer counters (FTC_COUNT, RAR_COUNT, RESPONSE_BY_PERIOD, ROW_VERSION)
  | "flag" // NUMBER(1) 1/0 flags (SOFT_DELETED, ACTIVE_FLAG, …) — §8.2
  | "yn" // CHAR(1) 'Y'/'N' flags (ATTENDED, COMPLIED, RAR_ACTIVITY, …) — §8.2
  | "decimal" // NUMBER(10,2) (HOURS_CREDITED)
  | { readonly varchar: number }
  | "clob"
  | "date" // DATE holding a Europe/London calendar date
  | "timestamp" // Europe/London wall-clock date-time (§2.2)

interface Column {
  readonly name: string
  readonly type: ColumnType
  readonly notNull?: boolean
  readonly default?: string | number
}

export interface Table {
  readonly name: string
  readonly primaryKey?: ReadonlyArray<string>
  readonly columns: ReadonlyArray<Column>
  readonly indexes?: ReadonlyArray<ReadonlyArray<string>>
}

const c = (name: string, type: ColumnType, opts: { notNull?: boolean; default?: string | number } = {}): Column => ({
  name,
  type,
  ...opts
})
const id = (name: string) => c(name, "id", { notNull: true })
const vc = (n: number) => ({ varchar: n })
const softDeleted = c("SOFT_DELETED", "flag", { notNull: true, default: 0 })
const audit = [
  c("ROW_VERSION", "int", { notNull: true, default: 0 }),
  c("CREATED_DATETIME", "timestamp"),
  c("CREATED_BY_USER_ID", "id"),
  c("LAST_UPDATED_DATETIME", "timestamp"),
  c("LAST_UPDATED_USER_ID", "id")
]

export const tables: ReadonlyArray<Table> = [
  // --- reference data -------------------------------------------------------------------------------------------
  {
    name: "R_REFERENCE_DATA_MASTER",
    primaryKey: ["REFERENCE_DATA_MASTER_ID"],
    columns: [id("REFERENCE_DATA_MASTER_ID"), c("CODE_SET_NAME", vc(100), { notNull: true })]
  },
  {
    name: "R_STANDARD_REFERENCE_LIST",
    primaryKey: ["STANDARD_REFERENCE_LIST_ID"],
    columns: [
      id("STANDARD_REFERENCE_LIST_ID"),
      c("CODE_VALUE", vc(100), { notNull: true }),
      c("CODE_DESCRIPTION", vc(500)),
      c("REFERENCE_DATA_MASTER_ID", "id", { notNull: true })
    ],
    indexes: [["REFERENCE_DATA_MASTER_ID", "CODE_VALUE"]]
  },
  {
    name: "BUSINESS_INTERACTION",
    primaryKey: ["BUSINESS_INTERACTION_ID"],
    columns: [
      id("BUSINESS_INTERACTION_ID"),
      c("BUSINESS_INTERACTION_CODE", vc(20), { notNull: true }),
      c("ENABLED_DATE", "timestamp")
    ]
  },
  {
    name: "AUDITED_INTERACTION",
    columns: [
      c("BUSINESS_INTERACTION_ID", "id", { notNull: true }),
      c("USER_ID", "id", { notNull: true }),
      c("DATE_TIME", "timestamp", { notNull: true }),
      c("OUTCOME", "yn", { notNull: true }),
      c("INTERACTION_PARAMETERS", vc(500))
    ]
  },
  {
    name: "R_CONTACT_TYPE",
    primaryKey: ["CONTACT_TYPE_ID"],
    columns: [
      id("CONTACT_TYPE_ID"),
      c("CODE", vc(10), { notNull: true }),
      c("DESCRIPTION", vc(200)),
      c("NATIONAL_STANDARDS_CONTACT", "yn", { notNull: true, default: "N" }),
      c("ATTENDANCE_CONTACT", "yn", { notNull: true, default: "N" })
    ],
    indexes: [["CODE"]]
  },
  {
    name: "R_CONTACT_OUTCOME_TYPE",
    primaryKey: ["CONTACT_OUTCOME_TYPE_ID"],
    columns: [
      id("CONTACT_OUTCOME_TYPE_ID"),
      c("CODE", vc(10), { notNull: true }),
      c("DESCRIPTION", vc(200)),
      c("OUTCOME_ATTENDANCE", "yn"),
      c("OUTCOME_COMPLIANT_ACCEPTABLE", "yn")
    ],
    indexes: [["CODE"]]
  },
  {
    name: "R_ENFORCEMENT_ACTION",
    primaryKey: ["ENFORCEMENT_ACTION_ID"],
    columns: [
      id("ENFORCEMENT_ACTION_ID"),
      c("CODE", vc(10), { notNull: true }),
      c("DESCRIPTION", vc(200)),
      c("RESPONSE_BY_PERIOD", "int"),
      c("CONTACT_TYPE_ID", "id")
    ]
  },
  {
    name: "R_NSI_TYPE",
    primaryKey: ["NSI_TYPE_ID"],
    columns: [id("NSI_TYPE_ID"), c("CODE", vc(20), { notNull: true }), c("DESCRIPTION", vc(200))]
  },
  {
    name: "R_NSI_STATUS",
    primaryKey: ["NSI_STATUS_ID"],
    columns: [
      id("NSI_STATUS_ID"),
      c("CODE", vc(20), { notNull: true }),
      c("DESCRIPTION", vc(200)),
      c("CONTACT_TYPE_ID", "id")
    ]
  },
  {
    name: "R_DISPOSAL_TYPE",
    primaryKey: ["DISPOSAL_TYPE_ID"],
    columns: [
      id("DISPOSAL_TYPE_ID"),
      c("DISPOSAL_TYPE_CODE", vc(20), { notNull: true }),
      c("DESCRIPTION", vc(200)),
      c("SENTENCE_TYPE", vc(20)),
      c("FTC_LIMIT", "int")
    ]
  },
  {
    name: "R_OFFENCE",
    primaryKey: ["OFFENCE_ID"],
    columns: [id("OFFENCE_ID"), c("MAIN_CATEGORY_DESCRIPTION", vc(200)), c("SUB_CATEGORY_DESCRIPTION", vc(200))]
  },
  {
    name: "R_RQMNT_TYPE_MAIN_CATEGORY",
    primaryKey: ["RQMNT_TYPE_MAIN_CATEGORY_ID"],
    columns: [id("RQMNT_TYPE_MAIN_CATEGORY_ID"), c("CODE", vc(20), { notNull: true }), c("DESCRIPTION", vc(200))]
  },
  // --- organisation ---------------------------------------------------------------------------------------------
  {
    name: "PROBATION_AREA",
    primaryKey: ["PROBATION_AREA_ID"],
    columns: [
      id("PROBATION_AREA_ID"),
      c("CODE", vc(3), { notNull: true }),
      c("DESCRIPTION", vc(200)),
      c("END_DATE", "date")
    ]
  },
  {
    name: "BOROUGH",
    primaryKey: ["BOROUGH_ID"],
    columns: [
      id("BOROUGH_ID"),
      c("CODE", vc(20), { notNull: true }),
      c("DESCRIPTION", vc(200)),
      c("PROBATION_AREA_ID", "id", { notNull: true }),
      c("SELECTABLE", "yn", { notNull: true, default: "Y" })
    ]
  },
  {
    name: "DISTRICT",
    primaryKey: ["DISTRICT_ID"],
    columns: [id("DISTRICT_ID"), c("CODE", vc(20), { notNull: true }), c("DESCRIPTION", vc(200)), c("BOROUGH_ID", "id")]
  },
  {
    name: "TEAM",
    primaryKey: ["TEAM_ID"],
    columns: [
      id("TEAM_ID"),
      c("CODE", vc(6), { notNull: true }),
      c("DESCRIPTION", vc(200)),
      c("DISTRICT_ID", "id"),
      c("EMAIL_ADDRESS", vc(200)),
      c("TELEPHONE", vc(50))
    ],
    indexes: [["CODE"]]
  },
  {
    name: "STAFF",
    primaryKey: ["STAFF_ID"],
    columns: [
      id("STAFF_ID"),
      c("OFFICER_CODE", vc(7), { notNull: true }),
      c("FORENAME", vc(100)),
      c("SURNAME", vc(100))
    ],
    indexes: [["OFFICER_CODE"]]
  },
  {
    name: "USER_",
    primaryKey: ["USER_ID"],
    columns: [id("USER_ID"), c("DISTINGUISHED_NAME", vc(200), { notNull: true }), c("STAFF_ID", "id")]
  },
  {
    name: "OFFICE_LOCATION",
    primaryKey: ["OFFICE_LOCATION_ID"],
    columns: [
      id("OFFICE_LOCATION_ID"),
      c("CODE", vc(7), { notNull: true }),
      c("DESCRIPTION", vc(200)),
      c("BUILDING_NAME", vc(100)),
      c("BUILDING_NUMBER", vc(35)),
      c("STREET_NAME", vc(100)),
      c("DISTRICT", vc(100)),
      c("TOWN_CITY", vc(100)),
      c("COUNTY", vc(100)),
      c("POSTCODE", vc(20)),
      c("TELEPHONE_NUMBER", vc(35)),
      c("START_DATE", "date"),
      c("END_DATE", "date"),
      c("PROBATION_AREA_ID", "id", { notNull: true })
    ],
    indexes: [["CODE"]]
  },
  {
    name: "TEAM_OFFICE_LOCATION",
    primaryKey: ["TEAM_ID", "OFFICE_LOCATION_ID"],
    columns: [id("TEAM_ID"), id("OFFICE_LOCATION_ID")]
  },
  // --- people ---------------------------------------------------------------------------------------------------
  {
    name: "OFFENDER",
    primaryKey: ["OFFENDER_ID"],
    columns: [
      id("OFFENDER_ID"),
      c("CRN", vc(7), { notNull: true }),
      c("NOMS_NUMBER", vc(7)),
      c("FIRST_NAME", vc(35)),
      c("SURNAME", vc(35)),
      c("DATE_OF_BIRTH_DATE", "date"),
      c("TELEPHONE_NUMBER", vc(35)),
      c("MOBILE_NUMBER", vc(35)),
      c("E_MAIL_ADDRESS", vc(255)),
      c("GENDER_ID", "id"),
      c("ETHNICITY_ID", "id"),
      c("LANGUAGE_ID", "id"),
      c("RELIGION_ID", "id"),
      c("EXCLUSION_MESSAGE", vc(2000)),
      c("RESTRICTION_MESSAGE", vc(2000)),
      softDeleted
    ],
    indexes: [["CRN"]]
  },
  {
    name: "OFFENDER_ADDRESS",
    primaryKey: ["OFFENDER_ADDRESS_ID"],
    columns: [
      id("OFFENDER_ADDRESS_ID"),
      id("OFFENDER_ID"),
      c("ADDRESS_STATUS_ID", "id"),
      c("BUILDING_NAME", vc(35)),
      c("ADDRESS_NUMBER", vc(35)),
      c("STREET_NAME", vc(35)),
      c("DISTRICT", vc(35)),
      c("TOWN_CITY", vc(35)),
      c("COUNTY", vc(35)),
      c("POSTCODE", vc(8)),
      c("NO_FIXED_ABODE", "yn", { default: "N" }),
      c("START_DATE", "date"),
      c("END_DATE", "date"),
      softDeleted
    ],
    indexes: [["OFFENDER_ID"]]
  },
  {
    name: "DISABILITY",
    primaryKey: ["DISABILITY_ID"],
    columns: [
      id("DISABILITY_ID"),
      id("OFFENDER_ID"),
      c("DISABILITY_TYPE_ID", "id"),
      c("NOTES", "clob"),
      c("START_DATE", "date"),
      c("FINISH_DATE", "date"),
      softDeleted
    ],
    indexes: [["OFFENDER_ID"]]
  },
  {
    name: "OFFENDER_MANAGER",
    primaryKey: ["OFFENDER_MANAGER_ID"],
    columns: [
      id("OFFENDER_MANAGER_ID"),
      id("OFFENDER_ID"),
      c("ALLOCATION_STAFF_ID", "id"),
      c("TEAM_ID", "id"),
      c("ACTIVE_FLAG", "flag", { notNull: true, default: 1 }),
      softDeleted
    ],
    indexes: [["OFFENDER_ID"], ["ALLOCATION_STAFF_ID"]]
  },
  {
    name: "PRISON_OFFENDER_MANAGER",
    primaryKey: ["PRISON_OFFENDER_MANAGER_ID"],
    columns: [
      id("PRISON_OFFENDER_MANAGER_ID"),
      id("OFFENDER_ID"),
      c("ALLOCATION_STAFF_ID", "id"),
      c("ALLOCATION_TEAM_ID", "id"),
      c("EMAIL_ADDRESS", vc(200)),
      c("TELEPHONE_NUMBER", vc(50)),
      c("ACTIVE_FLAG", "flag", { notNull: true, default: 1 }),
      softDeleted
    ],
    indexes: [["OFFENDER_ID"]]
  },
  {
    name: "RESPONSIBLE_OFFICER",
    primaryKey: ["RESPONSIBLE_OFFICER_ID"],
    columns: [
      id("RESPONSIBLE_OFFICER_ID"),
      c("OFFENDER_MANAGER_ID", "id"),
      c("PRISON_OFFENDER_MANAGER_ID", "id"),
      c("END_DATE", "timestamp")
    ]
  },
  {
    name: "EXCLUSION",
    primaryKey: ["EXCLUSION_ID"],
    columns: [
      id("EXCLUSION_ID"),
      id("OFFENDER_ID"),
      id("USER_ID"),
      c("EXCLUSION_DATE", "timestamp"),
      c("EXCLUSION_END_TIME", "timestamp")
    ],
    indexes: [["OFFENDER_ID"]]
  },
  {
    name: "RESTRICTION",
    primaryKey: ["RESTRICTION_ID"],
    columns: [
      id("RESTRICTION_ID"),
      id("OFFENDER_ID"),
      id("USER_ID"),
      c("RESTRICTION_TIME", "timestamp"),
      c("RESTRICTION_END_TIME", "timestamp")
    ],
    indexes: [["OFFENDER_ID"]]
  },
  // --- sentences ------------------------------------------------------------------------------------------------
  {
    name: "EVENT",
    primaryKey: ["EVENT_ID"],
    columns: [
      id("EVENT_ID"),
      id("OFFENDER_ID"),
      c("CONVICTION_DATE", "date"),
      c("FTC_COUNT", "int"),
      c("IN_BREACH", "flag", { notNull: true, default: 0 }),
      c("BREACH_END", "date"),
      c("ACTIVE_FLAG", "flag", { notNull: true, default: 1 }),
      softDeleted,
      ...audit
    ],
    indexes: [["OFFENDER_ID"]]
  },
  {
    name: "DISPOSAL",
    primaryKey: ["DISPOSAL_ID"],
    columns: [
      id("DISPOSAL_ID"),
      id("EVENT_ID"),
      c("DISPOSAL_DATE", "date"),
      c("DISPOSAL_TYPE_ID", "id", { notNull: true }),
      c("ENTERED_NOTIONAL_END_DATE", "date"),
      c("NOTIONAL_END_DATE", "date"),
      c("ACTIVE_FLAG", "flag", { notNull: true, default: 1 }),
      softDeleted
    ],
    indexes: [["EVENT_ID"]]
  },
  {
    name: "MAIN_OFFENCE",
    primaryKey: ["MAIN_OFFENCE_ID"],
    columns: [id("MAIN_OFFENCE_ID"), id("EVENT_ID"), id("OFFENCE_ID"), softDeleted],
    indexes: [["EVENT_ID"]]
  },
  {
    name: "RQMNT",
    primaryKey: ["RQMNT_ID"],
    columns: [
      id("RQMNT_ID"),
      id("OFFENDER_ID"),
      id("DISPOSAL_ID"),
      c("RQMNT_TYPE_MAIN_CATEGORY_ID", "id"),
      c("ACTIVE_FLAG", "flag", { notNull: true, default: 1 }),
      softDeleted
    ],
    indexes: [["DISPOSAL_ID"]]
  },
  // --- NSIs and contacts (written by this service) ---------------------------------------------------------------
  {
    name: "NSI",
    primaryKey: ["NSI_ID"],
    columns: [
      id("NSI_ID"),
      id("OFFENDER_ID"),
      id("NSI_TYPE_ID"),
      c("NSI_STATUS_ID", "id", { notNull: true }),
      c("NSI_OUTCOME_ID", "id"),
      c("NSI_STATUS_DATE", "timestamp", { notNull: true }),
      c("REFERRAL_DATE", "date", { notNull: true }),
      c("ACTUAL_START_DATE", "timestamp"),
      c("ACTUAL_END_DATE", "timestamp"),
      c("NOTES", "clob"),
      c("EXTERNAL_REFERENCE", vc(4000)),
      c("INTENDED_PROVIDER_ID", "id"),
      c("EVENT_ID", "id"),
      c("RQMNT_ID", "id"),
      c("RAR_COUNT", "int"),
      c("PENDING_TRANSFER", "flag", { notNull: true, default: 0 }),
      c("ACTIVE_FLAG", "flag", { notNull: true, default: 1 }),
      softDeleted,
      ...audit
    ],
    indexes: [["OFFENDER_ID"], ["EXTERNAL_REFERENCE"]]
  },
  {
    name: "NSI_MANAGER",
    primaryKey: ["NSI_MANAGER_ID"],
    columns: [
      id("NSI_MANAGER_ID"),
      id("NSI_ID"),
      c("PROBATION_AREA_ID", "id", { notNull: true }),
      c("TEAM_ID", "id", { notNull: true }),
      c("STAFF_ID", "id", { notNull: true }),
      c("START_DATE", "timestamp", { notNull: true }),
      c("ACTIVE_FLAG", "flag", { notNull: true, default: 1 }),
      softDeleted,
      c("PARTITION_AREA_ID", "id", { notNull: true, default: 0 }),
      ...audit
    ],
    indexes: [["NSI_ID"]]
  },
  {
    name: "NSI_STATUS_HISTORY",
    primaryKey: ["NSI_STATUS_HISTORY_ID"],
    columns: [
      id("NSI_STATUS_HISTORY_ID"),
      id("NSI_ID"),
      id("NSI_STATUS_ID"),
      c("NSI_STATUS_DATE", "timestamp", { notNull: true }),
      c("NOTES", "clob"),
      softDeleted,
      ...audit
    ],
    indexes: [["NSI_ID"]]
  },
  {
    name: "CONTACT",
    primaryKey: ["CONTACT_ID"],
    columns: [
      id("CONTACT_ID"),
      id("OFFENDER_ID"),
      id("CONTACT_TYPE_ID"),
      c("CONTACT_DATE", "date", { notNull: true }),
      c("CONTACT_START_TIME", "timestamp"),
      c("CONTACT_END_TIME", "timestamp"),
      c("ATTENDED", "yn"),
      c("COMPLIED", "yn"),
      c("CONTACT_OUTCOME_TYPE_ID", "id"),
      c("HOURS_CREDITED", "decimal"),
      c("LATEST_ENFORCEMENT_ACTION_ID", "id"),
      c("ENFORCEMENT", "flag"),
      c("EVENT_ID", "id"),
      c("NSI_ID", "id"),
      c("PROBATION_AREA_ID", "id"),
      c("TEAM_ID", "id"),
      c("STAFF_ID", "id"),
      c("OFFICE_LOCATION_ID", "id"),
      c("RAR_ACTIVITY", "yn"),
      c("LINKED_CONTACT_ID", "id"),
      c("EXTERNAL_REFERENCE", vc(4000)),
      c("NOTES", "clob"),
      c("SENSITIVE", "yn", { default: "N" }),
      c("ALERT_ACTIVE", "yn", { default: "N" }),
      softDeleted,
      c("PARTITION_AREA_ID", "id", { notNull: true, default: 0 }),
      ...audit
    ],
    indexes: [["OFFENDER_ID", "CONTACT_DATE"], ["EXTERNAL_REFERENCE"], ["NSI_ID"], ["EVENT_ID"]]
  },
  {
    name: "ENFORCEMENT",
    primaryKey: ["ENFORCEMENT_ID"],
    columns: [
      id("ENFORCEMENT_ID"),
      id("CONTACT_ID"),
      c("ENFORCEMENT_ACTION_ID", "id"),
      c("RESPONSE_DATE", "timestamp"),
      c("ACTION_TAKEN_DATE", "timestamp"),
      c("ACTION_TAKEN_TIME", "timestamp"),
      c("PARTITION_AREA_ID", "id", { notNull: true, default: 0 }),
      softDeleted,
      ...audit
    ],
    indexes: [["CONTACT_ID"]]
  }
]

/** Delius sequences (allocation size 1: one NEXTVAL per row, §8.1). */
export const sequences = [
  "CONTACT_ID_SEQ",
  "NSI_ID_SEQ",
  "NSI_MANAGER_ID_SEQ",
  "NSI_STATUS_HISTORY_ID_SEQ",
  "ENFORCEMENT_ID_SEQ"
] as const
export type SequenceName = (typeof sequences)[number]
