/**
 * `describeOnDialects`: one suite per dialect under test, named "<name> on sqlite", "<name> on postgres". It takes the
 * test runner's `describe` as an argument so that core does not depend on vitest (any runner with `describe.each`).
 */
import { dialectsUnderTest, type TestDialect } from "./databases.js"

export interface DescribeEach {
  readonly each: <T>(cases: ReadonlyArray<T>) => (name: string, body: (kind: T) => void) => void
}

export const describeOnDialects = (describe: DescribeEach, name: string, body: (kind: TestDialect) => void): void =>
  describe.each(dialectsUnderTest)(`${name} on %s`, body)
