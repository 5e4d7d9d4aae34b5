import * as Reactivity from "@effect/experimental/Reactivity"
import { SqlClient } from "@effect/sql"
import type { Connection } from "@effect/sql/SqlConnection"
import * as Statement from "@effect/sql/Statement"
import { MssqlClient } from "@effect/sql-mssql"
import * as PgClient from "../src/delius/postgres/PgClient.js"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Stream, Tracer } from "effect"
import { afterAll, beforeAll } from "vitest"
import * as Database from "../src/delius/database.js"
import { Dialect, type DialectName, dialects, type DialectShape } from "../src/delius/dialect.js"
import { ddl, migrate } from "../src/delius/migrations.js"
import * as OracleClient from "../src/delius/oracle/OracleClient.js"
import type { ColumnType } from "../src/delius/tables.js"
import { createDatabase, dialectsUnderTest, migrateAndSeed, type TestDatabase } from "../src/testing/index.js"

/**
 * The SQL text of every dialect function, for all four databases. Oracle and SQL Server never run in these tests, so
 * their SQL is pinned here as the statement compiler of each database's client renders it — the way @effect/sql-mssql's
 * own tests pin its compiler's output. The "connection" under the compiler only records what it is sent and answers
 * with a canned driver result (a fake, so these are unit tests); affectedRows also runs on real SQLite and PostgreSQL.
 */

interface Sent {
  readonly sql: string
  readonly params: ReadonlyArray<unknown>
  /** Sent through `executeRaw` (the driver's own result is wanted). */
  readonly raw: boolean
}

interface Reply {
  readonly rows?: ReadonlyArray<Record<string, unknown>>
  readonly raw?: unknown
}

// Each compiler configured as database.ts configures that database's client.
const compilers: Record<DialectName, Statement.Compiler> = {
  sqlite: Statement.makeCompilerSqlite(),
  postgres: PgClient.makeCompiler((name) => name.toLowerCase()),
  oracle: OracleClient.makeCompiler(),
  mssql: MssqlClient.makeCompiler()
}

/** An SqlClient over `name`'s real statement compiler whose connection records each statement it is sent. */
const recording = (name: DialectName, reply: (sql: string) => Reply = () => ({})) =>
  Effect.gen(function* () {
    const sent: Array<Sent> = []
    const rows = (sql: string, params: ReadonlyArray<unknown>) =>
      Effect.sync(() => {
        sent.push({ sql, params, raw: false })
        return reply(sql).rows ?? []
      })
    const connection: Connection = {
      execute: (sql, params, transformRows) =>
        Effect.map(rows(sql, params), (r) => (transformRows ? transformRows(r) : r)),
      executeUnprepared: (sql, params, transformRows) =>
        Effect.map(rows(sql, params), (r) => (transformRows ? transformRows(r) : r)),
      executeRaw: (sql, params) =>
        Effect.sync(() => {
          sent.push({ sql, params, raw: true })
          return reply(sql).raw
        }),
      executeValues: (sql, params) => Effect.map(rows(sql, params), (r) => r.map((row) => Object.values(row))),
      executeStream: () => Stream.die("executeStream is not used by the dialect")
    }
    const sql = yield* SqlClient.make({
      acquirer: Effect.succeed(connection),
      compiler: compilers[name],
      spanAttributes: []
    }).pipe(Effect.provide(Reactivity.layer))
    return { sql, sent }
  })

const names: ReadonlyArray<DialectName> = ["sqlite", "postgres", "oracle", "mssql"]

describe("the dialect table", () => {
  it("has one dialect per name, and only SQLite is embedded (migrated and seeded at start-up)", () => {
    expect(Object.keys(dialects)).toEqual(names)
    for (const name of names) expect(dialects[name].name).toBe(name)
    expect(names.filter((name) => dialects[name].embedded)).toEqual(["sqlite"])
  })
})

// ---------------------------------------------------------------------------------------------------------------------
// Statements run through the client: the exact text and parameters each database is sent.
// ---------------------------------------------------------------------------------------------------------------------

const expected: Record<
  DialectName,
  {
    readonly lockPerson: Sent
    readonly nextId: Sent
    readonly affectedRows: Sent
    readonly tableExists: Sent
    readonly ping: string
  }
