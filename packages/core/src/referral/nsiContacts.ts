import { Effect, Option } from "effect"
import type { Nsi } from "../delius/repositories/NsiRepository.js"
import type { WriteContext } from "../delius/repositories/common.js"
import { CRS, require } from "../delius/require.js"
import { inconsistentData } from "../delius/inconsistent.js"
import type { WorkflowServices } from "../workflows/personWorkflow.js"

/**
 * The NSI-contact pattern (spec §8.4): NREF, NCOM, status contacts, NTER and CRSNOTE contacts take the NSI's person,
 * event and NSI, the provider/team/staff of the NSI's first active manager, the London date and time given, and no
 * end time, location, outcome, RAR flag, external reference or linked contact.
 *
 * An NSI without an active manager (possible in Delius data, e.g. the dev dataset's TERMINATED NSI) takes the CRS
 * assignment of §6.1 instead of failing: every NSI this service manages is CRS-owned.
 */
export const insertNsiContact = Effect.fnUntraced(function* (
  services: Pick<WorkflowServices, "nsis" | "contacts" | "organisation">,
  nsi: Pick<Nsi, "nsiId" | "offenderId" | "eventId">,
  contactTypeId: number,
  wallClock: string,
  notes: string | null,
  ctx: WriteContext
) {
  const manager = yield* services.nsis.activeManager(nsi.nsiId)
  const assignment = Option.isSome(manager) ? manager.value : yield* crsAssignment(services)
  return yield* services.contacts.insert(
    {
      offenderId: nsi.offenderId,
      contactTypeId,
      contactDate: wallClock.slice(0, 10),
      contactStartTime: wallClock,
      eventId: nsi.eventId,
      nsiId: nsi.nsiId,
      probationAreaId: assignment.probationAreaId,
      teamId: assignment.teamId,
      staffId: assignment.staffId,
      notes
    },
    ctx
  )
})

/**
 * The NSI of a referral: §6.3 step 1 finds it by CRN and `EXTERNAL_REFERENCE`; more than one match is inconsistent
 * Delius data (500 naming the URN, never a 409, which means a clash) rather than a silent pick. None: no such NSI.
 */
export const findReferralNsi = (
  { nsis, telemetry }: Pick<WorkflowServices, "nsis" | "telemetry">,
  crn: string,
  urn: string
) =>
  Effect.flatMap(nsis.findByCrnAndUrn(crn, urn), (found) =>
    found.length > 1
      ? inconsistentData(telemetry, `More than one NSI for ${crn} has EXTERNAL_REFERENCE ${urn}`, {
          crn,
          referralUrn: urn
        })
      : Effect.succeed(Option.fromNullable(found[0]))
  )

/** Provider CRS, team CRSUAT, staff CRSUATU (spec §6.1); 404 `Provider with code of CRS not found` etc. */
export const crsAssignment = Effect.fnUntraced(function* ({ organisation }: Pick<WorkflowServices, "organisation">) {
  const probationAreaId = yield* organisation.providerId(CRS.provider).pipe(require("Provider", "code", CRS.provider))
  const teamId = yield* organisation.teamId(CRS.team).pipe(require("Team", "code", CRS.team))
  const staffId = yield* organisation.staffId(CRS.staff).pipe(require("Staff", "code", CRS.staff))
  return { probationAreaId, teamId, staffId }
})
