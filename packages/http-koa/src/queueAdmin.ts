/**
 * hmpps-sqs's queue-admin endpoints (issue 9 §8), which the platform's retry-DLQ cronjob and support's habits rely on:
 * retry a DLQ, retry every DLQ, purge a queue, peek at a DLQ. The work is core's `QueueAdmin` (over SQS, given by
 * whoever runs the queue host alongside — `ram-delius serve`); this file is the HTTP shape only.
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
import { fromCause, type HostError, HttpProblem } from "./errors.js"
import type { Logger } from "./logging.js"
import { reply, replyWithError } from "./respond.js"

export interface QueueAdminRouteOptions {
  readonly queueAdmin: QueueAdmin
  readonly verification: TokenVerification
  readonly role: string
  readonly protectRetryAll: boolean
  readonly log: Logger
}

/** hmpps-sqs's default and the most one call reads. */
const DEFAULT_MAX_MESSAGES = 100
const MAX_MAX_MESSAGES = 1_000

export const registerQueueAdminRoutes = (router: Router, options: QueueAdminRouteOptions): void => {
  const guard: ReadonlyArray<Koa.Middleware> = [
    authenticate(options.verification, options.log),
    requireRole([options.role])
  ]

  const handle =
    (run: (ctx: Router.RouterContext) => Effect.Effect<unknown, HostError>) =>
    async (ctx: Router.RouterContext): Promise<void> => {
      const exit = await Effect.runPromiseExit(run(ctx))
      if (Exit.isSuccess(exit)) reply(ctx, { status: 200, body: exit.value })
      else replyWithError(ctx, fromCause(exit.cause), options.log)
    }

  const maxMessages = (ctx: Router.RouterContext) => {
    const raw = ctx.query.maxMessages
    if (raw === undefined) return Effect.succeed(DEFAULT_MAX_MESSAGES)
    const text = Array.isArray(raw) ? (raw[0] ?? "") : raw
    const n = Number(text)
    return /^\d{1,4}$/.test(text) && n >= 1 && n <= MAX_MAX_MESSAGES
      ? Effect.succeed(n)
      : Effect.fail(new HttpProblem(400, `maxMessages must be a whole number from 1 to ${MAX_MAX_MESSAGES}`))
  }

  const { queueAdmin } = options
  router.put(
    "/queue-admin/retry-dlq/:dlqName",
    ...guard,
    handle((ctx) => queueAdmin.retryDlq(ctx.params.dlqName!))
  )
  router.put(
    "/queue-admin/retry-all-dlqs",
    ...(options.protectRetryAll ? guard : []),
    handle(() => queueAdmin.retryAllDlqs)
  )
  router.put(
    "/queue-admin/purge-queue/:queueName",
    ...guard,
    handle((ctx) => queueAdmin.purgeQueue(ctx.params.queueName!))
  )
  router.get(
    "/queue-admin/get-dlq-messages/:dlqName",
    ...guard,
    handle((ctx) => Effect.flatMap(maxMessages(ctx), (max) => queueAdmin.getDlqMessages(ctx.params.dlqName!, max)))
  )
}
