/**
 * @ram-delius/http-koa — the thin Koa host of the Refer and Monitor ↔ nDelius integration: the HTTP API of spec §4
 * over core's workflows and reads, HMPPS Auth JWT authentication, error mapping and health endpoints.
 */
export { type AppOptions, createApp, createRoutes, type HostServices } from "./app.js"
export { type ApiServices } from "./api.js"
export {
  type AuthOptions,
  authenticate,
  authenticated,
  devVerification,
  hmppsAuthVerification,
  requireRole,
  resolveVerification,
  singleAuthorization,
  type TokenVerification
} from "./auth.js"
export { DEFAULT_BODY_LIMIT_BYTES, readJsonBody } from "./body.js"
export {
  type BuildInfo,
  DEFAULT_API_ROLES,
  DEFAULT_DEV_JWK_FILE,
  DEFAULT_PORT,
  DEFAULT_QUEUE_ADMIN_ROLE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type HttpConfig,
  httpConfig,
  loadHttpConfig,
  normaliseRoles
} from "./config.js"
export { DEV_ISSUER, type DevSigningKey, type DevTokenOptions, issueDevToken, loadDevSigningKey } from "./devAuth.js"
export {
  type ErrorBody,
  type ErrorResponse,
  type FieldError,
  fromCause,
  type HostError,
  HttpProblem,
  InvalidBody,
  RequestTimedOut
} from "./errors.js"
export { type HealthComponents, type HealthServices } from "./health.js"
export { type Logger, type LogLine, silentLogger, stdoutLogger } from "./logging.js"
export { openApiDocument } from "./openapi.js"
export { registerQueueAdminRoutes, type QueueAdminRouteOptions } from "./queueAdmin.js"
export {
  READ_ONLY_RETRY_AFTER_SECONDS,
  readOnlyGuard,
  type ReadOnlyOptions,
  type WritesDelius,
  writesDeliusRoute
} from "./readOnly.js"
export {
  apiOperations,
  type Body,
  type Method,
  type Operation,
  type OperationId,
  operations,
  type Parameter,
  type QueryParameter,
  queueAdminOperations,
  type Role
} from "./routes.js"
export { type Handler, type Handlers, type Input, type Output } from "./routing.js"
export { type HttpServer, type HttpServerOptions, startHttpServer } from "./server.js"
