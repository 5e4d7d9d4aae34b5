import { eventHandlers } from "@ram-delius/core"
import { MAX_RECEIVE_COUNT } from "@ram-delius/sqs-host/config"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { ENVIRONMENTS, HELM_DEPLOY, serviceValues } from "./chartValues.js"

/**
 * The snippet for cloud-platform-environments (helm_deploy/cloud-platform/) against the service: incoming messages
 * are filtered on `eventType` by the queue's subscription, so its filter policy must list exactly the event types
 * core handles — a handler nobody subscribed to would never run, a subscription without a handler would fill the
 * telemetry with UnhandledEventReceived. And the names the chart reads must be the ones the snippet creates.
 */
const sqs = readFileSync(join(HELM_DEPLOY, "cloud-platform", "sqs.tf"), "utf8")
const irsa = readFileSync(join(HELM_DEPLOY, "cloud-platform", "irsa.tf"), "utf8")

const filteredEventTypes = () => {
  const policy = /filter_policy\s*=\s*jsonencode\(\{\s*eventType\s*=\s*\[([^\]]*)\]\s*\}\)/.exec(sqs)
  if (policy === null) throw new Error("no filter_policy on eventType in sqs.tf")
  return [...policy[1]!.matchAll(/"([^"]+)"/g)].map(([, type]) => type!)
}

describe("the cloud-platform-environments snippet", () => {
  it("subscribes to exactly the event types core has handlers for", () => {
    expect(filteredEventTypes().sort()).toEqual(Object.keys(eventHandlers).sort())
  })

  it("moves a message to the DLQ after the consumer's number of receives", () => {
    expect(sqs).toMatch(
      new RegExp(
        `deadLetterTargetArn = module\\.refer_and_monitor_and_delius_dlq\\.sqs_arn\\s+maxReceiveCount\\s+= ${MAX_RECEIVE_COUNT}\\b`
      )
    )
  })

  it.each(ENVIRONMENTS)("creates the secret and the service account the %s values use", (environment) => {
    const service = serviceValues(environment)
    expect(irsa).toContain(`service_account_name = "${service.serviceAccountName}"`)
    const queueSecret = Object.entries(service.namespace_secrets).find(([, keys]) => "MESSAGING_CONSUMER_QUEUE" in keys)
    expect(queueSecret).toBeDefined()
    const [secretName, keys] = queueSecret!
    expect(sqs).toContain(`name      = "${secretName}"`)
    expect(sqs).toMatch(
      new RegExp(`\\b${keys.MESSAGING_CONSUMER_QUEUE} = module\\.refer_and_monitor_and_delius_queue\\.sqs_name`)
    )
  })
})
