/**
 * @ram-delius/core — the Refer and Monitor ↔ nDelius integration as an Effect library: typed workflows (referral
 * start/end, appointment merge and feedback, action plans), case reads, domain-event dispatch, and the Delius
 * repositories they run on.
 */
export * from "./errors.js"
export * from "./domain/index.js"
export * from "./layers.js"
export * from "./telemetry/Telemetry.js"
export { annotateSpan, traced } from "./telemetry/spans.js"
export * as Log from "./telemetry/Log.js"
export * from "./audit/Audit.js"
export * as Rules from "./rules/index.js"
export * from "./referral/Referral.js"
export * from "./referral/ContractTypes.js"
export * from "./appointment/Appointment.js"
export * from "./action-plan/ActionPlan.js"
export * from "./case/CaseReads.js"
export * as CaseSchemas from "./case/schemas.js"
export * from "./events/DomainEvent.js"
export * from "./events/handleDomainEvent.js"
export * from "./directory/UserDirectory.js"
export * from "./refer-and-monitor/ReferAndMonitorClient.js"
export { HmppsAuthToken } from "./refer-and-monitor/HmppsAuth.js"
export {
  DETAIL_URLS_VARIABLE,
  type DetailUrlOrigins,
  detailUrlOriginsConfig,
  devDetailUrlOrigins,
  parseDetailUrlOrigins,
  referAndMonitorSettings
} from "./refer-and-monitor/config.js"
export * as ReferAndMonitorSchemas from "./refer-and-monitor/schemas.js"
export * as Database from "./delius/database.js"
export * from "./delius/dialect.js"
export * from "./delius/migrations.js"
export * from "./delius/seed.js"
export * from "./delius/bootstrap.js"
export * from "./delius/DeliusContext.js"
export * from "./delius/repositories/index.js"
export { tables, sequences } from "./delius/tables.js"
export { memoizedBy } from "./memo.js"
export { fastThenSchema } from "./refer-and-monitor/fastDecode.js"
export * from "./shutdown.js"
export * from "./queue-admin/QueueAdmin.js"
export * as Switches from "./switches.js"
export * from "./operational.js"
export * from "./reconcile/Reconciliation.js"
export type { Difference, DifferenceKind } from "./reconcile/model.js"
export type { SweepOptions, SweepResult } from "./reconcile/sweep.js"
export * as ReferAndMonitorViews from "./refer-and-monitor/ReferralView.js"
export { type Setting, settings } from "./settings.js"
