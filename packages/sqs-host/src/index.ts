/**
 * @ram-delius/sqs-host — the SQS transport for core's domain-event handling (spec §5): a consumer with long polling,
 * bounded concurrency, visibility heartbeat and back-off, graceful drain; the dev stack (in-process SQS emulator and a
 * Refer and Monitor stub); DLQ tools for the CLI.
 */
export * from "./config.js"
export * from "./sqs.js"
export * from "./poller.js"
export * from "./referAndMonitorStub.js"
export * from "./devStack.js"
export * from "./dlq.js"
export * from "./queueAdmin.js"
export * from "./host.js"
export * from "./healthServer.js"
