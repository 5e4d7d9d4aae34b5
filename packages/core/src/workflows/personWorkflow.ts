/**
 * The one shape of a write workflow (DESIGN.md, Workflows). A workflow's layer resolves the services below once, when
 * it is built (`workflowServices`); each call then runs `personWorkflow`, which writes the order down once:
 *
 *   span → audit (§8.3, written after the work, in its own transaction) → transaction → person lock (decision Q1) →
 *   the workflow's body → commit → the success telemetry event (§9)
 *
 * The body and its steps take the services they use as an argument (`Pick<WorkflowServices, …>`), so each step's type
 * names what it reads and nothing is provided per call.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { type AuditParameters, auditedWith, type BusinessInteraction } from "../audit/Audit.js"
import { DeliusUser, personTransaction, type WorkflowContext, withWriteContext } from "../delius/DeliusContext.js"
import { AuditRepository } from "../delius/repositories/AuditRepository.js"
import { ContactRepository } from "../delius/repositories/ContactRepository.js"
import { EnforcementRepository } from "../delius/repositories/EnforcementRepository.js"
import { EventRepository } from "../delius/repositories/EventRepository.js"
import { NsiRepository } from "../delius/repositories/NsiRepository.js"
import { OrganisationRepository } from "../delius/repositories/OrganisationRepository.js"
import { PersonRepository } from "../delius/repositories/PersonRepository.js"
import { ReferenceDataRepository } from "../delius/repositories/ReferenceDataRepository.js"
import type { DatabaseError } from "../errors.js"
import { Telemetry } from "../telemetry/Telemetry.js"
import { traced } from "../telemetry/spans.js"

/** Every service a write workflow may use: the Delius repositories, the Delius user and telemetry. */
export const workflowServices = Effect.all({
  sql: SqlClient.SqlClient,
  people: PersonRepository,
  nsis: NsiRepository,
  contacts: ContactRepository,
  events: EventRepository,
  reference: ReferenceDataRepository,
  organisation: OrganisationRepository,
  enforcements: EnforcementRepository,
  audits: AuditRepository,
  user: DeliusUser,
  telemetry: Telemetry
})

export type WorkflowServices = Effect.Effect.Success<typeof workflowServices>

/** What `personWorkflow` itself uses. */
type OwnServices = Pick<WorkflowServices, "sql" | "people" | "audits" | "reference" | "user" | "telemetry">

/** What a workflow's body is given, under the lock. */
export interface PersonScope {
  readonly offenderId: number
  /** The Delius user and now, for the audit columns (§8.2), read once the lock is held. */
  readonly ctx: WorkflowContext
  /** The audit row's parameters (§8.3); setting one is a no-op when the workflow is not audited. */
  readonly audit: AuditParameters
}

export interface PersonWorkflowOptions<A, E2> {
  /** The business interaction audited (§8.3) and the parameters known before the lock; absent: not audited. */
  readonly audit?: {
    readonly interaction: BusinessInteraction
    readonly parameters?: Readonly<Record<string, string | number>>
  }
  /** When no (non-deleted) person has the CRN: usually a failure naming what could not be found. */
  readonly personNotFound: Effect.Effect<never, E2>
  /** The §9 event tracked once the work has committed and been audited. */
  readonly success?: (result: A) => readonly [name: string, properties: Readonly<Record<string, string>>]
}

const notAudited: AuditParameters = { set: () => Effect.void }

/** One write workflow for the person with `crn`, traced as `name` (see the module comment for the order). */
export const personWorkflow = <A, E, E2>(
  services: OwnServices,
  name: string,
  crn: string,
  options: PersonWorkflowOptions<A, E2>,
  body: (person: PersonScope) => Effect.Effect<A, E>
): Effect.Effect<A, E | E2 | DatabaseError> => {
  const locked = (audit: AuditParameters) =>
    personTransaction(
      services,
      crn,
      (offenderId) => withWriteContext(services.user, (ctx) => body({ offenderId, ctx, audit })),
      options.personNotFound
    )
  const audit = options.audit
  const work =
    audit === undefined
      ? locked(notAudited)
      : auditedWith(services, audit.interaction, (parameters) =>
          audit.parameters === undefined
            ? locked(parameters)
            : Effect.zipRight(
                Effect.forEach(Object.entries(audit.parameters), ([key, value]) => parameters.set(key, value), {
                  discard: true
                }),
                locked(parameters)
              )
        )
  const success = options.success
  return (
    success === undefined
      ? work
      : Effect.tap(work, (result) => {
          const [event, properties] = success(result)
          return services.telemetry.trackEvent(event, properties)
        })
  ).pipe(traced(name))
}
