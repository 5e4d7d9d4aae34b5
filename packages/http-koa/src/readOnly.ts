/**
 * `READ_ONLY=true` (Delius failover or maintenance, `DATABASE_URL` on the standby): every request that would write
 * Delius answers 503 with the service's own error body and a `Retry-After`, before authentication, body parsing or
 * any database work — nothing is written, and R&M retries later. Reads, `/users/{username}/access` (a read, even as
 * POST), health, `/info` and `/queue-admin` are served as usual.
 */

import type Koa from "koa"
import { reply } from "./respond.js"
import { operations } from "./routes.js"

/** Whether a request writes Delius. */
export type WritesDelius = (request: { readonly method: string; readonly path: string }) => boolean

/** How long R&M is asked to wait before retrying: an incident is measured in minutes, not seconds. */
export const READ_ONLY_RETRY_AFTER_SECONDS = 300

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

// The Delius writes, from the operation table: the router matches paths case-insensitively and with an optional
// trailing slash, so these patterns do too.
const WRITE_ROUTES: ReadonlyArray<{ readonly methods: ReadonlyArray<string>; readonly pattern: RegExp }> =
  Object.values(operations)
    .filter((operation) => operation.writesDelius)
    .map((operation) => ({
      methods: operation.methods.map((method) => method.toUpperCase()),
      pattern: new RegExp(
        `^${operation.path
          .split(/\{[^}]+\}/)
          .map(escapeRegExp)
          .join("[^/]+")}/?$`,
        "i"
      )
    }))

/** The operations the table marks `writesDelius`: `PUT /probation-case/{crn}/referrals` and `…/appointments`. */
export const writesDeliusRoute: WritesDelius = ({ method, path }) =>
  WRITE_ROUTES.some((route) => route.methods.includes(method) && route.pattern.test(path))

/** Set on a request this middleware refused. */
interface ReadOnlyState {
  readOnlyRefusal?: boolean
}

export interface ReadOnlyOptions {
  /** Whether the service is read-only now (`READ_ONLY`); false makes the middleware pass everything on. */
  readonly readOnly: boolean
  readonly writesDelius?: WritesDelius
  readonly retryAfterSeconds?: number
}

export const readOnlyGuard = (options: ReadOnlyOptions): Koa.Middleware => {
  const writes = options.writesDelius ?? writesDeliusRoute
  const retryAfter = String(options.retryAfterSeconds ?? READ_ONLY_RETRY_AFTER_SECONDS)
  if (!options.readOnly) return (_ctx, next) => next()
  return async (ctx, next) => {
    if (!writes({ method: ctx.method, path: ctx.path })) return next()
    // Intended, not a fault: the request line is a warning (logging.ts), so an incident does not page as errors.
    ;(ctx.state as ReadOnlyState).readOnlyRefusal = true
    ctx.set("Retry-After", retryAfter)
    reply(ctx, {
      status: 503,
      body: {
        status: 503,
        message: "Delius is read-only for now (maintenance or failover): nothing was written; retry later"
      }
    })
  }
}