> = {
  sqlite: {
    lockPerson: {
      sql: "UPDATE OFFENDER SET SOFT_DELETED = SOFT_DELETED WHERE CRN = ? AND SOFT_DELETED = 0 RETURNING OFFENDER_ID",
      params: ["X123456"],
      raw: false
    },
    nextId: {
      sql: "UPDATE DELIUS_SEQUENCE SET LAST_VALUE = LAST_VALUE + 1 WHERE SEQUENCE_NAME = ? RETURNING LAST_VALUE",
      params: ["CONTACT_ID_SEQ"],
      raw: false
    },
    affectedRows: { sql: "UPDATE CONTACT SET NOTES = ? WHERE NSI_ID = ? RETURNING 1", params: ["n", 7], raw: false },
    tableExists: {
      sql: "SELECT COUNT(*) AS N FROM sqlite_master WHERE type = 'table' AND name = ?",
      params: ["RAM_DELIUS_SCHEMA_VERSION"],
      raw: false
    },
    ping: "SELECT 1"
  },
  postgres: {
    lockPerson: {
      sql: "SELECT OFFENDER_ID FROM OFFENDER WHERE CRN = $1 AND SOFT_DELETED = 0 FOR UPDATE",
      params: ["X123456"],
      raw: false
    },
    nextId: { sql: "SELECT nextval('CONTACT_ID_SEQ') AS ID", params: [], raw: false },
    affectedRows: { sql: "UPDATE CONTACT SET NOTES = $1 WHERE NSI_ID = $2 RETURNING 1", params: ["n", 7], raw: false },
    tableExists: {
      sql: "SELECT COUNT(*) AS N FROM information_schema.tables WHERE UPPER(table_name) = $1",
      params: ["RAM_DELIUS_SCHEMA_VERSION"],
      raw: false
    },
    ping: "SELECT 1"
  },
  oracle: {
    lockPerson: {
      sql: "SELECT OFFENDER_ID FROM OFFENDER WHERE CRN = :1 AND SOFT_DELETED = 0 FOR UPDATE",
      params: ["X123456"],
      raw: false
    },
    nextId: { sql: "SELECT CONTACT_ID_SEQ.NEXTVAL AS ID FROM DUAL", params: [], raw: false },
    // No RETURNING: the count is oracledb's rowsAffected, from the raw result.
    affectedRows: { sql: "UPDATE CONTACT SET NOTES = :1 WHERE NSI_ID = :2", params: ["n", 7], raw: true },
    tableExists: {
      sql: "SELECT COUNT(*) AS N FROM USER_TABLES WHERE TABLE_NAME = :1",
      params: ["RAM_DELIUS_SCHEMA_VERSION"],
      raw: false
    },
    ping: "SELECT 1 FROM DUAL"
  },
  mssql: {
    lockPerson: {
      sql: "SELECT OFFENDER_ID FROM OFFENDER WITH (UPDLOCK, ROWLOCK, HOLDLOCK) WHERE CRN = @1 AND SOFT_DELETED = 0",
      params: ["X123456"],
      raw: false
    },
    nextId: { sql: "SELECT NEXT VALUE FOR CONTACT_ID_SEQ AS ID", params: [], raw: false },
    affectedRows: {
      sql: "UPDATE CONTACT SET NOTES = @1 WHERE NSI_ID = @2; SELECT @@ROWCOUNT AS N",
      params: ["n", 7],
      raw: false
    },
    tableExists: {
      sql: "SELECT COUNT(*) AS N FROM information_schema.tables WHERE UPPER(table_name) = @1",
      params: ["RAM_DELIUS_SCHEMA_VERSION"],
      raw: false
    },
    ping: "SELECT 1"
  }
}

/** What each database's client answers for an UPDATE that changed 3 rows. */
const threeRowsChanged: Record<DialectName, Reply> = {
  sqlite: { rows: [{ "1": 1 }, { "1": 1 }, { "1": 1 }] },
  postgres: { rows: [{ "?column?": 1 }, { "?column?": 1 }, { "?column?": 1 }] },
  oracle: { raw: { rows: undefined, rowsAffected: 3 } satisfies OracleClient.OracleExecuteResult },
  mssql: { rows: [{ n: 3 }] }
}

