/**
 * `ram-delius dlq …`: the service's dead-letter queue for support engineers. Every command runs the queue host's
 * `SqsQueueAdmin` — the implementation the HTTP host's `/queue-admin` endpoints (hmpps-sqs's) serve too — so the CLI
 * and the platform's retry cronjob move, count and purge messages the same way.
 */

import { Args, Command, Options, Prompt } from "@effect/cli"
import { type QueueAdmin, type QueueAdminError, type QueueAdminUnavailable, readEnvelope } from "@ram-delius/core"
import type { DlqMessage, SqsQueueAdmin } from "@ram-delius/sqs-host"
import { type ConfigError, Console, Duration, Effect, Either, Option } from "effect"
import { parseWindow } from "../duration.js"
import { ExitCode, printJson, setExitCode, table } from "../output.js"
import { describeRefused } from "../queue.js"

// The queue host (the AWS SDK) is loaded only by the commands that use it, so that database commands start quickly.
const queueHost = () => import("@ram-delius/sqs-host")

/** The queue admin of the service's queue (dev: the emulator the running `serve` started). */
const serviceQueueAdmin: Effect.Effect<SqsQueueAdmin, ConfigError.ConfigError> = Effect.gen(function* () {
  const host = yield* Effect.promise(queueHost)
  const config = yield* host.sqsHostConfig
  return host.makeSqsQueueAdmin({ client: host.makeServiceSqsClient(config), queue: config.queue })
})

/**
 * The service's queue admin, built (and the AWS SDK loaded) on its first use: the HTTP-only host serves /queue-admin
 * without loading SQS at start-up (its start-up time and memory stay an HTTP host's). Its configuration was read when
 * the host started, so building it cannot fail here.
 */
export const lazyServiceQueueAdmin = (): QueueAdmin => {
  let built: Promise<SqsQueueAdmin> | undefined
  const use = <A>(run: (admin: QueueAdmin) => Effect.Effect<A, QueueAdminError>) =>
    Effect.flatMap(
      Effect.promise(() => (built ??= Effect.runPromise(serviceQueueAdmin))),
      run
    )
  return {
    retryDlq: (dlqName) => use((admin) => admin.retryDlq(dlqName)),
    retryAllDlqs: use((admin) => admin.retryAllDlqs),
    purgeQueue: (queueName) => use((admin) => admin.purgeQueue(queueName)),
    getDlqMessages: (dlqName, maxMessages) => use((admin) => admin.getDlqMessages(dlqName, maxMessages))
  }
}

/**
 * SQS not reachable: one sentence on stderr and exit 1. A refused loopback connection is the local queue not running
 * (`serve` not started): the same sentence as every other command gets (queue.ts), saying how to start it.
 */
const unreachable = (error: QueueAdminUnavailable) => {
  const refused = /ECONNREFUSED (\S+):(\d+)/.exec(error.detail)
  return Effect.zipRight(
    setExitCode(ExitCode.failure),
    Console.error(
      refused !== null
        ? describeRefused({ address: refused[1] ?? "", port: Number(refused[2]) })
        : `The queue could not be reached (${error.operation}: ${error.detail}).`
    )
  )
}

const withAdmin = <A, R>(run: (admin: SqsQueueAdmin) => Effect.Effect<A, QueueAdminUnavailable, R>) =>
  Effect.flatMap(serviceQueueAdmin, run).pipe(Effect.catchTag("QueueAdminUnavailable", unreachable))

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON instead of text"))

/** `2026-12-01 23:15:10Z`: readable, and still unambiguous. */
const readableTime = (iso: string | undefined) => (iso === undefined ? "" : `${iso.slice(0, 19).replace("T", " ")}Z`)

/** The columns support picks a message by; ids are never cut (other commands take them). */
const listRow = (m: Omit<DlqMessage, "body" | "messageAttributes">) => ({
  "MESSAGE ID": m.messageId,
  "EVENT TYPE": m.eventType ?? "(unknown)",
  CRN: m.crn ?? "",
  "REFERRAL ID": m.referralId ?? "",
  RECEIVES: m.receiveCount,
  "FIRST RECEIVED": readableTime(m.sentAt)
})

const dlqList = Command.make(
  "list",
  {
    json,
    max: Options.integer("max").pipe(Options.withDefault(100), Options.withDescription("At most this many messages"))
  },
  ({ json, max }) =>
    withAdmin((admin) =>
      Effect.gen(function* () {
        const messages = yield* admin.listDlq(max)
        if (json) return yield* printJson(messages.map(({ messageAttributes: _, ...m }) => m))
        // Two whole UUIDs, a CRN and an event type rarely fit 120 columns: then each message is a `key: value` block,
        // so no id is ever cut (support engineers copy them into the next command).
        yield* Console.log(table(messages.map(listRow), { keep: ["MESSAGE ID", "CRN", "REFERRAL ID"] }))
      })
    )
).pipe(
  Command.withDescription("List the DLQ's messages: id, event type, CRN, referral id, receive count, first received")
)

