import type Koa from "koa"
import { type ErrorResponse, fromThrown } from "./errors.js"
import { type Logger, requestId } from "./logging.js"

/** A handler's answer: a status and a JSON body, or no body at all (204, and the empty 404s of §4.5 / §4.10). */
export interface Reply {
  readonly status: number
  readonly body?: unknown
}

export const reply = (ctx: Koa.Context, answer: Reply): void => {
  if (answer.body === undefined) {
    // Koa keeps an explicit null body empty, whatever the status; the status must be set after it.
    ctx.body = null
    ctx.status = answer.status
  } else {
    ctx.status = answer.status
    ctx.body = answer.body
  }
}

/** Write an error body; a 5xx's detail is logged with the request id (the client only sees the generic message). */
export const replyWithError = (ctx: Koa.Context, response: ErrorResponse, log: Logger): void => {
  if (response.detail !== undefined) {
    log({
      level: "error",
      type: "error",
      requestId: requestId(ctx),
      method: ctx.method,
      path: ctx.path,
      status: response.body.status,
      message: response.body.message,
      detail: response.detail
    })
  }
  for (const [name, value] of Object.entries(response.headers ?? {})) ctx.set(name, value)
  ctx.status = response.body.status
  ctx.body = response.body
}

/** Anything thrown by the middleware after it becomes an error body. */
export const errorHandling =
  (log: Logger): Koa.Middleware =>
  async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      replyWithError(ctx, fromThrown(error), log)
    }
  }

/** An unknown route: 404 with the error body. */
export const notFound: Koa.Middleware = async (ctx) => {
  const path = ctx.path.length > 200 ? `${ctx.path.slice(0, 199)}…` : ctx.path
  reply(ctx, { status: 404, body: { status: 404, message: `No resource for ${ctx.method} ${path}` } })
}

/** The router's 405 / 501 answers get the error body too (they come with an `Allow` header). */
export const methodErrors: Koa.Middleware = async (ctx, next) => {
  await next()
  if (ctx.status === 405)
    ctx.body = { status: 405, message: `Method ${ctx.method} not allowed for ${ctx.path.slice(0, 200)}` }
  else if (ctx.status === 501) ctx.body = { status: 501, message: `Method ${ctx.method} not implemented` }
}