/** What each database's client answers for an UPDATE that matched nothing. */
const nothingChanged: Record<DialectName, Reply> = {
  sqlite: { rows: [] },
  postgres: { rows: [] },
  oracle: { raw: { rows: undefined, rowsAffected: 0 } satisfies OracleClient.OracleExecuteResult },
  mssql: { rows: [{ n: 0 }] }
}

const update = (sql: SqlClient.SqlClient) => sql`UPDATE CONTACT SET NOTES = ${"n"} WHERE NSI_ID = ${7}`

describe.each(names)("%s dialect SQL", (name) => {
  const dialect: DialectShape = dialects[name]
  const want = expected[name]

  it.effect("lockPerson sends the row-lock statement and returns the person's id, or none", () =>
    Effect.gen(function* () {
      const found = yield* recording(name, () => ({ rows: [{ offenderId: 42 }] }))
      expect(yield* dialect.lockPerson(found.sql, "X123456")).toEqual(Option.some(42))
      expect(found.sent).toEqual([want.lockPerson])
      const missing = yield* recording(name)
      expect(yield* dialect.lockPerson(missing.sql, "X123456")).toEqual(Option.none())
      expect(missing.sent).toEqual([want.lockPerson])
    })
  )

  it.effect("nextId sends the sequence statement and returns its value as a number", () =>
    Effect.gen(function* () {
      // Oracle's NUMBER and PostgreSQL's BIGINT can arrive as text; the value is a number either way.
      const { sql, sent } = yield* recording(name, () => ({ rows: [{ id: "5" }] }))
      expect(yield* dialect.nextId(sql, "CONTACT_ID_SEQ")).toBe(5)
      expect(sent).toEqual([want.nextId])
    })
  )

  it.effect("nextId dies naming the sequence when the database returns no row", () =>
    Effect.gen(function* () {
      const { sql } = yield* recording(name)
      const exit = yield* Effect.exit(dialect.nextId(sql, "NSI_ID_SEQ"))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "").toContain("Sequence NSI_ID_SEQ returned no value")
    })
  )

  it.effect("affectedRows sends the UPDATE in the form that reports its count, and returns the count", () =>
    Effect.gen(function* () {
      const { sql, sent } = yield* recording(name, () => threeRowsChanged[name])
      expect(yield* dialect.affectedRows(sql, update(sql), "Test.update")).toBe(3)
      expect(sent).toEqual([want.affectedRows])
    })
  )

  it.effect("with spans on, each statement is one span named for what it does, carrying its SQL text", () =>
    Effect.gen(function* () {
      const spans: Array<Tracer.Span> = []
      const tracer = yield* Effect.tracer
      const recordingTracer = Tracer.make({
        span: (...args) => {
          const span = tracer.span(...args)
          spans.push(span)
          return span
        },
        context: tracer.context
      })
      const counted = yield* recording(name, () => threeRowsChanged[name])
      const locked = yield* recording(name, () => ({ rows: [{ offenderId: 42 }] }))
      yield* Effect.all([
        dialect.affectedRows(counted.sql, update(counted.sql), "Test.update"),
        dialect.lockPerson(locked.sql, "X123456")
      ]).pipe(Effect.withTracer(recordingTracer), Effect.withTracerEnabled(true))
      expect(spans.map((span) => span.name)).toEqual(["Test.update", "Person.lock"])
      expect(spans.map((span) => String(span.attributes.get("db.statement")))).toEqual([
        expect.stringContaining("UPDATE CONTACT SET NOTES"),
        expect.stringContaining("OFFENDER_ID")
      ])
      expect(counted.sent).toEqual([want.affectedRows])
      expect(locked.sent).toEqual([want.lockPerson])
    })
  )

  it.effect("affectedRows is 0 when nothing matched", () =>
    Effect.gen(function* () {
      const { sql } = yield* recording(name, () => nothingChanged[name])
      expect(yield* dialect.affectedRows(sql, update(sql), "Test.update")).toBe(0)
    })
  )

  it.effect("tableExists sends the catalogue query and reads its count", () =>
    Effect.gen(function* () {
      const present = yield* recording(name, () => ({ rows: [{ n: 1 }] }))
      expect(yield* dialect.tableExists(present.sql, "RAM_DELIUS_SCHEMA_VERSION")).toBe(true)
      expect(present.sent).toEqual([want.tableExists])
      // PostgreSQL's COUNT(*) is a BIGINT, which node-postgres hands over as text unless told otherwise.
      const absent = yield* recording(name, () => ({ rows: [{ n: "0" }] }))
      expect(yield* dialect.tableExists(absent.sql, "RAM_DELIUS_SCHEMA_VERSION")).toBe(false)
    })
  )

  it("ping is the readiness statement", () => {
    expect(dialect.ping).toBe(want.ping)
  })
})

