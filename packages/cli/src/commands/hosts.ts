import { Args, Command, Options } from "@effect/cli"
// The hosts (Koa, jose, the AWS SDK, the SQS emulator) and core (with its drivers) are loaded only by the commands
// that use them, so that `--help` and the database commands a support engineer runs most start quickly.
const core = () => import("@ram-delius/core")
const httpHost = () => import("@ram-delius/http-koa")
const queueHost = () => import("@ram-delius/sqs-host")
// The queue settings alone (Effect only): an HTTP-only `serve` reads them without loading the AWS SDK (its start-up
// time and memory).
const queueConfig = () => import("@ram-delius/sqs-host/config")
// Only core's logger (already loaded by bin.ts): the start-up failure is a log line like every other of the hosts.
import * as Log from "@ram-delius/core/log"
import { Config, Console, Effect, Layer, ManagedRuntime, Option } from "effect"
import { ExitCode, setExitCode } from "../output.js"
import { dlqCommand, lazyServiceQueueAdmin } from "./dlq.js"

export { dlqCommand }

/**
 * `serve [--http] [--queue]` (neither flag = both). Both hosts share one core runtime — one database pool, and for the
 * embedded SQLite file one connection, so the two never wait on each other's lock.
 *
 * Shutdown (SIGTERM on every Kubernetes rollout): the CLI's runtime (`NodeRuntime.runMain`) interrupts the command's
 * fiber on SIGTERM / SIGINT and exits as soon as that fiber ends — which used to be before anything had drained. So
 * the command waits uninterruptibly, and core's `handleShutdownSignals` owns the signals: readiness DOWN, no new
 * connections or receives, in-flight requests answered and messages finished and deleted, then core (pools, telemetry)
 * disposed and exit 0 — within SHUTDOWN_TIMEOUT_SECONDS, past which it exits 1 naming what was still in flight.
 */
export const serveCommand = Command.make(
  "serve",
  {
    http: Options.boolean("http").pipe(Options.withDescription("Run the HTTP API")),
    queue: Options.boolean("queue").pipe(Options.withDescription("Run the queue consumer"))
  },
  ({ http, queue }) =>
    Effect.tryPromise({ try: () => startServing({ http, queue }), catch: (error) => error }).pipe(
      Effect.matchEffect({
        onFailure: failedToStart,
        // Until a signal: `handleShutdownSignals` drains and ends the process itself.
        onSuccess: () => Effect.uninterruptible(Effect.never)
      })
    )
).pipe(Command.withDescription("Run the HTTP API and/or the queue consumer (default: both) on DATABASE_URL"))

/**
 * A start that fails (the database cannot be reached, a bad setting, a port in use) ends as the hosts' own `main`
 * ends: one JSON log line on stderr naming the cause — the platform collects it like every other line — then exit 1,
 * before anything reported healthy. The stack only at LOG_LEVEL=debug.
 */
const failedToStart = (error: unknown) =>
  Effect.sync(() => {
    Log.logLine(
      "error",
      `ram-delius serve could not start: ${Log.describeError(error)}`,
      { type: "start" },
      process.stderr
    )
    process.exit(1)
  })

