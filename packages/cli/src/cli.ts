import { Command } from "@effect/cli"
import { dbCommand } from "./commands/db.js"
import { eventCommand } from "./commands/event.js"
import { appointmentCommand, referralCommand } from "./commands/show.js"
import { doctorCommand, reconcileCommand } from "./commands/reconcile.js"
import { dlqCommand, eventsCommand, serveCommand, tokenCommand } from "./commands/hosts.js"

/** `ram-delius`: the admin CLI for support engineers . Same configuration variables as the hosts. */
export const ramDelius = Command.make("ram-delius").pipe(
  Command.withDescription("Refer and Monitor and Delius — administration for support engineers"),
  Command.withSubcommands([
    serveCommand,
    dbCommand,
    referralCommand,
    reconcileCommand,
    appointmentCommand,
    eventCommand,
    eventsCommand,
    dlqCommand,
    tokenCommand,
    doctorCommand
  ])
)

export const run = Command.run(ramDelius, { name: "ram-delius", version: "0.1.0" })
