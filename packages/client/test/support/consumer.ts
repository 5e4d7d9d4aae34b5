/**
 * The consumer the pack test compiles in each temporary project (TypeScript 4.9 CommonJS and TypeScript 5 ESM alike):
 * it calls every method of the client against the host at RAM_DELIUS_URL, uses the types and the testing entry, and
 * prints what it got as one JSON line (`ConsumerReport`).
 */
import { DevIds } from "@ram-delius/core"

export interface ConsumerReport {
  readonly referralId: string
  readonly putReferral: null
  readonly appointmentUuid: string
  readonly appointmentId: number
  readonly responsibleOfficer: string
  readonly identifiers: unknown
  readonly caseDetails: string
  readonly convictions: ReadonlyArray<number>
  readonly conviction: number
  readonly officeLocations: ReadonlyArray<string>
  readonly deliveryUnits: ReadonlyArray<string>
  readonly managedCases: ReadonlyArray<string>
  readonly userDetails: string
  readonly userAccess: ReadonlyArray<unknown>
  readonly notFound: unknown
  readonly factory: unknown
}

export const consumer = `
import { randomUUID } from "crypto"
import { CaseDetails, createRamDeliusClient, MergeAppointment, RamDeliusApiError, RamDeliusClient } from "@ram-delius/client"
import { caseDetails, stubFor, WireMockMapping } from "@ram-delius/client/testing"

const fullName = (details: CaseDetails): string => details.name.forename + " " + details.name.surname

const client: RamDeliusClient = createRamDeliusClient({
  baseUrl: process.env.RAM_DELIUS_URL as string,
  getToken: async () => process.env.RAM_DELIUS_TOKEN as string,
  // Node's own fetch (its @types/node type) fits the option, as a wrapped one does.
  fetch: fetch,
  timeoutMs: 30000
})

async function main(): Promise<void> {
  const referralId = randomUUID()
  const appointmentUuid = randomUUID()
  const start = new Date(Date.now() + Number(process.env.APPOINTMENT_DAYS) * 86400000)
  start.setUTCHours(10, 0, 0, 0)
  const putReferral = await client.putReferral("S123456", {
    referralId,
    startedAt: new Date().toISOString(),
    contractType: "ACC",
    sentenceId: ${DevIds.event.withoutNsi},
    notes: "Referral sent from a packed consumer"
  })
  const appointment: MergeAppointment = {
    id: appointmentUuid,
    referralId,
    referralReference: "AB1234AC",
    start: start.toISOString(),
    durationInMinutes: 60,
    officeLocationCode: "CRSEXTL",
    countsTowardsRar: true
  }
  const merged = await client.putAppointment("S123456", referralId, appointment)
  const officer = await client.getResponsibleOfficer("C025519")
  const all = await client.getConvictions("F987462")
  const one = await client.getConviction("F987462", all.convictions[0].id)
  const access = await client.getUserAccess("LimitedAccess", ["E123456"])
  let notFound: unknown = "no error"
  try {
    await client.getCaseDetails("Z999999")
  } catch (error) {
    notFound = RamDeliusApiError.is(error)
      ? { status: error.status, body: error.body, isApiError: true, instanceOf: error instanceof RamDeliusApiError }
      : String(error)
  }
  const stub: WireMockMapping = stubFor("getCaseDetails", { crn: "X000001" })
  const report = {
    referralId,
    putReferral: putReferral === undefined ? null : putReferral,
    appointmentUuid,
    appointmentId: merged.appointmentId,
    responsibleOfficer: officer.communityManager.code,
    identifiers: await client.getIdentifiers("T140223"),
    caseDetails: fullName(await client.getCaseDetails("F987462")),
    convictions: all.convictions.map((c) => c.id),
    conviction: one.conviction.id,
    officeLocations: (await client.getOfficeLocations()).map((l) => l.code).sort(),
    deliveryUnits: (await client.getProbationDeliveryUnits()).map((u) => u.code),
    managedCases: (await client.getManagedCases("john-smith")).managedCases.map((c) => c.crn).sort(),
    userDetails: (await client.getUserDetails("john-smith")).username,
    userAccess: access.access.map((a) => ({ crn: a.crn, userExcluded: a.userExcluded })),
    notFound,
    factory: { crn: caseDetails({ crn: "X000001" }).crn, stub: stub.request.urlPath }
  }
  process.stdout.write(JSON.stringify(report))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
`

/** Uses of the public types, for checking the declarations alone (no @types/node: nothing here needs Node's types). */
export const declarationsConsumer = `
import { CaseDetails, createRamDeliusClient, RamDeliusApiError, RamDeliusClient, RamDeliusClientOptions } from "@ram-delius/client"
import { caseDetails, stubFor, WireMockMapping } from "@ram-delius/client/testing"

export const options: RamDeliusClientOptions = { baseUrl: "http://localhost:9092", getToken: () => "token", retry: true }
export const client: RamDeliusClient = createRamDeliusClient(options)
export const details: CaseDetails = caseDetails({ crn: "X000001" })
export const notFound = (error: unknown): boolean => RamDeliusApiError.is(error) && error.status === 404
export const stub: WireMockMapping = stubFor("getConviction", { crn: "X000001", convictionId: 1 })
`