// ---------------------------------------------------------------------------------------------------------------------
// Text-only functions: pagination, column types, sequences and table DDL.
// ---------------------------------------------------------------------------------------------------------------------

describe("pagination", () => {
  it.each([
    ["sqlite", "LIMIT 10"],
    ["postgres", "LIMIT 10"],
    ["oracle", "FETCH FIRST 10 ROWS ONLY"],
    ["mssql", "OFFSET 0 ROWS FETCH NEXT 10 ROWS ONLY"]
  ] as const)("%s limits with %s, truncating a fractional count", (name, clause) => {
    expect(dialects[name].limit(10)).toBe(clause)
    expect(dialects[name].limit(10.9)).toBe(clause)
  })
})

const columnTypes: ReadonlyArray<ColumnType> = [
  "id",
  "int",
  "flag",
  "yn",
  "decimal",
  { varchar: 35 },
  "clob",
  "date",
  "timestamp"
]

describe("column types", () => {
  it.each([
    ["sqlite", ["INTEGER", "INTEGER", "INTEGER", "TEXT", "NUMERIC", "TEXT", "TEXT", "TEXT", "TEXT"]],
    [
      "postgres",
      ["BIGINT", "INTEGER", "SMALLINT", "CHAR(1)", "NUMERIC(10,2)", "VARCHAR(35)", "TEXT", "DATE", "TIMESTAMP(6)"]
    ],
    [
      "oracle",
      [
        "NUMBER(38)",
        "NUMBER(10)",
        "NUMBER(1)",
        "CHAR(1)",
        "NUMBER(10,2)",
        "VARCHAR2(35)",
        "CLOB",
        "DATE",
        "TIMESTAMP(6)"
      ]
    ],
    [
      "mssql",
      ["BIGINT", "INT", "SMALLINT", "CHAR(1)", "DECIMAL(10,2)", "NVARCHAR(35)", "NVARCHAR(MAX)", "DATE", "DATETIME2(6)"]
    ]
  ] as const)("%s maps id, int, flag, yn, decimal, varchar, clob, date, timestamp", (name, types) => {
    expect(columnTypes.map(dialects[name].columnType)).toEqual(types)
  })
})

describe("sequences", () => {
  it.each([
    [
      "sqlite",
      ["CREATE TABLE DELIUS_SEQUENCE (SEQUENCE_NAME TEXT PRIMARY KEY, LAST_VALUE INTEGER NOT NULL)"],
      ["INSERT INTO DELIUS_SEQUENCE (SEQUENCE_NAME, LAST_VALUE) VALUES ('CONTACT_ID_SEQ', 0)"]
    ],
    ["postgres", [], ["CREATE SEQUENCE CONTACT_ID_SEQ START WITH 1 INCREMENT BY 1"]],
    ["oracle", [], ["CREATE SEQUENCE CONTACT_ID_SEQ START WITH 1 INCREMENT BY 1"]],
    ["mssql", [], ["CREATE SEQUENCE CONTACT_ID_SEQ AS BIGINT START WITH 1 INCREMENT BY 1"]]
  ] as const)("%s creates sequence support, then each sequence", (name, support, contactIdSeq) => {
    expect(dialects[name].sequenceSupport).toEqual(support)
    expect(dialects[name].createSequence("CONTACT_ID_SEQ")).toEqual(contactIdSeq)
  })

  it.each(names)("%s DDL runs the sequence support first and creates the five sequences last", (name) => {
    const statements = ddl(dialects[name])
    const support = dialects[name].sequenceSupport
    expect(statements.slice(0, support.length)).toEqual(support)
    expect(statements.slice(-5)).toEqual(
      ["CONTACT_ID_SEQ", "NSI_ID_SEQ", "NSI_MANAGER_ID_SEQ", "NSI_STATUS_HISTORY_ID_SEQ", "ENFORCEMENT_ID_SEQ"].flatMap(
        (sequence) => dialects[name].createSequence(sequence as "CONTACT_ID_SEQ")
      )
    )
  })
})

