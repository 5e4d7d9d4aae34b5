import { Args, Command, Options } from "@effect/cli"
import { lazy } from "../output.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print the result as one JSON document"))

export const referralReconcile = Command.make(
  "reconcile",
  {
    crn: Args.text({ name: "crn" }).pipe(Args.withDescription("The person's Delius CRN, e.g. T140223")),
    referralId: Args.text({ name: "referralId" }).pipe(
      Args.withDescription("The R&M referral id (a UUID), e.g. 68df9f6c-3fcb-4ec6-8fcf-96551cd9b080")
    ),
    apply: Options.boolean("apply").pipe(
      Options.withDescription("Put Delius right through the workflows the PUTs and events use, then check again")
    ),
    json
  },
  (args) =>
    lazy(
      () => import("../run/reconcile.js"),
      (m) => m.referralReconcile(args)
    )
).pipe(
  Command.withDescription(
    "Compare a referral in R&M (REFER_AND_MONITOR_URL) with its Delius NSI and contacts: exit 0 in sync, 3 differences remain, 1 error"
  )
)

export const reconcileCommand = Command.make(
  "reconcile",
  {
    since: Options.text("since").pipe(
      Options.withDescription("Referrals whose NSI or contacts changed in this window, e.g. 7d, 12h, 30m")
    ),
    rate: Options.float("rate").pipe(
      Options.withDefault(3),
      Options.withDescription("Referrals reconciled per second at most (default 3)")
    ),
    json
  },
  (args) =>
    lazy(
      () => import("../run/reconcile.js"),
      (m) => m.reconcileSince(args)
    )
).pipe(
  Command.withDescription(
    "Read-only sweep: reconcile every CRS referral changed in a window; ReferralDrift telemetry per drifted referral; exit 3 when any drifted"
  )
)

export const doctorCommand = Command.make("doctor", { json }, (args) =>
  lazy(
    () => import("../run/doctor.js"),
    (m) => m.doctor(args)
  )
).pipe(
  Command.withDescription(
    "Check every dependency (database and its grants, R_NSI_TYPE, audit user, LDAP, HMPPS Auth, R&M, SQS): one line each, writes nothing; exit 0 only when all pass"
  )
)
