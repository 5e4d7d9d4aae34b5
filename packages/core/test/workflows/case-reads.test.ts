import { Effect, Option } from "effect"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { CaseReads } from "../../src/case/CaseReads.js"
import { DevIds } from "../../src/delius/seed.js"
import { plusDays } from "../../src/domain/time.js"
import { describeOnDialectsAndSpans, dropSeededDatabases } from "../../src/testing/index.js"
import { type Harness, makeHarness, today } from "../support/harness.js"

/** The read endpoints (spec §4.3–§4.11) against the dev dataset. Reads only, so one database per dialect. */
afterAll(dropSeededDatabases)

const read = <A, E>(f: (reads: typeof CaseReads.Service) => Effect.Effect<A, E>) => Effect.flatMap(CaseReads, f)
const yearsAgo = (years: number) =>
  `${Number(today().slice(0, 4)) - years}${today().slice(4)}`.replace(/-02-29$/, "-02-28")

const team = (code: string) => ({
  code,
  description: `Team ${code}`,
  email: `team@${code}.co.uk`,
  telephoneNumber: "020 785 4451"
})

const fullDetail = () => ({
  crn: "F987462",
  name: { forename: "Full", surname: "Person" },
  dateOfBirth: yearsAgo(42),
  gender: "Description of GEN1",
  profile: {
    primaryLanguage: "Description of LANG1",
    ethnicity: "Description of ETH1",
    religion: "Description of REL1",
    // The soft-deleted and the finished disability are not shown.
    disabilities: [
      { type: "Description of DIS1", startDate: plusDays(today(), -14), notes: "Some notes about the disability" }
    ]
  },
  contactDetails: {
    noFixedAbode: false,
    mainAddress: { buildingName: "Some Building", streetName: "Some Street", postcode: "SB1 1SS" },
    emailAddress: "someone@somewhere.com",
    telephoneNumber: "0191 234 6718",
    mobileNumber: "07453351625"
  }
})

