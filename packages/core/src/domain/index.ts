/** Shared domain types every feature imports: identifiers, URNs and London date-times. */
export * from "./ids.js"
export * from "./time.js"
export * from "./urns.js"
