import { Args, Command, Options } from "@effect/cli"
import { lazy } from "../output.js"

/**
 * `event process <file> [--dry-run]`: run one SQS message body (SNS envelope or bare domain event) through the same
 * handler as the queue host — e.g. a message copied from the DLQ. With --dry-run everything runs inside one
 * transaction that is rolled back, and the rows it would have written are printed.
 */
const eventProcess = Command.make(
  "process",
  {
    file: Args.file({ name: "file", exists: "yes" }).pipe(
      Args.withDescription("A JSON file holding one message body: an SNS envelope or a bare R&M domain event")
    ),
    dryRun: Options.boolean("dry-run").pipe(
      Options.withDescription("Roll back and print the rows that would be written")
    ),
    json: Options.boolean("json").pipe(Options.withDescription("Print JSON instead of text"))
  },
  (args) =>
    lazy(
      () => import("../run/event.js"),
      (m) => m.eventProcess(args)
    )
).pipe(Command.withDescription("Process one event message through the handler (optionally as a dry run)"))

export const eventCommand = Command.make("event").pipe(
  Command.withDescription("Replay domain events"),
  Command.withSubcommands([eventProcess])
)
