import type { SQSClient } from "@aws-sdk/client-sqs"
import { readFile } from "node:fs/promises"
import { sendEvent } from "./sqs.js"

/** Fixture `detailUrl`s carry `{wiremock.port}` or `{dev.wiremock.port}` where the R&M stub's port goes. */
export const fillPlaceholders = (text: string, stubPort: number): string =>
  text.replaceAll("{wiremock.port}", String(stubPort)).replaceAll("{dev.wiremock.port}", String(stubPort))

export interface SendFixtureEventOptions {
  /** A file of `fixtures/events/` (or any SQS body). */
  readonly file: string
  /** Port of the R&M stub the event's `detailUrl` should point at. */
  readonly stubPort: number
  readonly queueUrl: string
  readonly client: SQSClient
}

/** `ram-delius events send <fixture-file>`: fill the stub port in and send to the queue. */
export const sendFixtureEvent = async (options: SendFixtureEventOptions) =>
  sendEvent(options.client, options.queueUrl, fillPlaceholders(await readFile(options.file, "utf8"), options.stubPort))