/** The DDL statements of one table: its CREATE TABLE and its indexes. */
const tableDdl = (name: DialectName, table: string) =>
  ddl(dialects[name]).filter((s) => s.startsWith(`CREATE TABLE ${table} (`) || s.includes(` ON ${table} (`))

describe("table DDL", () => {
  it.each([
    [
      "sqlite",
      `CREATE TABLE R_CONTACT_TYPE (
  CONTACT_TYPE_ID INTEGER NOT NULL,
  CODE TEXT NOT NULL,
  DESCRIPTION TEXT,
  NATIONAL_STANDARDS_CONTACT TEXT DEFAULT 'N' NOT NULL,
  ATTENDANCE_CONTACT TEXT DEFAULT 'N' NOT NULL,
  PRIMARY KEY (CONTACT_TYPE_ID)
)`
    ],
    [
      "postgres",
      `CREATE TABLE R_CONTACT_TYPE (
  CONTACT_TYPE_ID BIGINT NOT NULL,
  CODE VARCHAR(10) NOT NULL,
  DESCRIPTION VARCHAR(200),
  NATIONAL_STANDARDS_CONTACT CHAR(1) DEFAULT 'N' NOT NULL,
  ATTENDANCE_CONTACT CHAR(1) DEFAULT 'N' NOT NULL,
  PRIMARY KEY (CONTACT_TYPE_ID)
)`
    ],
    [
      "oracle",
      `CREATE TABLE R_CONTACT_TYPE (
  CONTACT_TYPE_ID NUMBER(38) NOT NULL,
  CODE VARCHAR2(10) NOT NULL,
  DESCRIPTION VARCHAR2(200),
  NATIONAL_STANDARDS_CONTACT CHAR(1) DEFAULT 'N' NOT NULL,
  ATTENDANCE_CONTACT CHAR(1) DEFAULT 'N' NOT NULL,
  PRIMARY KEY (CONTACT_TYPE_ID)
)`
    ],
    [
      "mssql",
      `CREATE TABLE R_CONTACT_TYPE (
  CONTACT_TYPE_ID BIGINT NOT NULL,
  CODE NVARCHAR(10) NOT NULL,
  DESCRIPTION NVARCHAR(200),
  NATIONAL_STANDARDS_CONTACT CHAR(1) DEFAULT 'N' NOT NULL,
  ATTENDANCE_CONTACT CHAR(1) DEFAULT 'N' NOT NULL,
  PRIMARY KEY (CONTACT_TYPE_ID)
)`
    ]
  ] as const)("%s R_CONTACT_TYPE: columns, string default, primary key and index", (name, createTable) => {
    expect(tableDdl(name, "R_CONTACT_TYPE")).toEqual([
      createTable,
      "CREATE INDEX R_CONTACT_TYPE_IX1 ON R_CONTACT_TYPE (CODE)"
    ])
  })

  const contactIndexes = [
    "CREATE INDEX CONTACT_IX1 ON CONTACT (OFFENDER_ID, CONTACT_DATE)",
    "CREATE INDEX CONTACT_IX2 ON CONTACT (EXTERNAL_REFERENCE)",
    "CREATE INDEX CONTACT_IX3 ON CONTACT (NSI_ID)",
    "CREATE INDEX CONTACT_IX4 ON CONTACT (EVENT_ID)"
  ]

  it("oracle CONTACT: every column type, numeric defaults and four indexes", () => {
    expect(tableDdl("oracle", "CONTACT")).toEqual([
      `CREATE TABLE CONTACT (
  CONTACT_ID NUMBER(38) NOT NULL,
  OFFENDER_ID NUMBER(38) NOT NULL,
  CONTACT_TYPE_ID NUMBER(38) NOT NULL,
  CONTACT_DATE DATE NOT NULL,
  CONTACT_START_TIME TIMESTAMP(6),
  CONTACT_END_TIME TIMESTAMP(6),
  ATTENDED CHAR(1),
  COMPLIED CHAR(1),
  CONTACT_OUTCOME_TYPE_ID NUMBER(38),
  HOURS_CREDITED NUMBER(10,2),
  LATEST_ENFORCEMENT_ACTION_ID NUMBER(38),
  ENFORCEMENT NUMBER(1),
  EVENT_ID NUMBER(38),
  NSI_ID NUMBER(38),
  PROBATION_AREA_ID NUMBER(38),
  TEAM_ID NUMBER(38),
  STAFF_ID NUMBER(38),
  OFFICE_LOCATION_ID NUMBER(38),
  RAR_ACTIVITY CHAR(1),
  LINKED_CONTACT_ID NUMBER(38),
  EXTERNAL_REFERENCE VARCHAR2(4000),
  NOTES CLOB,
  SENSITIVE CHAR(1) DEFAULT 'N',
  ALERT_ACTIVE CHAR(1) DEFAULT 'N',
  SOFT_DELETED NUMBER(1) DEFAULT 0 NOT NULL,
  PARTITION_AREA_ID NUMBER(38) DEFAULT 0 NOT NULL,
  ROW_VERSION NUMBER(10) DEFAULT 0 NOT NULL,
  CREATED_DATETIME TIMESTAMP(6),
  CREATED_BY_USER_ID NUMBER(38),
  LAST_UPDATED_DATETIME TIMESTAMP(6),
  LAST_UPDATED_USER_ID NUMBER(38),
  PRIMARY KEY (CONTACT_ID)
)`,
      ...contactIndexes
    ])
  })

  it("mssql CONTACT: every column type, numeric defaults and four indexes", () => {
    expect(tableDdl("mssql", "CONTACT")).toEqual([
      `CREATE TABLE CONTACT (
  CONTACT_ID BIGINT NOT NULL,
  OFFENDER_ID BIGINT NOT NULL,
  CONTACT_TYPE_ID BIGINT NOT NULL,
  CONTACT_DATE DATE NOT NULL,
  CONTACT_START_TIME DATETIME2(6),
  CONTACT_END_TIME DATETIME2(6),
  ATTENDED CHAR(1),
  COMPLIED CHAR(1),
  CONTACT_OUTCOME_TYPE_ID BIGINT,
  HOURS_CREDITED DECIMAL(10,2),
  LATEST_ENFORCEMENT_ACTION_ID BIGINT,
  ENFORCEMENT SMALLINT,
  EVENT_ID BIGINT,
  NSI_ID BIGINT,
  PROBATION_AREA_ID BIGINT,
  TEAM_ID BIGINT,
  STAFF_ID BIGINT,
  OFFICE_LOCATION_ID BIGINT,
  RAR_ACTIVITY CHAR(1),
  LINKED_CONTACT_ID BIGINT,
  EXTERNAL_REFERENCE NVARCHAR(4000),
  NOTES NVARCHAR(MAX),
  SENSITIVE CHAR(1) DEFAULT 'N',
  ALERT_ACTIVE CHAR(1) DEFAULT 'N',
  SOFT_DELETED SMALLINT DEFAULT 0 NOT NULL,
  PARTITION_AREA_ID BIGINT DEFAULT 0 NOT NULL,
  ROW_VERSION INT DEFAULT 0 NOT NULL,
  CREATED_DATETIME DATETIME2(6),
  CREATED_BY_USER_ID BIGINT,
  LAST_UPDATED_DATETIME DATETIME2(6),
  LAST_UPDATED_USER_ID BIGINT,
  PRIMARY KEY (CONTACT_ID)
)`,
      ...contactIndexes
    ])
  })
})

