import { Layer } from "effect"
import { AuditRepository } from "./AuditRepository.js"
import { ContactRepository } from "./ContactRepository.js"
import { EnforcementRepository } from "./EnforcementRepository.js"
import { EventRepository } from "./EventRepository.js"
import { LimitedAccessRepository } from "./LimitedAccessRepository.js"
import { NsiRepository } from "./NsiRepository.js"
import { OrganisationRepository } from "./OrganisationRepository.js"
import { PersonRepository } from "./PersonRepository.js"
import { ReferenceDataRepository } from "./ReferenceDataRepository.js"
import { UserRepository } from "./UserRepository.js"

export * from "./AuditRepository.js"
export * from "./common.js"
export * from "./ContactRepository.js"
export * from "./EnforcementRepository.js"
export * from "./EventRepository.js"
export * from "./LimitedAccessRepository.js"
export * from "./NsiRepository.js"
export * from "./OrganisationRepository.js"
export * from "./PersonRepository.js"
export * from "./ReferenceDataRepository.js"
export * from "./UserRepository.js"

/** Every SQL repository layer; needs `SqlClient` and `Dialect` (see database.ts). */
export const SqlRepositoriesLive = Layer.mergeAll(
  AuditRepository.layer,
  ContactRepository.layer,
  EnforcementRepository.layer,
  EventRepository.layer,
  LimitedAccessRepository.layer,
  NsiRepository.layer,
  OrganisationRepository.layer,
  PersonRepository.layer,
  ReferenceDataRepository.layer,
  UserRepository.layer
)