const dlqShow = Command.make(
  "show",
  {
    id: Args.text({ name: "messageId" }).pipe(Args.withDescription("The SQS message id (from `dlq list`)")),
    json,
    body: Options.boolean("body").pipe(Options.withDescription("Print only the message body (e.g. `> body.json`)"))
  },
  ({ id, json, body }) =>
    withAdmin((admin) =>
      Effect.gen(function* () {
        const message = yield* admin.showDlqMessage(id)
        if (message === undefined) {
          yield* setExitCode(ExitCode.notFound)
          return yield* Console.error(`No message ${id} in the DLQ`)
        }
        // Exactly the body, nothing added: `dlq show <id> --body > body.json` gives the file `event process` takes.
        if (body) return yield* Effect.sync(() => void process.stdout.write(message.body))
        if (json) return yield* printJson(message)
        yield* Console.log(
          [
            `Message id:      ${message.messageId}`,
            `Event type:      ${message.eventType ?? "(unknown)"}`,
            `CRN:             ${message.crn ?? "(none)"}`,
            `Referral id:     ${message.referralId ?? "(none)"}`,
            `Receive count:   ${message.receiveCount}`,
            `First received:  ${readableTime(message.sentAt)}`,
            "Body:",
            prettyBody(message.body)
          ].join("\n")
        )
      })
    )
).pipe(Command.withDescription("Show one DLQ message: event type, CRN, referral id, receive count and body"))

/** The SNS envelope's inner event pretty-printed, so its fields can be read (the raw body: `--body`). */
const prettyBody = (body: string): string => {
  const envelope = readEnvelope(body)
  if (Either.isRight(envelope) && envelope.right.inner !== envelope.right.outer) {
    return JSON.stringify({ ...envelope.right.outer, Message: envelope.right.inner }, null, 2)
  }
  // A bare event, or not JSON inside: show the body as it is, indented when it is JSON.
  try {
    return JSON.stringify(JSON.parse(body), null, 2)
  } catch {
    return body
  }
}

