import { Args, Command, Options, Prompt } from "@effect/cli"
import { Log, makeCoreLayer, ReferAndMonitorClient } from "@ram-delius/core"
// The hosts (Koa, jose, the AWS SDK, the SQS emulator) are loaded only by the commands that use them, so that the
// database commands a support engineer runs most start quickly.
const httpHost = () => import("@ram-delius/http-koa")
const queueHost = () => import("@ram-delius/sqs-host")
import { Config, Console, Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { ExitCode, printJson, setExitCode, table } from "../output.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON instead of text"))

/**
 * `serve [--http] [--queue]` (neither flag = both). Both hosts share one core runtime — one database pool, and for the
 * embedded SQLite file one connection, so the two never wait on each other's lock.
 */
export const serveCommand = Command.make(
  "serve",
  {
    http: Options.boolean("http").pipe(Options.withDescription("Run the HTTP API")),
    queue: Options.boolean("queue").pipe(Options.withDescription("Run the queue consumer"))
  },
  ({ http, queue }) =>
    Effect.promise(async () => {
      const { DEV_CLIENT_CREDENTIALS, devStackWanted, onShutdownSignals, sqsHostConfig, startHealthServer, startQueueHost } =
        await queueHost()
      const { startHttpServer } = await httpHost()
      const both = !http && !queue
      const config = await Effect.runPromise(sqsHostConfig)
      // In the dev stack the R&M callbacks take their token from the local stub (as the reference's dev profile).
      const devAuth =
        (both || queue) && devStackWanted(config) && !config.hmppsAuthConfigured
          ? {
              referAndMonitor: ReferAndMonitorClient.layerWith({
                auth: {
                  url: `http://127.0.0.1:${config.devReferAndMonitorPort}/auth`,
                  clientId: DEV_CLIENT_CREDENTIALS.clientId,
                  clientSecret: Redacted.make(DEV_CLIENT_CREDENTIALS.clientSecret)
                }
              })
            }
          : {}
      const runtime = ManagedRuntime.make(Layer.merge(makeCoreLayer(devAuth), Log.layer()))
      await runtime.runPromise(Effect.void) // build core (migrate/seed the embedded database) before serving
      const queueConsumer = both || queue ? await startQueueHost({ runtime: runtime as never }) : undefined
      const httpServer =
        both || http
          ? await startHttpServer({
              runtime: runtime as never,
              // The consumer's queue, DLQ and counters on /health when both hosts run in this process.
              ...(queueConsumer !== undefined ? { healthComponents: { queue: () => queueConsumer.consumer.health() } } : {})
            })
          : undefined
      // Without the HTTP API, the consumer still answers Kubernetes probes (QUEUE_HEALTH_PORT).
      const queueHealth =
        queueConsumer !== undefined && httpServer === undefined
          ? await startHealthServer({ port: config.healthPort, consumer: queueConsumer.consumer })
          : undefined
      onShutdownSignals(async () => {
        await httpServer?.close()
        await queueHealth?.close()
        await queueConsumer?.stop()
        await runtime.dispose()
      })
      await new Promise<never>(() => {}) // until a signal ends the process
    })
).pipe(Command.withDescription("Run the HTTP API and/or the queue consumer (default: both) on DATABASE_URL"))

/** `token --roles …`: a token the dev-mode API accepts (refused when HMPPS_AUTH_URL is set or in production). */
export const tokenCommand = Command.make(
  "token",
  {
    roles: Options.text("roles").pipe(
      Options.withDefault("ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"),
      Options.withDescription("Comma-separated roles for the authorities claim")
    ),
    expiresIn: Options.text("expires-in").pipe(Options.withDefault("1h"))
  },
  ({ roles, expiresIn }) =>
    Effect.gen(function* () {
      // Blank counts as unset, as in the hosts.
      const authUrl = Option.filter(yield* Config.option(Config.string("HMPPS_AUTH_URL")), (url) => url.trim() !== "")
      const production = (yield* Config.option(Config.string("NODE_ENV"))).pipe(Option.getOrElse(() => "")) === "production"
      if (Option.isSome(authUrl) || production) {
        yield* setExitCode(ExitCode.badInput)
        return yield* Console.error("token is for dev mode only: unset HMPPS_AUTH_URL (and NODE_ENV=production)")
      }
      const token = yield* Effect.promise(async () =>
        (await httpHost()).issueDevToken({ roles: roles.split(",").map((r) => r.trim()).filter((r) => r !== ""), expiresIn })
      )
      yield* Console.log(token)
    })
).pipe(Command.withDescription("Print a dev-mode API token with the given roles"))

