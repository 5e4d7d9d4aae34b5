import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs"
import { afterEach, describe, expect, it } from "vitest"
import { sendFixtureEvent } from "../src/devStack.js"
import { listDlq, purge, redrive, showDlqMessage } from "../src/dlq.js"
import { fixtureFile, startHarness, type Harness } from "./support/harness.js"

/** The CLI's DLQ tools and fixture sender over the emulator. */
let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const toDlq = async (harness: Harness, body: string, eventType?: string) =>
  (
    await harness.client.send(
      new SendMessageCommand({
        QueueUrl: harness.dlqUrl,
        MessageBody: body,
        ...(eventType === undefined
          ? {}
          : { MessageAttributes: { eventType: { DataType: "String", StringValue: eventType } } })
      })
    )
  ).MessageId!

describe("sendFixtureEvent", () => {
  it("fills the stub port into detailUrl and sends with the eventType message attribute", async () => {
    h = await startHarness()
    const sent = await sendFixtureEvent({
      file: fixtureFile("action-plan-approved"),
      stubPort: h.stub.port,
      queueUrl: h.queueUrl,
      client: h.client
    })
    expect(sent.eventType).toBe("intervention.action-plan.approved")

    const received = await h.client.send(
      new ReceiveMessageCommand({ QueueUrl: h.queueUrl, MessageAttributeNames: ["All"], WaitTimeSeconds: 1 })
    )
    const message = received.Messages?.[0]
    expect(message?.MessageId).toBe(sent.messageId)
    expect(message?.MessageAttributes?.eventType).toMatchObject({
      DataType: "String",
      StringValue: "intervention.action-plan.approved"
    })
    expect(message?.Body).toContain(`http://localhost:${h.stub.port}/action-plan/`)
    expect(message?.Body).not.toContain("wiremock.port")
  })
})

describe("DLQ tools", () => {
  it("list and show without removing; redrive chosen ids, then all; purge", async () => {
    h = await startHarness()
    const a = await toDlq(h, '{"a":1}', "intervention.referral.ended")
    const b = await toDlq(h, '{"b":2}', "intervention.action-plan.approved")
    const c = await toDlq(h, "not json")

    const listed = await listDlq(h.client, h.dlqUrl)
    expect(listed.map((m) => m.messageId).sort()).toEqual([a, b, c].sort())
    expect(listed.find((m) => m.messageId === a)).toMatchObject({
      eventType: "intervention.referral.ended",
      body: '{"a":1}'
    })
    expect(h.queue("dlq")).toMatchObject({ ready: 3, inflight: 0 })

    expect(await showDlqMessage(h.client, h.dlqUrl, b)).toMatchObject({ messageId: b, body: '{"b":2}' })
    expect(await showDlqMessage(h.client, h.dlqUrl, "missing")).toBeUndefined()

    const one = await redrive(h.client, { dlqUrl: h.dlqUrl, queueUrl: h.queueUrl }, [a, "missing"])
    expect(one).toEqual({ moved: [a], movedMessages: [{ messageId: a, body: '{"a":1}' }], notFound: ["missing"] })
    expect(h.queue("dlq").ready).toBe(2)
    expect(h.queue().bodies).toEqual(['{"a":1}'])

    const progress: Array<number> = []
    const rest = await redrive(h.client, { dlqUrl: h.dlqUrl, queueUrl: h.queueUrl }, "all", (p) =>
      progress.push(p.moved)
    )
    expect([...rest.moved].sort()).toEqual([b, c].sort())
    expect(progress).toEqual([1, 2])
    expect(h.queue("dlq").total).toBe(0)
    expect(h.queue().total).toBe(3)
    // The eventType attribute travels with a redriven message (the subscription filter and dispatch use it).
    const moved = await h.client.send(
      new ReceiveMessageCommand({ QueueUrl: h.queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] })
    )
    expect(moved.Messages?.find((m) => m.Body === '{"b":2}')?.MessageAttributes?.eventType?.StringValue).toBe(
      "intervention.action-plan.approved"
    )

    expect(await purge(h.client, h.queueUrl)).toEqual({ purged: expect.any(Number) })
    expect(h.queue().total).toBe(0)
  })
})