// ---------------------------------------------------------------------------------------------------------------------
// migrate on a server database (DELIUS_MIGRATE=true): the whole statement sequence, through the dialect.
// ---------------------------------------------------------------------------------------------------------------------

describe.each([
  ["oracle", ":", "VARCHAR2(200)", "VARCHAR2(40)", "NUMBER(10)"],
  ["mssql", "@", "NVARCHAR(200)", "NVARCHAR(40)", "INT"]
] as const)("migrate on %s", (name, p, description, appliedAt, int) => {
  it.effect("checks for the version table, then creates the version table, the schema and the sequences", () =>
    Effect.gen(function* () {
      const { sql, sent } = yield* recording(name, () => ({ rows: [{ n: 0 }] }))
      const applied = yield* migrate.pipe(
        Effect.provideService(SqlClient.SqlClient, sql),
        Effect.provideService(Dialect, dialects[name])
      )
      expect(applied).toEqual([1])
      // BEGIN / COMMIT are the recording client's; the real clients open and end transactions their own way.
      const statements = sent.filter((s) => s.sql !== "BEGIN" && s.sql !== "COMMIT")
      expect(statements[0]).toEqual(expected[name].tableExists)
      expect(statements[1]).toEqual({
        sql:
          `CREATE TABLE RAM_DELIUS_SCHEMA_VERSION (VERSION ${int} NOT NULL, DESCRIPTION ${description}, ` +
          `APPLIED_AT ${appliedAt})`,
        params: [],
        raw: false
      })
      expect(statements.slice(2, -1).map((s) => s.sql)).toEqual(ddl(dialects[name]))
      expect(statements.at(-1)).toEqual({
        sql: `INSERT INTO RAM_DELIUS_SCHEMA_VERSION (VERSION, DESCRIPTION, APPLIED_AT) VALUES (${p}1, ${p}2, ${p}3)`,
        params: [1, "Delius schema subset (spec §8.1) and sequences", expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/)],
        raw: false
      })
    })
  )
})