/** The queue and DLQ as the service sees them (dev: the emulator the running `serve` started). */
const queues = Effect.gen(function* () {
  const host = yield* Effect.promise(queueHost)
  const { DEV_STACK_DEFAULTS, devStackWanted, makeSqsClient, resolveDlqUrl, resolveQueueUrl, sqsHostConfig } = host
  const config = yield* sqsHostConfig
  const dev = devStackWanted(config)
  const client = makeSqsClient({
    region: config.region,
    endpoint: dev ? `http://127.0.0.1:${config.devSqsPort}` : Option.getOrUndefined(config.endpoint),
    ...(dev ? { credentials: DEV_STACK_DEFAULTS.credentials } : {})
  })
  const queueUrl = yield* resolveQueueUrl(client, config.queue)
  const dlqUrl = yield* resolveDlqUrl(client, queueUrl)
  return { client, queueUrl, dlqUrl, config, dev, host }
})

const dlqList = Command.make("list", { json, max: Options.integer("max").pipe(Options.withDefault(100)) }, ({ json, max }) =>
  Effect.gen(function* () {
    const { client, dlqUrl, host } = yield* queues
    const messages = yield* Effect.promise(() => host.listDlq(client, dlqUrl, { max }))
    if (json) return yield* printJson(messages)
    yield* Console.log(table(messages.map((m) => ({ ...m, body: undefined })), 60))
  })
).pipe(Command.withDescription("List the messages in the dead-letter queue"))

const dlqShow = Command.make("show", { id: Args.text({ name: "messageId" }), json }, ({ id, json }) =>
  Effect.gen(function* () {
    const { client, dlqUrl, host } = yield* queues
    const message = yield* Effect.promise(() => host.showDlqMessage(client, dlqUrl, id))
    if (message === undefined) {
      yield* setExitCode(ExitCode.notFound)
      return yield* Console.error(`No message ${id} in the DLQ`)
    }
    yield* json ? printJson(message) : Console.log(JSON.stringify(message, null, 2))
  })
).pipe(Command.withDescription("Show one DLQ message: body, event type, CRN, receive count"))

const progressBar = (done: number, total: number) => {
  const width = 30
  const filled = total === 0 ? width : Math.round((done / total) * width)
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`
}

const dlqRedrive = Command.make(
  "redrive",
  { all: Options.boolean("all"), ids: Args.text({ name: "messageId" }).pipe(Args.repeated), json },
  ({ all, ids, json }) =>
    Effect.gen(function* () {
      if (!all && ids.length === 0) {
        yield* setExitCode(ExitCode.badInput)
        return yield* Console.error("Give message ids, or --all")
      }
      const { client, queueUrl, dlqUrl, host } = yield* queues
      const result = yield* Effect.promise(() =>
        host.redrive(client, { dlqUrl, queueUrl }, all ? "all" : ids, (progress) => {
          if (!json) process.stderr.write(`\r${progressBar(progress.moved, progress.total)}`)
        })
      )
      if (!json) process.stderr.write("\n")
      if (json) return yield* printJson(result)
      yield* Console.log(JSON.stringify(result))
    })
).pipe(Command.withDescription("Move DLQ messages back to the queue (--all or ids), with a progress bar"))

const dlqPurge = Command.make(
  "purge",
  { yes: Options.boolean("yes").pipe(Options.withDescription("Do not ask for confirmation")) },
  ({ yes }) =>
    Effect.gen(function* () {
      const { client, dlqUrl, host } = yield* queues
      const confirmed = yes || (yield* Prompt.confirm({ message: `Delete every message in ${dlqUrl}?`, initial: false }))
      if (!confirmed) return yield* Console.log("Nothing deleted.")
      const result = yield* Effect.promise(() => host.purge(client, dlqUrl))
      yield* Console.log(`Purged ${result.purged} message(s).`)
    })
).pipe(Command.withDescription("Delete every DLQ message (asks for confirmation)"))

export const dlqCommand = Command.make("dlq").pipe(
  Command.withDescription("Dead-letter queue: list, show, redrive, purge"),
  Command.withSubcommands([dlqList, dlqShow, dlqRedrive, dlqPurge])
)

const eventsSend = Command.make(
  "send",
  { file: Args.file({ name: "file", exists: "yes" }).pipe(Args.withDescription("A fixtures/events file or any SQS body")) },
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

export const hostCommands = [serveCommand, tokenCommand, dlqCommand, eventsCommand] as const
