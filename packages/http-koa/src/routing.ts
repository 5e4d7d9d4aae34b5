/**
 * Koa routes from the operation table (routes.ts): each operation's path and methods, its guard, its parameters and
 * body decoded as the table declares (a refused value is a 400 naming it), and its handler's result answered with the
 * table's success status — or the empty 404 of an operation with `absent`.
 */

import type Router from "@koa/router"
import { Effect, Either, Option, Schema } from "effect"
import type Koa from "koa"
import { NO_BODY, readJsonBody } from "./body.js"
import { decodeBody, type HostError, HttpProblem } from "./errors.js"
import type { Reply } from "./respond.js"
import { type Operation, type Parameter, routerPath } from "./routes.js"

type ParameterValues<P> = { readonly [K in keyof P]: P[K] extends Parameter<infer A> ? A : never }

/** What a handler is given: the decoded path and query parameters, and the decoded body. */
export interface Input<Op extends Operation> {
  readonly params: ParameterValues<Op["params"]>
  readonly query: Op extends { readonly query: infer Q } ? ParameterValues<Q> : Record<string, never>
  readonly body: Op extends { readonly request: Schema.Schema<infer A, any> } ? A : undefined
}

type Response<Op extends Operation> = Op["success"] extends { readonly body: Schema.Schema<infer A, any> } ? A : void

/** What a handler answers: the success body (`Option` of it where the table declares an empty 404). */
export type Output<Op extends Operation> = Op extends { readonly absent: string }
  ? Option.Option<Response<Op>>
  : Response<Op>

export type Handler<Op extends Operation, R> = (input: Input<Op>) => Effect.Effect<Output<Op>, HostError, R>

export type Handlers<Ops extends Readonly<Record<string, Operation>>, R> = {
  readonly [Id in keyof Ops]: Handler<Ops[Id], R>
}

/** A parameter's decoder, built once: a refused value is a 400 naming it (returned, not thrown). */
const parameterDecoder = (name: string, spec: Parameter<unknown>) => {
  const decode = Schema.decodeUnknownOption(spec.schema)
  return (raw: string): Either.Either<unknown, HttpProblem> =>
    Option.match(decode(raw), {
      onNone: () => Either.left(new HttpProblem(400, spec.invalid(name, raw))),
      onSome: Either.right
    })
}

/** Reading the body is part of the request's Effect, so a client trickling its body is bounded by the timeout too. */
const jsonBody = (ctx: Koa.Context, limitBytes: number) =>
  Effect.tryPromise({
    try: () =>
      readJsonBody(ctx.req, limitBytes).then((value) => {
        if (value === NO_BODY) throw new HttpProblem(400, "Required request body is missing")
        return value
      }),
    catch: (error) => (error instanceof HttpProblem ? error : new HttpProblem(400, "Request body could not be read"))
  })

/**
 * The handler's input, in the order a client's mistakes are reported: path, then query, then body. The decoders are
 * built once per operation, not per request; the parameters are decoded synchronously, in the request's first step.
 */
const inputOf = <Op extends Operation>(operation: Op, bodyLimitBytes: number) => {
  const params = Object.entries(operation.params).map(([name, spec]) => [name, parameterDecoder(name, spec)] as const)
  const query = Object.entries(operation.query ?? {}).map(
    ([name, spec]) => [name, spec.fallback, parameterDecoder(name, spec)] as const
  )
  const body = operation.request === undefined ? undefined : decodeBody(operation.request)
  return (ctx: Router.RouterContext): Effect.Effect<Input<Op>, HostError> =>
    Effect.suspend((): Effect.Effect<Input<Op>, HostError> => {
      const values: Record<string, unknown> = {}
      for (const [name, decode] of params) {
        const value = decode(ctx.params[name] ?? "")
        if (Either.isLeft(value)) return Either.left(value.left)
        values[name] = value.right
      }
      const queryValues: Record<string, unknown> = {}
      for (const [name, fallback, decode] of query) {
        const raw = ctx.query[name]
        if (raw === undefined) {
          queryValues[name] = fallback
          continue
        }
        const value = decode(Array.isArray(raw) ? (raw[0] ?? "") : raw)
        if (Either.isLeft(value)) return Either.left(value.left)
        queryValues[name] = value.right
      }
      // The records' keys are the table's own, decoded by its Schemas: the shape `Input<Op>` describes.
      const input = (decoded: unknown) => ({ params: values, query: queryValues, body: decoded }) as Input<Op>
      if (body === undefined) return Effect.succeed(input(undefined))
      return Effect.flatMap(jsonBody(ctx, bodyLimitBytes), (raw) => Effect.map(body(raw), input))
    })
}

const reply = (operation: Operation, output: unknown): Reply => {
  if (operation.absent !== undefined && Option.isOption(output)) {
    return Option.match(output, {
      onNone: () => ({ status: 404 }),
      onSome: (body) => ({ status: operation.success.status, body })
    })
  }
  return operation.success.body === undefined
    ? { status: operation.success.status }
    : { status: operation.success.status, body: output }
}

export interface RegisterOptions<R> {
  /** The middleware before the handler for an operation (authentication and role), by the table's role. */
  readonly guard: (operation: Operation) => ReadonlyArray<Koa.Middleware>
  readonly bodyLimitBytes: number
  /** Runs the request's Effect and answers (its success or its error body). */
  readonly run: (ctx: Router.RouterContext, answer: Effect.Effect<Reply, HostError, R>) => Promise<void>
}

/** Registers each operation of `operations` with its handler. */
export const registerOperations = <Ops extends Readonly<Record<string, Operation>>, R>(
  router: Router,
  operations: Ops,
  handlers: Handlers<Ops, R>,
  options: RegisterOptions<R>
): void => {
  for (const id of Object.keys(operations) as Array<keyof Ops & string>) {
    const operation = operations[id]
    const handler: Handler<Ops[typeof id], R> = handlers[id]
    const input = inputOf(operation, options.bodyLimitBytes)
    const middleware = (ctx: Router.RouterContext) =>
      options.run(ctx, Effect.flatMap(input(ctx), handler).pipe(Effect.map((output) => reply(operation, output))))
    for (const method of operation.methods) {
      router[method](routerPath(operation.path), ...options.guard(operation), middleware)
    }
  }
}
