/**
 * Example (b): the HTTP API of this service mounted inside an existing Koa app of another team. The team's own
 * routes keep working; requests for the integration's paths (`/probation-case/…`, `/users/…`, …) are handled by
 * `createRoutes` with its own authentication and error bodies; everything else passes through untouched.
 * `core` is usually `makeCoreLayer()` (configuration from the environment).
 */
import type { HostServices } from "@ram-delius/http-koa"
import { type AuthOptions, createRoutes } from "@ram-delius/http-koa"
import { type Layer, ManagedRuntime } from "effect"
import Koa from "koa"

export const makeTeamApp = async (options: {
  readonly core: Layer.Layer<HostServices, unknown>
  readonly auth: AuthOptions
}) => {
  const runtime = ManagedRuntime.make(options.core)
  await runtime.runtime() // build core (and fail fast on a bad database) before serving
  const app = new Koa()
  // The team's existing middleware and routes.
  app.use(async (ctx, next) => {
    ctx.set("x-team", "example")
    await next()
  })
  app.use(createRoutes({ runtime, auth: options.auth }))
  app.use((ctx) => {
    if (ctx.path === "/team/hello") ctx.body = { hello: "from the team's own route" }
  })
  return { app, dispose: () => runtime.dispose() }
}
