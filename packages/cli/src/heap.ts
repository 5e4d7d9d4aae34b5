/**
 * V8 flags for the whole process, set before the rest of the binary loads (bin.ts imports this first).
 *
 * Allocation-site pretenuring off: V8 would otherwise start allocating objects made at "long-lived" sites straight in
 * the old generation. Under load it picks sites of per-request objects, and those old objects, dead a moment later,
 * keep the young objects they point at alive through every scavenge until the next mark-compact — so whole requests
 * were promoted. Appointment creates run in-process with a 64 MB old space promoted 4.4–13.8 KB per create from run
 * to run with it on, 2.2 KB with it off; through HTTP with the chart's heap flags the host's CPU per create fell by
 * about a tenth (README, Performance). `NODE_OPTIONS` does not accept the flag, hence here.
 */
import { setFlagsFromString } from "node:v8"

setFlagsFromString("--no-allocation-site-pretenuring")
