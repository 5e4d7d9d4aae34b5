/**
 * hmpps-sqs's queue-admin endpoints, which the platform's retry-DLQ cronjob and support's habits rely on: retry a DLQ,
 * retry every DLQ, purge a queue, peek at a DLQ. The work is core's `QueueAdmin` (over SQS, given by whoever runs the
 * queue host alongside — `ram-delius serve`); the paths, statuses and bodies are the table's (routes.ts).
 *
 * Authorisation: `QUEUE_ADMIN_ROLE` (default ROLE_QUEUE_ADMIN) with the API's 401/403 rules; `retry-all-dlqs` is open,
 * as in hmpps-sqs (the cronjob calls it from inside the cluster and the ingress blocks `/queue-admin` from outside),
 * unless `QUEUE_ADMIN_PROTECT_RETRY_ALL=true`.
 */

import type Router from "@koa/router"
import type { QueueAdmin } from "@ram-delius/core"
import { Effect, Exit } from "effect"
import type Koa from "koa"
import { authenticate, requireRole, type TokenVerification } from "./auth.js"
import { DEFAULT_BODY_LIMIT_BYTES } from "./body.js"
import { fromCause } from "./errors.js"
import type { Logger } from "./logging.js"
import { reply, replyWithError } from "./respond.js"
import { queueAdminOperations } from "./routes.js"
import { type Handlers, registerOperations } from "./routing.js"

export interface QueueAdminRouteOptions {
  readonly queueAdmin: QueueAdmin
  readonly verification: TokenVerification
  readonly role: string
  readonly protectRetryAll: boolean
  readonly log: Logger
}

export const registerQueueAdminRoutes = (router: Router, options: QueueAdminRouteOptions): void => {
  const guard: ReadonlyArray<Koa.Middleware> = [
    authenticate(options.verification, options.log),
    requireRole([options.role])
  ]
  const { queueAdmin } = options
  const handlers: Handlers<typeof queueAdminOperations, never> = {
    retryDlq: ({ params }) => queueAdmin.retryDlq(params.dlqName),
    retryAllDlqs: () => queueAdmin.retryAllDlqs,
    purgeQueue: ({ params }) => queueAdmin.purgeQueue(params.queueName),
    getDlqMessages: ({ params, query }) => queueAdmin.getDlqMessages(params.dlqName, query.maxMessages)
  }
  registerOperations(router, queueAdminOperations, handlers, {
    guard: (operation) => (operation.openUnlessProtected === true && !options.protectRetryAll ? [] : guard),
    // No queue-admin operation reads a body.
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
    run: async (ctx: Koa.Context, answer) => {
      const exit = await Effect.runPromiseExit(answer)
      if (Exit.isSuccess(exit)) reply(ctx, exit.value)
      else replyWithError(ctx, fromCause(exit.cause), options.log)
    }
  })
}
