import { Args, Command, Options } from "@effect/cli"
import { lazy } from "../output.js"
import { referralReconcile } from "./reconcile.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON instead of tables"))
const crn = Args.text({ name: "crn" }).pipe(Args.withDescription("The person's Delius CRN, e.g. T140223"))

const referralShow = Command.make(
  "show",
  {
    crn,
    referralId: Args.text({ name: "referralId" }).pipe(
      Args.withDescription("The R&M referral id (a UUID), e.g. 68df9f6c-3fcb-4ec6-8fcf-96551cd9b080")
    ),
    json
  },
  (args) =>
    lazy(
      () => import("../run/show.js"),
      (m) => m.referralShow(args)
    )
).pipe(Command.withDescription("Show the Delius NSI of a referral: status history, manager and contacts"))

const appointmentShow = Command.make(
  "show",
  {
    crn,
    appointmentId: Args.text({ name: "appointmentId" }).pipe(
      Args.withDescription("The R&M appointment id (a UUID) or the Delius contact id (a number)")
    ),
    json
  },
  (args) =>
    lazy(
      () => import("../run/show.js"),
      (m) => m.appointmentShow(args)
    )
).pipe(Command.withDescription("Show an appointment contact: outcome, enforcement and linked contacts"))

export const referralCommand = Command.make("referral").pipe(
  Command.withDescription("Inspect and reconcile referrals (Delius NSIs)"),
  Command.withSubcommands([referralShow, referralReconcile])
)
export const appointmentCommand = Command.make("appointment").pipe(
  Command.withDescription("Inspect appointments (Delius contacts)"),
  Command.withSubcommands([appointmentShow])
)
