/**
 * The queue host as `main` runs it: configuration from the environment, the dev stack when no SQS is configured,
 * core built from `DATABASE_URL` & co., the consumer, and a graceful drain on SIGTERM / SIGINT.
 */

import type { SQSClient } from "@aws-sdk/client-sqs"
import {
  devDetailUrlOrigins,
  handleShutdownSignals,
  loadShutdownTimeoutMs,
  loadOperationalInfo,
  Log,
  makeCoreLayer,
  ReferAndMonitorClient,
  Switches,
  type CoreOptions,
  type DetailUrlOrigins
} from "@ram-delius/core"
import { ConfigProvider, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import {
  buildInfo,
  DEV_CLIENT_CREDENTIALS,
  devStackWanted,
  missingDetailUrls,
  sqsHostConfig,
  type SqsHostConfig
} from "./config.js"
import type { DevStack } from "./devStack.js"
import { startDisabledConsumer } from "./disabledConsumer.js"
import { startConsumer, type HandlerServices, type RunningConsumer } from "./poller.js"
import { makeSqsQueueAdmin, type SqsQueueAdmin } from "./queueAdmin.js"
import { makeServiceSqsClient } from "./sqs.js"

export interface QueueHost {
  readonly config: SqsHostConfig
  readonly consumer: RunningConsumer
  /** Present when the in-process dev stack was started. */
  readonly devStack: DevStack | undefined
  readonly client: SQSClient
  /** The queue-admin operations on this host's queue and DLQ (for the HTTP host's `/queue-admin` endpoints). */
  readonly queueAdmin: SqsQueueAdmin
  /** Drain the consumer, then release core, the SQS client and the dev stack. Idempotent. */
  readonly stop: () => Promise<void>
}

export interface QueueHostOptions {
  /** Where configuration is read from; default the environment. */
  readonly configProvider?: ConfigProvider.ConfigProvider
  /** Overrides of core's own configuration (a test database, test telemetry, …). */
  readonly core?: CoreOptions<unknown, unknown, unknown, unknown>
  /** A core runtime shared with another host; `stop` leaves it running. */
  readonly runtime?: ManagedRuntime.ManagedRuntime<HandlerServices, unknown>
}

/**
 * Core's options for the dev stack's Refer and Monitor stub on `port` (§10, as the reference's dev profile): R&M
 * callbacks take their token from the stub's `/auth` with the dev client credentials. Detail URLs are accepted on
 * `detailUrlOrigins` (§5.3), by default as configured (`MESSAGING_CONSUMER_DETAIL_URLS`, else the stub's configured
 * port). Used by this host and by the CLI's `serve`, which builds core before the stub starts.
 */
export const devReferAndMonitor = (
  port: number,
  detailUrlOrigins?: DetailUrlOrigins
): Pick<CoreOptions, "referAndMonitor"> => ({
  referAndMonitor: ReferAndMonitorClient.layerWith({
    auth: {
      url: `http://127.0.0.1:${port}/auth`,
      clientId: DEV_CLIENT_CREDENTIALS.clientId,
      clientSecret: Redacted.make(DEV_CLIENT_CREDENTIALS.clientSecret)
    },
    detailUrlOrigins
  })
})

/**
 * The queue host's `/info` (healthServer.ts), shaped as the HTTP host's: build details, the Node serving, and the
 * operational block — read once, the configuration does not change under a running process.
 */
export const queueHostInfo = (): (() => unknown) => {
  const build = Effect.runSync(
    Effect.orElseSucceed(buildInfo, () => ({ buildNumber: "dev", gitRef: "unknown", gitBranch: "unknown" }))
  )
  const body = {
    git: { branch: build.gitBranch, ref: build.gitRef },
    build: {
      artifact: "refer-and-monitor-and-delius",
      version: build.buildNumber,
      name: "refer-and-monitor-and-delius"
    },
    runtime: { node: process.version },
    operational: loadOperationalInfo()
  }
  return () => body
}

/** One JSON log line outside any runtime (start-up and shutdown), in core's one log shape (Log.ts). */
export const logJson = (
  level: "Info" | "Warning" | "Error",
  message: string,
  annotations: Record<string, unknown> = {}
) => Log.logLine(level === "Info" ? "info" : level === "Warning" ? "warn" : "error", message, annotations)

export const startQueueHost = async (options: QueueHostOptions = {}): Promise<QueueHost> => {
  const read = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.runPromise(
      options.configProvider === undefined ? effect : Effect.withConfigProvider(effect, options.configProvider)
    )
  const config = await read(sqsHostConfig)
  // READ_ONLY or MESSAGING_CONSUMER_ENABLED=false: the host starts without ever receiving (disabledConsumer.ts).
  const consumerSwitch = await read(Switches.consumerSwitch)
  const missing = missingDetailUrls(config)
  if (missing !== undefined) throw new Error(missing)
  let devStack: DevStack | undefined
  if (devStackWanted(config)) {
    // Loaded only here, so a deployment never loads the emulator — nor installs it: fauxqs is a development dependency.
    const { startDevStack } = await import("./devStack.js").catch((cause: unknown) => {
      throw new Error(
        "The queue dev stack needs the SQS emulator fauxqs (a development dependency of @ram-delius/sqs-host): install " +
          "it, or point the host at a queue with AWS_ENDPOINT_URL_SQS / QUEUE_DEV_STACK=false",
        { cause }
      )
    })
    const named = !/^https?:\/\//i.test(config.queue)
    devStack = await startDevStack({
      region: config.region,
      sqsPort: config.devSqsPort,
      referAndMonitorPort: config.devReferAndMonitorPort,
      ...(named ? { queueName: config.queue } : {})
    })
    logJson("Info", "Dev stack started: SQS emulator and Refer and Monitor stub on loopback", {
      sqsEndpoint: devStack.connection.endpoint,
      queueUrl: devStack.queueUrl,
      dlqUrl: devStack.dlqUrl,
      referAndMonitorStub: devStack.referAndMonitor.url
    })
  }
  const client = devStack?.client ?? makeServiceSqsClient(config)

  // In the dev stack, R&M callbacks fetch their token from the stub, on whatever port it got.
  const stub = devStack?.referAndMonitor
  const devClient =
    stub !== undefined && !config.hmppsAuthConfigured
      ? devReferAndMonitor(stub.port, devDetailUrlOrigins(stub.port))
      : {}
  const core =
    options.runtime ??
    Layer.merge(makeCoreLayer({ ...devClient, ...options.core }) as Layer.Layer<HandlerServices, unknown>, Log.layer())

  let consumer: RunningConsumer
  try {
    const queue = devStack?.queueUrl ?? config.queue
    consumer = consumerSwitch.enabled
      ? await startConsumer({ client, queue, core, ...config.consumer })
      : await startDisabledConsumer({ client, queue, core, disabledBy: consumerSwitch.disabledBy })
  } catch (error) {
    await devStack?.close()
    throw error
  }
  let stopping: Promise<void> | undefined
  return {
    config,
    consumer,
    devStack,
    client,
    queueAdmin: makeSqsQueueAdmin({ client, queue: devStack?.queueUrl ?? config.queue }),
    stop: () =>
      (stopping ??= (async () => {
        await consumer.stop()
        if (devStack === undefined) client.destroy()
        else await devStack.close()
      })())
  }
}

/**
 * SIGTERM (Kubernetes) or SIGINT (Ctrl-C): stop receiving, finish what is in flight, then exit 0 — within
 * `SHUTDOWN_TIMEOUT_SECONDS`, past which the process exits 1 naming the messages still in flight (core's
 * `handleShutdownSignals`). A second signal exits at once (messages in flight are then simply
 * redelivered: nothing unfinished was acknowledged).
 */
export const onShutdownSignals = (
  stop: () => Promise<void>,
  exit: (code: number) => void = (code) => process.exit(code),
  options: { readonly inFlight?: () => string; readonly timeoutMs?: number } = {}
) =>
  handleShutdownSignals({
    drain: stop,
    inFlight: options.inFlight ?? (() => "unknown"),
    timeoutMs: options.timeoutMs ?? loadShutdownTimeoutMs(),
    log: (level, message) => logJson(level === "info" ? "Info" : level === "warn" ? "Warning" : "Error", message),
    exit,
    signals: process
  })
