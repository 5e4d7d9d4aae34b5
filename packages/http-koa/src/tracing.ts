/**
 * One server span per request, so that HTTP requests arrive in Application Insights as requests. It is an Effect span
 * made on the core runtime, so it goes to whatever tracer that runtime has — OpenTelemetry → Application Insights when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set, Effect's in-memory tracer otherwise — and the route's Effect runs
 * under it (`withRequestSpan`), so its database and R&M spans become the request's dependencies. Named by route
 * (`PUT /probation-case/:crn/referrals`), never by path: paths carry CRNs.
 */

import type Router from "@koa/router"
import { Clock, Effect, Exit, FiberRef, type ManagedRuntime, type Tracer } from "effect"
import type Koa from "koa"

interface SpanState {
  span?: Tracer.Span | undefined
}

export const requestTracing = (
  runtime: ManagedRuntime.ManagedRuntime<never, unknown>,
  router: Router
): Koa.Middleware => {
  let tracing: boolean | undefined
  return async (ctx, next) => {
    if (tracing === undefined) {
      try {
        tracing = runtime.runSync(FiberRef.get(FiberRef.currentTracerEnabled))
      } catch {
        // The runtime is not built yet (an embedder's): this request is served untraced, the next one asks again.
      }
    }
    // Without an exporter core turns spans off (layers.ts): then there is no span to make, time or end.
    if (tracing !== true) return next()
    const route = router.match(ctx.path, ctx.method).pathAndMethod.at(-1)?.path
    let span: Tracer.Span | undefined
    try {
      span = runtime.runSync(
        Effect.makeSpan(`${ctx.method} ${route ?? "unmatched"}`, {
          kind: "server",
          root: true,
          captureStackTrace: false,
          attributes: {
            "http.request.method": ctx.method,
            "url.path": ctx.path,
            "url.scheme": ctx.protocol,
            "server.address": ctx.hostname,
            ...(route !== undefined ? { "http.route": route } : {})
          }
        })
      )
    } catch {
      // The runtime is not built yet (an embedder's): the request is served untraced rather than failed.
    }
    ;(ctx.state as SpanState).span = span
    try {
      await next()
    } finally {
      if (span !== undefined) {
        span.attribute("http.response.status_code", ctx.status)
        // Only a 5xx marks the request failed: a 4xx is the caller's mistake (client-contract), and App Insights still
        // shows its status code. (A span status set here overrides the exporter's own "< 400" rule.)
        span.end(
          Effect.runSync(Clock.currentTimeNanos),
          ctx.status >= 500 ? Exit.fail(`status ${ctx.status}`) : Exit.void
        )
      }
    }
  }
}

/** Runs a route's Effect under the request's span (when there is one). */
export const withRequestSpan =
  (ctx: Koa.Context) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
    const span = (ctx.state as SpanState).span
    return span === undefined ? effect : Effect.withParentSpan(effect, span)
  }