const startServing = async ({ http, queue }: { readonly http: boolean; readonly queue: boolean }) => {
  const { describeInFlight, handleShutdownSignals, loadShutdownTimeoutMs, makeCoreLayer } = await core()
  const both = !http && !queue
  const consume = both || queue
  const { devStackWanted, sqsHostConfig } = await queueConfig()
  // The queue host (the AWS SDK, the emulator) and the HTTP host are loaded only when this process runs them.
  const host = consume ? await queueHost() : undefined
  const httpModule = both || http ? await httpHost() : undefined
  const config = await Effect.runPromise(sqsHostConfig)
  const timeoutMs = loadShutdownTimeoutMs()
  // In the dev stack the R&M callbacks take their token from the local stub (as the reference's dev profile). Core is
  // built before the queue host starts the stub, so the stub's configured port is the one it will listen on; detail
  // URLs are accepted as configured (MESSAGING_CONSUMER_DETAIL_URLS, else that same port), §5.3.
  const devClient =
    host !== undefined && devStackWanted(config) && !config.hmppsAuthConfigured
      ? host.devReferAndMonitor(config.devReferAndMonitorPort)
      : {}
  const runtime = ManagedRuntime.make(Layer.merge(makeCoreLayer(devClient), Log.layer()))
  // What has started so far, stopped again if a later part cannot start (so the failure's exit is not held up).
  const started: Array<() => Promise<void>> = [() => runtime.dispose()]
  try {
    await runtime.runPromise(Effect.void) // build core (migrate/seed the embedded database) before serving
    const queueConsumer = host !== undefined ? await host.startQueueHost({ runtime }) : undefined
    if (queueConsumer !== undefined) started.unshift(queueConsumer.stop)
    const httpServer =
      httpModule !== undefined
        ? await httpModule.startHttpServer({
            runtime,
            // The consumer's queue, DLQ and counters on /health when both hosts run in this process.
            // hmpps-sqs's /queue-admin endpoints, over the same implementation as `ram-delius dlq`; without the
            // consumer, its SQS client is built on the first /queue-admin call.
            queueAdmin: queueConsumer?.queueAdmin ?? lazyServiceQueueAdmin(),
            ...(queueConsumer !== undefined
              ? { healthComponents: { queue: () => queueConsumer.consumer.health() } }
              : {})
          })
        : undefined
    if (httpServer !== undefined) started.unshift(httpServer.close)
    // Without the HTTP API, the consumer still answers Kubernetes probes (QUEUE_HEALTH_PORT).
    const queueHealth =
      host !== undefined && queueConsumer !== undefined && httpServer === undefined
        ? await host.startHealthServer({
            port: config.healthPort,
            consumer: queueConsumer.consumer,
            info: host.queueHostInfo()
          })
        : undefined
    if (queueHealth !== undefined) Log.logLine("info", `Queue host health on port ${queueHealth.port}`, {})
    handleShutdownSignals({
      drain: async () => {
        // Both hosts drain at once; the queue's health server answers 503 meanwhile and closes after.
        await Promise.all([httpServer?.close(), queueConsumer?.stop()])
        await queueHealth?.close()
        await runtime.dispose()
      },
      inFlight: () =>
        [
          ...(httpServer !== undefined ? [describeInFlight("HTTP request", httpServer.inFlight())] : []),
          ...(queueConsumer !== undefined ? [describeInFlight("queue message", queueConsumer.consumer.inFlight())] : [])
        ].join("; "),
      timeoutMs,
      log: (level, message) => Log.logLine(level, message, {}),
      exit: (code) => process.exit(code),
      signals: process
    })
  } catch (error) {
    for (const stop of started) await stop().catch(() => undefined)
    throw error
  }
}

/** `token --roles …`: a token the dev-mode API accepts (refused when HMPPS_AUTH_URL is set or in production). */
export const tokenCommand = Command.make(
  "token",
  {
    roles: Options.text("roles").pipe(
      Options.withDefault("ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"),
      Options.withDescription("Comma-separated roles for the authorities claim")
    ),
    expiresIn: Options.text("expires-in").pipe(
      Options.withDefault("1h"),
      Options.withDescription("Lifetime, e.g. 1h, 30m")
    )
  },
  ({ roles, expiresIn }) =>
    Effect.gen(function* () {
      // Blank counts as unset, as in the hosts.
      const authUrl = Option.filter(yield* Config.option(Config.string("HMPPS_AUTH_URL")), (url) => url.trim() !== "")
      const production =
        (yield* Config.option(Config.string("NODE_ENV"))).pipe(Option.getOrElse(() => "")) === "production"
      if (Option.isSome(authUrl) || production) {
        yield* setExitCode(ExitCode.badInput)
        return yield* Console.error("token is for dev mode only: unset HMPPS_AUTH_URL (and NODE_ENV=production)")
      }
      const token = yield* Effect.promise(async () =>
        (await httpHost()).issueDevToken({
          roles: roles
            .split(",")
            .map((r) => r.trim())
            .filter((r) => r !== ""),
          expiresIn
        })
      )
      yield* Console.log(token)
    })
).pipe(Command.withDescription("Print a dev-mode API token with the given roles"))

/** The queue and DLQ as the service sees them (dev: the emulator the running `serve` started). */
const queues = Effect.gen(function* () {
  const host = yield* Effect.promise(queueHost)
  const { devStackWanted, makeServiceSqsClient, resolveDlqUrl, resolveQueueUrl, sqsHostConfig } = host
  const config = yield* sqsHostConfig
  const dev = devStackWanted(config)
  const client = makeServiceSqsClient(config)
  const queueUrl = yield* resolveQueueUrl(client, config.queue)
  const dlqUrl = yield* resolveDlqUrl(client, queueUrl)
  return { client, queueUrl, dlqUrl, config, dev, host }
})

const eventsSend = Command.make(
  "send",
  {
    file: Args.file({ name: "file", exists: "yes" }).pipe(
      Args.withDescription("A fixtures/events file or any SQS body")
    )
  },
  ({ file }) =>
    Effect.gen(function* () {
      const { client, queueUrl, config, host } = yield* queues
      const result = yield* Effect.promise(() =>
        host.sendFixtureEvent({ file, stubPort: config.devReferAndMonitorPort, queueUrl, client })
      )
      yield* Console.log(`Sent ${file} to ${queueUrl}${result ? ` (${JSON.stringify(result)})` : ""}`)
    })
).pipe(Command.withDescription("Dev: fill the R&M stub port into a fixture event and send it to the local queue"))

export const eventsCommand = Command.make("events").pipe(
  Command.withDescription("Dev: send events to the local queue"),
  Command.withSubcommands([eventsSend])
)
