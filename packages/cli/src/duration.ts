import { Duration } from "effect"

/** `7d`, `12h`, `30m`, `45s`: how support writes a window (the sweep's `--since`, redrive's `--older-than`). */
export const parseWindow = (text: string): Duration.Duration | undefined => {
  const match = /^(\d+)\s*(d|h|m|s)$/.exec(text.trim())
  if (match === null) return undefined
  const unit = { d: "days", h: "hours", m: "minutes", s: "seconds" }[match[2] as "d" | "h" | "m" | "s"]
  return Duration.decode(`${Number(match[1])} ${unit}` as Duration.DurationInput)
}
