/**
 * The dev stack: an in-process SQS emulator (fauxqs) holding the queue and its DLQ with the production redrive
 * policy (maxReceiveCount 3, §5.1), and the local Refer and Monitor API stub — everything on loopback, with dummy
 * credentials. `main` starts it when no SQS endpoint is configured; tests start one per test on free ports.
 */

import type { SQSClient } from "@aws-sdk/client-sqs"
import { startFauxqs, type FauxqsServer } from "fauxqs"
import { DEV_STACK_DEFAULTS, MAX_RECEIVE_COUNT } from "./config.js"
import { startReferAndMonitorStub, type ReferAndMonitorStub } from "./referAndMonitorStub.js"
import { makeSqsClient, type SqsConnection } from "./sqs.js"

export interface DevStackOptions {
  /** 0 = any free port (tests). Default `DEV_STACK_DEFAULTS.sqsPort`. */
  readonly sqsPort?: number
  /** 0 = any free port (tests). Default `DEV_STACK_DEFAULTS.referAndMonitorPort`. */
  readonly referAndMonitorPort?: number
  readonly region?: string
  readonly queueName?: string
  readonly dlqName?: string
  readonly maxReceiveCount?: number
  /** Default visibility timeout of the queue, seconds. */
  readonly visibilityTimeoutSeconds?: number
  readonly fixturesDir?: string
}

export interface DevStack {
  readonly sqs: FauxqsServer
  /** The endpoint and dummy credentials to reach the emulator with (`makeSqsClient(stack.connection)`). */
  readonly connection: SqsConnection & { readonly endpoint: string }
  readonly client: SQSClient
  readonly queueUrl: string
  readonly dlqUrl: string
  readonly referAndMonitor: ReferAndMonitorStub
  /** Adds another queue with its DLQ and the same redrive policy. */
  readonly createQueue: (name: string, dlqName: string) => { readonly queueUrl: string; readonly dlqUrl: string }
  readonly close: () => Promise<void>
}

export const startDevStack = async (options: DevStackOptions = {}): Promise<DevStack> => {
  const region = options.region ?? DEV_STACK_DEFAULTS.region
  const sqs = await startFauxqs({
    port: options.sqsPort ?? DEV_STACK_DEFAULTS.sqsPort,
    logger: false,
    defaultRegion: region
  })
  let referAndMonitor: ReferAndMonitorStub
  try {
    referAndMonitor = await startReferAndMonitorStub({
      port: options.referAndMonitorPort ?? DEV_STACK_DEFAULTS.referAndMonitorPort,
      ...(options.fixturesDir === undefined ? {} : { fixturesDir: options.fixturesDir })
    })
  } catch (error) {
    await sqs.stop()
    throw error
  }
  const createQueue = (name: string, dlqName: string) => {
    const dlq = sqs.createQueue(dlqName, { region })
    const queue = sqs.createQueue(name, {
      region,
      attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.queueArn,
          maxReceiveCount: String(options.maxReceiveCount ?? MAX_RECEIVE_COUNT)
        })
      }
    })
    return { queueUrl: queue.queueUrl, dlqUrl: dlq.queueUrl }
  }
  const { queueUrl, dlqUrl } = createQueue(
    options.queueName ?? DEV_STACK_DEFAULTS.queueName,
    options.dlqName ?? DEV_STACK_DEFAULTS.dlqName
  )
  // fauxqs answers on every interface it listens on; clients use loopback explicitly.
  const connection = { region, endpoint: `http://127.0.0.1:${sqs.port}`, credentials: DEV_STACK_DEFAULTS.credentials }
  const client = makeSqsClient(connection)
  return {
    sqs,
    connection,
    client,
    queueUrl,
    dlqUrl,
    referAndMonitor,
    createQueue,
    close: async () => {
      client.destroy()
      await referAndMonitor.close()
      await sqs.stop()
    }
  }
}

// Re-exported for the dev tooling that imports everything from here.
export { DEV_STACK_DEFAULTS } from "./config.js"
export { fillPlaceholders, sendFixtureEvent, type SendFixtureEventOptions } from "./fixtureEvents.js"
