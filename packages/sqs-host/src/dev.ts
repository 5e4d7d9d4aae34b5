/**
 * `@ram-delius/sqs-host/dev` — the dev stack: the in-process SQS emulator (fauxqs, a development dependency of this
 * package, so a deployment never installs it) and the local Refer and Monitor stub.
 */
export * from "./devStack.js"
export * from "./referAndMonitorStub.js"
