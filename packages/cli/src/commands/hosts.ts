import type { Command } from "@effect/cli"

/** Commands that need the HTTP and queue hosts: serve, token, dlq, events send (wired in below). */
export const hostCommands: ReadonlyArray<Command.Command<string, never, unknown, unknown>> = []
