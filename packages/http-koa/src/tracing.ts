/**
 * One server span per request, so that HTTP requests arrive in Application Insights as requests. It is an Effect span
 * made by the core runtime's tracer — OpenTelemetry → Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING
 * is set — and the route's Effect runs under it (`requestRuntime`), so its database and R&M spans become the
 * request's dependencies. Named by route (`PUT /probation-case/:crn/referrals`), never by path: paths carry CRNs.
 *
 * The span is timed from the request's arrival but made only when something needs it: when the route's Effect starts
 * (the router has matched by then, so its route names the span), or when the response is done (a request refused
 * before any route ran: unauthorised, read-only, unknown path). Matching the path against every route a second time
 * just to name the span cost a tenth of the exporting host's extra CPU per request.
 */

import type Router from "@koa/router"
import { Clock, Context, Effect, Exit, FiberRef, type ManagedRuntime, Option, Runtime, Tracer } from "effect"
import type Koa from "koa"

interface SpanState {
  /** The request's span, made on first use. */
  span?: (() => Tracer.Span) | undefined
}

/** The runtime's tracer and clock, when spans are on: read once, as they do not change for a built runtime. */
interface Spans {
  readonly tracer: Tracer.Tracer
  readonly clock: Clock.Clock
}

export const requestTracing = (
  runtime: ManagedRuntime.ManagedRuntime<never, unknown>,
  router: Router
): Koa.Middleware => {
  let spans: Spans | false | undefined
  return async (ctx, next) => {
    if (spans === undefined) {
      try {
        spans = runtime.runSync(
          Effect.flatMap(FiberRef.get(FiberRef.currentTracerEnabled), (enabled): Effect.Effect<Spans | false> =>
            enabled ? Effect.all({ tracer: Effect.tracer, clock: Effect.clock }) : Effect.succeed(false as const)
          )
        )
      } catch {
        // The runtime is not built yet (an embedder's): this request is served untraced, the next one asks again.
      }
    }
    // Without an exporter core turns spans off (layers.ts): then there is no span to make, time or end.
    if (spans === undefined || spans === false) return next()
    const { tracer, clock } = spans
    const start = clock.unsafeCurrentTimeNanos()
    let span: Tracer.Span | undefined
    const state = ctx.state as SpanState
    state.span = () => {
      if (span !== undefined) return span
      const route = ctx._matchedRoute ?? router.match(ctx.path, ctx.method).pathAndMethod.at(-1)?.path
      span = tracer.span(`${ctx.method} ${route ?? "unmatched"}`, Option.none(), Context.empty(), [], start, "server", {
        kind: "server",
        root: true,
        captureStackTrace: false
      })
      span.attribute("http.request.method", ctx.method)
      span.attribute("url.path", ctx.path)
      span.attribute("url.scheme", ctx.protocol)
      span.attribute("server.address", ctx.hostname)
      if (route !== undefined) span.attribute("http.route", String(route))
      return span
    }
    try {
      await next()
    } finally {
      const ended = state.span()
      ended.attribute("http.response.status_code", ctx.status)
      // Only a 5xx marks the request failed: a 4xx is the caller's mistake (client-contract), and App Insights still
      // shows its status code. (A span status set here overrides the exporter's own "< 400" rule.)
      ended.end(clock.unsafeCurrentTimeNanos(), ctx.status >= 500 ? Exit.fail(`status ${ctx.status}`) : Exit.void)
    }
  }
}

/**
 * The runtime to run a route's Effect on: the request's span (when there is one) is the parent of the spans it makes.
 * The span goes into the new fiber's starting context, as `Effect.withParentSpan` would put it there, without the 25
 * Effect operations that providing it to a running fiber costs (a scoped fiber-ref change, undone at the end).
 */
export const requestRuntime = <R>(ctx: Koa.Context, runtime: Runtime.Runtime<R>): Runtime.Runtime<R> => {
  const span = (ctx.state as SpanState).span
  return span === undefined
    ? runtime
    : Runtime.make({
        context: Context.add(runtime.context, Tracer.ParentSpan, span()),
        fiberRefs: runtime.fiberRefs,
        runtimeFlags: runtime.runtimeFlags
      })
}