describeOnDialectsAndSpans(describe, "case reads", (kind, tracing) => {
  let h: Harness
  beforeAll(async () => {
    h = await makeHarness(kind, { tracing })
  })
  afterAll(() => h.dispose())
  beforeEach(() => h.clearTelemetry())
  afterEach(async () => {
    // Reads never write or raise telemetry.
    expect(await h.telemetry()).toEqual([])
  })

  it("responsible officer: community manager who is the RO, with LDAP email/phone and team office locations (§4.3)", async () => {
    expect(await h.run(read((r) => r.responsibleOfficer("C025519")))).toEqual({
      communityManager: {
        code: "N01RMT1",
        name: { forename: "John", surname: "Smith" },
        username: "john-smith",
        email: "john.smith@moj.gov.uk",
        telephoneNumber: "07321165373",
        responsibleOfficer: true,
        pdu: { code: "PDU01", description: "Description of PDU01" },
        team: team("N01PRO"),
        officeLocations: [{ code: "DEFAULT", description: "Description of DEFAULT" }],
        unallocated: false
      }
    })
  })

  it("responsible officer: the prison manager is the RO (no username, no office locations)", async () => {
    expect(await h.run(read((r) => r.responsibleOfficer("C014150")))).toEqual({
      communityManager: {
        code: "N01RMT1",
        name: { forename: "John", surname: "Smith" },
        username: "john-smith",
        email: "john.smith@moj.gov.uk",
        telephoneNumber: "07321165373",
        responsibleOfficer: false,
        pdu: { code: "PDU01", description: "Description of PDU01" },
        team: team("N01PRO"),
        officeLocations: [{ code: "DEFAULT", description: "Description of DEFAULT" }],
        unallocated: false
      },
      prisonManager: {
        code: "P01WDN1",
        name: { forename: "Peter", surname: "Wilson" },
        email: "manager@prison.gov.uk",
        telephoneNumber: "020 010 3445",
        responsibleOfficer: true,
        pdu: { code: "PDU02", description: "Description of PDU02" },
        team: team("P01PRI"),
        unallocated: false
      }
    })
  })

  it("responsible officer: 404 Person with crn of … not found without an active community manager", async () => {
    for (const crn of ["T140223", "X999999"]) {
      expect(await h.failure(read((r) => r.responsibleOfficer(crn)))).toMatchObject({
        _tag: "NotFound",
        message: `Person with crn of ${crn} not found`
      })
    }
  })

  it("identifiers: NOMS number when there is one; always a result (§4.4)", async () => {
    expect(await h.run(read((r) => r.identifiers("T140223")))).toEqual({ crn: "T140223", nomsId: "A1234YZ" })
    expect(await h.run(read((r) => r.identifiers("S123456")))).toEqual({ crn: "S123456" })
    expect(await h.run(read((r) => r.identifiers("X999999")))).toEqual({ crn: "X999999" })
  })

  it("case details: full profile, one visible disability, main address (§4.5)", async () => {
    expect(await h.run(read((r) => r.caseDetails("F987462")))).toEqual(Option.some(fullDetail()))
  })

  it("case details: no profile and no contact details beyond noFixedAbode for M123456; none for unknown", async () => {
    expect(await h.run(read((r) => r.caseDetails("M123456")))).toEqual(
      Option.some({
        crn: "M123456",
        name: { forename: "Minimal", surname: "Person" },
        dateOfBirth: yearsAgo(27),
        contactDetails: { noFixedAbode: false }
      })
    )
    expect(await h.run(read((r) => r.caseDetails("X999999")))).toEqual(Option.none())
  })

  it("case details: a person without names has empty names (minimal Person view)", async () => {
    expect(await h.run(read((r) => r.caseDetails("T140223")))).toEqual(
      Option.some({ crn: "T140223", name: { forename: "", surname: "" }, contactDetails: { noFixedAbode: false } })
    )
  })

  it("convictions: the active event with disposal and main offence (§4.6)", async () => {
    const conviction = {
      id: DevIds.event.fullDetail,
      date: plusDays(today(), -14),
      sentence: { description: "Default Sentence Type" },
      mainOffence: { category: "Main Category", subCategory: "Sub Category" },
      active: true
    }
    expect(await h.run(read((r) => r.convictions("F987462")))).toEqual({
      caseDetail: fullDetail(),
      convictions: [conviction]
    })
    expect(await h.run(read((r) => r.conviction("F987462", DevIds.event.fullDetail)))).toEqual({
      caseDetail: fullDetail(),
      conviction
    })
  })

  it("convictions: events without a main offence are not listed; errors name the person or event", async () => {
    // EVENT_WITH_NSI has no main offence.
    expect((await h.run(read((r) => r.convictions("T140223")))).convictions).toEqual([])
    expect(await h.failure(read((r) => r.convictions("X999999")))).toMatchObject({
      _tag: "NotFound",
      message: "Person with crn of X999999 not found"
    })
    expect(await h.failure(read((r) => r.conviction("F987462", DevIds.event.withNsi)))).toMatchObject({
      _tag: "NotFound",
      message: `Event ${DevIds.event.withNsi} not found for F987462`
    })
  })

  it("office locations: active CRS locations only, with their provider (§4.7, §14)", async () => {
    const provider = { code: "CRS", description: "Test Provider" }
    const locations = await h.run(read((r) => r.officeLocations))
    expect([...locations].sort((a, b) => a.code.localeCompare(b.code))).toEqual([
      { code: "CRSEXTL", description: "Description of CRSEXTL", provider },
      { code: "DEFAULT", description: "Description of DEFAULT", provider },
      {
        code: "TESTONE",
        description: "Description of TESTONE",
        address: { buildingName: "Test One", streetName: "Mantle Place", postcode: "MP1 1PM" },
        provider
      },
      {
        code: "TESTTWO",
        description: "Description of TESTTWO",
        address: { buildingName: "Test Two", postcode: "MP2 2PM" },
        telephoneNumber: "020 123 6789",
        provider
      }
    ])
  })

  it("probation delivery units: selectable boroughs only (§4.8)", async () => {
    expect(await h.run(read((r) => r.deliveryUnits))).toEqual([
      { code: "PDU01", description: "Description of PDU01", region: { code: "CRS", description: "Test Provider" } }
    ])
  })

  it("managed cases by username (any case) and by numeric user id (§4.9, §4.10)", async () => {
    const expected = { managedCases: [{ crn: "C014150" }, { crn: "C025519" }] }
    const sorted = (m: { managedCases: ReadonlyArray<{ crn: string }> }) => ({
      managedCases: [...m.managedCases].sort((a, b) => a.crn.localeCompare(b.crn))
    })
    expect(sorted(await h.run(read((r) => r.managedCases("john-smith"))))).toEqual(expected)
    expect(sorted(await h.run(read((r) => r.managedCases("JOHN-SMITH"))))).toEqual(expected)
    expect(sorted(await h.run(read((r) => r.managedCases(String(DevIds.user.johnSmith)))))).toEqual(expected)
    expect(await h.run(read((r) => r.managedCases("nobody")))).toEqual({ managedCases: [] })
    expect(await h.run(read((r) => r.managedCases("999")))).toEqual({ managedCases: [] })
  })

  it("user details from the directory, by username or numeric id; none without an LDAP entry (§4.10)", async () => {
    const john = {
      username: "john-smith",
      name: { forename: "John", surname: "Smith" },
      email: "john.smith@moj.gov.uk"
    }
    expect(await h.run(read((r) => r.userDetails("john-smith")))).toEqual(Option.some(john))
    expect(await h.run(read((r) => r.userDetails(String(DevIds.user.johnSmith))))).toEqual(Option.some(john))
    // USER_ 1 is ReferAndMonitorAndDelius, which has no LDAP entry.
    expect(await h.run(read((r) => r.userDetails("1")))).toEqual(Option.none())
    expect(await h.run(read((r) => r.userDetails("nobody")))).toEqual(Option.none())
  })

  describe("limited access (§4.11)", () => {
    const crns = ["E123456", "R123456", "B123456", "T140223", "X999999"]
    const open = (crn: string) => ({ crn, userExcluded: false, userRestricted: false })

    it("user LimitedAccess: excluded where it has an exclusion, restricted where not on the restriction list", async () => {
      expect(await h.run(read((r) => r.userAccess("LimitedAccess", crns)))).toEqual({
        access: [
          {
            crn: "E123456",
            userExcluded: true,
            userRestricted: false,
            exclusionMessage: "There is an exclusion on this person"
          },
          {
            crn: "R123456",
            userExcluded: false,
            userRestricted: true,
            restrictionMessage: "There is a restriction on this person"
          },
          {
            crn: "B123456",
            userExcluded: true,
            userRestricted: true,
            exclusionMessage: "You are excluded from viewing this case",
            restrictionMessage: "You are restricted from viewing this case"
          },
          open("T140223"),
          open("X999999")
        ]
      })
    })

    it("user ReferAndMonitorAndDelius (case-insensitive): on both restriction lists, excluded nowhere", async () => {
      expect(await h.run(read((r) => r.userAccess("referandmonitoranddelius", crns)))).toEqual({
        access: crns.map(open)
      })
    })

    it("an unknown user: any current exclusion or restriction applies", async () => {
      expect(await h.run(read((r) => r.userAccess("nobody", crns)))).toEqual({
        access: [
          {
            crn: "E123456",
            userExcluded: true,
            userRestricted: false,
            exclusionMessage: "There is an exclusion on this person"
          },
          {
            crn: "R123456",
            userExcluded: false,
            userRestricted: true,
            restrictionMessage: "There is a restriction on this person"
          },
          {
            crn: "B123456",
            userExcluded: true,
            userRestricted: true,
            exclusionMessage: "You are excluded from viewing this case",
            restrictionMessage: "You are restricted from viewing this case"
          },
          open("T140223"),
          open("X999999")
        ]
      })
    })

    it("keeps request order and duplicates", async () => {
      const result = await h.run(read((r) => r.userAccess("LimitedAccess", ["T140223", "E123456", "T140223"])))
      expect(result.access.map((a) => [a.crn, a.userExcluded])).toEqual([
        ["T140223", false],
        ["E123456", true],
        ["T140223", false]
      ])
    })

    it("400 for 0 or 501 CRNs; 500 CRNs are fine (§14)", async () => {
      for (const list of [[], Array.from({ length: 501 }, (_, i) => `X${String(i).padStart(6, "0")}`)]) {
        expect(await h.failure(read((r) => r.userAccess("LimitedAccess", list)))).toEqual(
          expect.objectContaining({
            _tag: "BadRequest",
            message: "userAccessCheck.crns: Please provide between 1 and 500 crns"
          })
        )
      }
      const five = Array.from({ length: 500 }, (_, i) => `X${String(i).padStart(6, "0")}`)
      expect((await h.run(read((r) => r.userAccess("LimitedAccess", five)))).access).toHaveLength(500)
    })
  })
})
