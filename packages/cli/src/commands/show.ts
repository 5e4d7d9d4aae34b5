import { Args, Command, Options } from "@effect/cli"
import { Database } from "@ram-delius/core"
import { Console, Effect } from "effect"
import { appointmentRows, referralRows } from "../inspect.js"
import { ExitCode, printJson, section, setExitCode, table } from "../output.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON instead of tables"))
const crn = Args.text({ name: "crn" }).pipe(Args.withDescription("Delius CRN, e.g. T140223"))

export const referralShow = Command.make(
  "show",
  { crn, referralId: Args.text({ name: "referralId" }).pipe(Args.withDescription("R&M referral UUID")), json },
  ({ crn, referralId, json }) =>
    Effect.gen(function* () {
      const rows = yield* referralRows(crn, referralId)
      if (rows.nsis.length === 0) yield* setExitCode(ExitCode.notFound)
      if (json) return yield* printJson(rows)
      if (rows.nsis.length === 0) return yield* Console.error(`No NSI for ${crn} with EXTERNAL_REFERENCE ${rows.urn}`)
      yield* section(`NSI for ${crn} ${rows.urn}`, table(rows.nsis))
      yield* section("Status history", table(rows.history))
      yield* section("Managers", table(rows.managers))
      yield* section("Contacts", table(rows.contacts))
    }).pipe(Effect.provide(Database.layer))
).pipe(Command.withDescription("Show the Delius NSI of a referral: status history, manager and contacts"))

export const appointmentShow = Command.make(
  "show",
  {
    crn,
    appointmentId: Args.text({ name: "appointmentId" }).pipe(Args.withDescription("R&M appointment UUID or Delius contact id")),
    json
  },
  ({ crn, appointmentId, json }) =>
    Effect.gen(function* () {
      const rows = yield* appointmentRows(crn, appointmentId)
      if (rows.contacts.length === 0) yield* setExitCode(ExitCode.notFound)
      if (json) return yield* printJson(rows)
      if (rows.contacts.length === 0) return yield* Console.error(`No appointment ${appointmentId} for ${crn}`)
      yield* section("Appointment", table(rows.contacts))
      yield* section("Enforcement", table(rows.enforcements))
      yield* section("Linked contacts", table(rows.linked))
    }).pipe(Effect.provide(Database.layer))
).pipe(Command.withDescription("Show an appointment contact: outcome, enforcement and linked contacts"))

export const referralCommand = Command.make("referral").pipe(
  Command.withDescription("Inspect referrals (Delius NSIs)"),
  Command.withSubcommands([referralShow])
)
export const appointmentCommand = Command.make("appointment").pipe(
  Command.withDescription("Inspect appointments (Delius contacts)"),
  Command.withSubcommands([appointmentShow])
)
