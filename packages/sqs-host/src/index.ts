/**
 * @ram-delius/sqs-host — the SQS transport for core's domain-event handling (spec §5): a consumer with long polling,
 * bounded concurrency, visibility heartbeat and back-off, graceful drain; DLQ tools for the CLI. The dev stack
 * (in-process SQS emulator and a Refer and Monitor stub) is `@ram-delius/sqs-host/dev`: the emulator is a development
 * dependency, loaded only when the dev stack is wanted.
 */
export * from "./config.js"
export * from "./sqs.js"
export * from "./poller.js"
export * from "./fixtureEvents.js"
export * from "./dlq.js"
export type { AimedRedriveResult, RedriveSelection } from "./aimedRedrive.js"
export * from "./queueAdmin.js"
export * from "./host.js"
export * from "./healthServer.js"
