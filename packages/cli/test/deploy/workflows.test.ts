import { settings } from "@ram-delius/core"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { ENVIRONMENTS, ROOT, serviceValues } from "./chartValues.js"

/**
 * The incident workflows flip the switches the app reads, on the deployment the chart creates, in the environments
 * the chart has; and the pipeline lints the chart, runs the image test and deploys in order.
 */
const workflow = (name: string) =>
  parse(readFileSync(join(ROOT, ".github", "workflows", name), "utf8")) as {
    readonly on: {
      readonly workflow_dispatch?: { readonly inputs: Record<string, { readonly options?: Array<string> }> }
    }
    readonly jobs: Record<
      string,
      { readonly env?: Record<string, string>; readonly steps?: Array<{ run?: string }>; needs?: Array<string> }
    >
  }
const names = new Set(settings.map((setting) => setting.name))

describe.each([
  ["readonly.yml", "READ_ONLY"],
  ["stop-consumers.yml", "MESSAGING_CONSUMER_ENABLED"]
])("%s", (file, variable) => {
  const parsed = workflow(file)
  const [job] = Object.values(parsed.jobs)

  it(`sets ${variable} on the chart's deployment, in an environment chosen from the chart's`, () => {
    expect(names.has(variable)).toBe(true)
    expect(parsed.on.workflow_dispatch?.inputs.environment?.options).toEqual([...ENVIRONMENTS])
    expect(job!.env?.DEPLOYMENT).toBe(serviceValues("prod").nameOverride)
    expect(job!.steps!.map((step) => step.run ?? "").join("\n")).toContain(variable)
  })
})

describe("readonly.yml", () => {
  it("switches DATABASE_URL between the keys of the secret the chart reads it from", () => {
    const secrets = serviceValues("prod").namespace_secrets
    const database = Object.values(secrets).find((keys) => "DATABASE_URL" in keys)
    expect(database?.DATABASE_URL).toBe("DB_URL")
    const text = readFileSync(join(ROOT, ".github", "workflows", "readonly.yml"), "utf8")
    expect(text).toContain("'DB_STANDBY_URL' || 'DB_URL'")
  })
})

describe("pipeline.yml", () => {
  it("tests, lints the chart and runs the image test before building, then deploys dev, preprod, prod in turn", () => {
    const { jobs } = workflow("pipeline.yml")
    const runs = Object.values(jobs).flatMap((job) => (job.steps ?? []).map((step) => step.run ?? ""))
    expect(runs).toEqual(
      expect.arrayContaining(["npm run lint", "npm test", "sudo --preserve-env=PATH npm run test:image"])
    )
    expect(jobs.build!.needs).toEqual(["node_test", "image_test"])
    expect(jobs.deploy_dev!.needs).toEqual(["build", "helm_lint"])
    expect(jobs.deploy_preprod!.needs).toEqual(["build", "deploy_dev"])
    expect(jobs.deploy_prod!.needs).toEqual(["build", "deploy_preprod"])
  })
})
