/**
 * `describeOnDialects`: one suite per dialect under test, named "<name> on sqlite", "<name> on postgres". It takes the
 * test runner's `describe` as an argument so that core does not depend on vitest (any runner with `describe.each`).
 * `describeOnDialectsAndSpans` runs each of those twice, with spans off and on (`TestCoreOptions.tracing`): production
 * makes spans when it exports them, and the statement path differs then (delius/statement.ts).
 */
import { dialectsUnderTest, type TestDialect } from "./databases.js"

export interface DescribeEach {
  readonly each: <T>(cases: ReadonlyArray<T>) => (name: string, body: (kind: T) => void) => void
}

export const describeOnDialects = (describe: DescribeEach, name: string, body: (kind: TestDialect) => void): void =>
  describe.each(dialectsUnderTest)(`${name} on %s`, body)

/** Spans off (the default: nothing exports them) and on (as production runs with Application Insights). */
export const spanSettingsUnderTest = [false, true] as const

export const describeOnDialectsAndSpans = (
  describe: DescribeEach,
  name: string,
  body: (kind: TestDialect, tracing: boolean) => void
): void => {
  for (const kind of dialectsUnderTest)
    for (const tracing of spanSettingsUnderTest)
      describe.each([tracing])(`${name} on ${kind}, spans ${tracing ? "on" : "off"}`, (on) => body(kind, on))
}