const progressBar = (done: number, total: number) => {
  const width = 30
  const filled = total === 0 ? width : Math.round((done / total) * width)
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`
}

const optionalText = (name: string, description: string) =>
  Options.text(name).pipe(Options.optional, Options.withDescription(description))

const redriveOptions = {
  all: Options.boolean("all").pipe(Options.withDescription("Every message on the DLQ")),
  ids: Args.text({ name: "messageId" }).pipe(Args.withDescription("SQS message ids (from `dlq list`)"), Args.repeated),
  eventType: optionalText("event-type", "Only messages of this event type, e.g. intervention.referral.ended"),
  crn: optionalText("crn", "Only messages about this person (the event's CRN)"),
  olderThan: optionalText("older-than", "Only messages first sent longer ago than this, e.g. 2h, 1d"),
  limit: Options.integer("limit").pipe(Options.optional, Options.withDescription("Move at most this many messages")),
  rate: Options.float("rate").pipe(Options.optional, Options.withDescription("Move at most this many a second")),
  dryRun: Options.boolean("dry-run").pipe(Options.withDescription("List what would move; move nothing")),
  json
}

type RedriveArgs = {
  readonly [K in keyof typeof redriveOptions]: (typeof redriveOptions)[K] extends Options.Options<infer A>
    ? A
    : (typeof redriveOptions)[K] extends Args.Args<infer A>
      ? A
      : never
}

const badInput = (message: string) => Effect.zipRight(setExitCode(ExitCode.badInput), Console.error(message))

/** By ids or --all, as the queue-admin endpoints move them. */
const redriveByIds = ({ all, ids, json }: RedriveArgs) =>
  withAdmin((admin) =>
    Effect.gen(function* () {
      const result = yield* admin.redrive(all ? "all" : ids, (progress) => {
        if (!json) process.stderr.write(`\r${progressBar(progress.moved, progress.total)}`)
      })
      if (!json) process.stderr.write("\n")
      const { movedMessages: _, ...summary } = result
      yield* json ? printJson(summary) : Console.log(JSON.stringify(summary))
      // Documented exit codes: an id that is not on the DLQ is "not found" (2), even when others were moved.
      if (result.notFound.length > 0) {
        yield* setExitCode(ExitCode.notFound)
        yield* Console.error(`Not on the DLQ: ${result.notFound.join(", ")}`)
      }
    })
  )

/** Aimed by filters: the selected messages only, at a bounded rate, or a dry run that moves nothing. */
const redriveSelected = (args: RedriveArgs) =>
  Effect.gen(function* () {
    const olderThan = Option.map(args.olderThan, (text) => [text, parseWindow(text)] as const)
    if (Option.isSome(olderThan) && olderThan.value[1] === undefined) {
      return yield* badInput(`--older-than ${olderThan.value[0]} is not a duration such as 2h or 1d`)
    }
    if (Option.exists(args.limit, (n) => n < 1)) return yield* badInput("--limit must be at least 1")
    if (Option.exists(args.rate, (n) => !(n > 0))) return yield* badInput("--rate must be a positive number a second")
    const window = Option.flatMap(olderThan, ([, d]) => Option.fromNullable(d))
    const selection = {
      eventType: Option.getOrUndefined(args.eventType),
      crn: Option.getOrUndefined(args.crn),
      sentBeforeMillis: Option.getOrUndefined(Option.map(window, (d) => Date.now() - Duration.toMillis(d))),
      limit: Option.getOrUndefined(args.limit),
      ratePerSecond: Option.getOrUndefined(args.rate)
    }
    yield* withAdmin((admin) =>
      Effect.gen(function* () {
        const result = yield* admin.aimedRedrive(selection, {
          dryRun: args.dryRun,
          onProgress: (moved, total) => {
            if (!args.json) process.stderr.write(`\r${progressBar(moved, total)}`)
          }
        })
        if (args.json) return yield* printJson(result)
        if (!args.dryRun && result.selected.length > 0) process.stderr.write("\n")
        if (args.dryRun && result.selected.length > 0) {
          yield* Console.log(table(result.selected.map(listRow), { keep: ["MESSAGE ID", "CRN", "REFERRAL ID"] }))
        }
        yield* Console.log(
          args.dryRun
            ? `DRY RUN — nothing moved: ${result.selected.length} of ${result.examined} DLQ message(s) would move.`
            : `Moved ${result.selected.length} of ${result.examined} DLQ message(s) to the queue; the others are untouched.`
        )
      })
    )
  })

const dlqRedrive = Command.make("redrive", redriveOptions, (args) => {
  const aimed =
    Option.isSome(args.eventType) ||
    Option.isSome(args.crn) ||
    Option.isSome(args.olderThan) ||
    Option.isSome(args.limit) ||
    Option.isSome(args.rate) ||
    args.dryRun
  if (aimed && args.ids.length > 0) return badInput("Give message ids or filters (--event-type, --crn, …), not both")
  if (aimed) return redriveSelected(args)
  if (!args.all && args.ids.length === 0)
    return badInput("Give message ids, --all, or filters (--event-type, --crn, --older-than, --limit)")
  return redriveByIds(args)
}).pipe(
  Command.withDescription(
    "Move DLQ messages back to the queue: ids, --all, or aimed (--event-type, --crn, --older-than, --limit, --rate; --dry-run lists only)"
  )
)

const dlqPurge = Command.make(
  "purge",
  { yes: Options.boolean("yes").pipe(Options.withDescription("Do not ask for confirmation")) },
  ({ yes }) =>
    Effect.gen(function* () {
      // Without a terminal there is no one to answer the prompt: refuse at once instead of waiting forever.
      if (!yes && process.stdin.isTTY !== true) {
        yield* setExitCode(ExitCode.badInput)
        return yield* Console.error("dlq purge asks for confirmation and stdin is not a terminal: add --yes to purge")
      }
      yield* withAdmin((admin) =>
        Effect.gen(function* () {
          const { dlqName } = yield* admin.queues
          const confirmed =
            yes ||
            (yield* Prompt.confirm({ message: `Delete every message in ${dlqName}?`, initial: false }).pipe(
              Effect.orElseSucceed(() => false)
            ))
          if (!confirmed) return yield* Console.log("Nothing deleted.")
          const result = yield* admin.purgeQueue(dlqName).pipe(
            Effect.catchTag("QueueNotFound", (e) => Effect.die(e)) // its own DLQ's name: cannot be unknown
          )
          yield* Console.log(`Purged ${result.messagesFoundCount} message(s).`)
        })
      )
    })
).pipe(Command.withDescription("Delete every DLQ message (asks for confirmation; --yes without a terminal)"))

export const dlqCommand = Command.make("dlq").pipe(
  Command.withDescription("Dead-letter queue: list, show, redrive, purge"),
  Command.withSubcommands([dlqList, dlqShow, dlqRedrive, dlqPurge])
)