// ---------------------------------------------------------------------------------------------------------------------
// affectedRows on real databases.
// ---------------------------------------------------------------------------------------------------------------------

describe.each(dialectsUnderTest)("affectedRows on a real %s database", (kind) => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createDatabase(kind)
    await migrateAndSeed(db.url)
  }, 120_000)
  afterAll(() => db.drop())

  const run = <A, E>(f: (sql: SqlClient.SqlClient, dialect: DialectShape) => Effect.Effect<A, E>) =>
    Effect.runPromise(
      Effect.all([SqlClient.SqlClient, Dialect]).pipe(
        Effect.flatMap(([sql, dialect]) => f(sql, dialect)),
        Effect.provide(Database.layerFromUrl(db.url))
      ) as Effect.Effect<A, E>
    )

  it("counts the rows an UPDATE changed, and changes them", async () => {
    const result = await run((sql, dialect) =>
      Effect.gen(function* () {
        const changed = yield* dialect.affectedRows(
          sql,
          sql`UPDATE CONTACT SET NOTES = ${"affectedRows test"} WHERE CONTACT_ID IN (${1}, ${2}, ${4})`,
          "Test.update"
        )
        const rows = yield* sql<{ contactId: number }>`SELECT CONTACT_ID FROM CONTACT
          WHERE NOTES = ${"affectedRows test"} ORDER BY CONTACT_ID`
        return { changed, ids: rows.map((r) => Number(r.contactId)) }
      })
    )
    expect(result).toEqual({ changed: 3, ids: [1, 2, 4] })
  })

  it("is 0 when no row matches", async () => {
    const changed = await run((sql, dialect) =>
      dialect.affectedRows(sql, sql`UPDATE CONTACT SET NOTES = ${"x"} WHERE CONTACT_ID = ${-1}`, "Test.update")
    )
    expect(changed).toBe(0)
  })

  it("counts inside a transaction, and the rollback undoes the change", async () => {
    const Rollback = new Error("roll back")
    const during = await run((sql, dialect) =>
      Effect.gen(function* () {
        let counted = -1
        const exit = yield* Effect.exit(
          sql.withTransaction(
            Effect.gen(function* () {
              counted = yield* dialect.affectedRows(
                sql,
                sql`UPDATE CONTACT SET NOTES = ${"rolled back"} WHERE CONTACT_ID = ${3}`,
                "Test.update"
              )
              return yield* Effect.fail(Rollback)
            })
          )
        )
        const rows = yield* sql`SELECT CONTACT_ID FROM CONTACT WHERE NOTES = ${"rolled back"}`
        return { counted, failed: Exit.isFailure(exit), left: rows.length }
      })
    )
    expect(during).toEqual({ counted: 1, failed: true, left: 0 })
  })
})
