import { cpSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CronJob } from "kubernetes-models/batch/v1"
import { Deployment } from "kubernetes-models/apps/v1"
import { Ingress } from "kubernetes-models/networking.k8s.io/v1"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { writeStandIns } from "../support/chartStandIns.js"
import { helm, helmBinary } from "../support/helm.js"
import { CHART, ENVIRONMENTS, HELM_DEPLOY, ROOT, serviceValues } from "./chartValues.js"

/**
 * `helm lint` on the chart as committed (its dependencies cannot be fetched here, which lint reports as a warning),
 * then `helm template` of a copy with local stand-ins for generic-service and generic-prometheus-alerts
 * (support/chartStandIns.ts), each rendered object checked against the Kubernetes schemas of kubernetes-models.
 * What the real HMPPS templates make of the values is not checked here (README, Deploying).
 */
let binary: string
let work: string
beforeAll(async () => {
  binary = await helmBinary(ROOT)
  work = mkdtempSync(join(tmpdir(), "ram-delius-chart-"))
  cpSync(CHART, join(work, "chart"), { recursive: true })
  writeStandIns(join(work, "chart"))
}, 300_000)
afterAll(() => rmSync(work, { recursive: true, force: true }))

interface Rendered {
  readonly kind: string
  readonly metadata: { readonly name: string }
  readonly [key: string]: unknown
}
const render = async (environment: string) => {
  const result = await helm(binary, [
    "template",
    "refer-and-monitor-and-delius",
    join(work, "chart"),
    "--namespace",
    `refer-and-monitor-and-delius-${environment}`,
    "--values",
    join(HELM_DEPLOY, `values-${environment}.yaml`)
  ])
  expect(result.stderr).toBe("")
  expect(result.code).toBe(0)
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as Rendered | null)
    .filter((object): object is Rendered => object !== null)
}

describe.each(ENVIRONMENTS)("the chart with values-%s.yaml", (environment) => {
  it("passes helm lint (the HMPPS dependencies absent)", async () => {
    const result = await helm(binary, ["lint", CHART, "--values", join(HELM_DEPLOY, `values-${environment}.yaml`)])
    expect(result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed")
    expect(result.stdout).toContain("missing these dependencies: generic-service,generic-prometheus-alerts")
    expect(result.code).toBe(0)
  })

  it("renders valid Kubernetes objects: the deployment, the ingress and both cronjobs", async () => {
    const objects = await render(environment)
    const byKind = (kind: string) => objects.filter((object) => object.kind === kind)
    for (const object of byKind("Deployment")) new Deployment(object as never).validate()
    for (const object of byKind("Ingress")) new Ingress(object as never).validate()
    for (const object of byKind("CronJob")) new CronJob(object as never).validate()

    const [deployment] = byKind("Deployment") as unknown as ReadonlyArray<Deployment>
    const container = deployment!.spec!.template.spec!.containers[0]!
    expect(container.args).toEqual(["serve", "--http", "--queue"])
    expect(deployment!.spec!.template.spec!.serviceAccountName).toBe("refer-and-monitor-and-delius")
    const env = new Map((container.env ?? []).map((variable) => [variable.name, variable]))
    expect(env.get("ENVIRONMENT_NAME")?.value).toBe(environment)
    expect(env.get("DATABASE_PASSWORD")?.valueFrom?.secretKeyRef).toEqual({
      name: "refer-and-monitor-and-delius-database",
      key: "DB_PASSWORD"
    })

    const cronJobs = byKind("CronJob") as unknown as ReadonlyArray<CronJob>
    const schedules = cronJobs.map((job) => [job.metadata!.name, job.spec!.schedule])
    expect(schedules).toEqual(
      expect.arrayContaining([
        ["refer-and-monitor-and-delius-retry-dlqs", "*/10 * * * *"],
        ["refer-and-monitor-and-delius-reconcile", "0 6 * * 1"]
      ])
    )
    const reconcile = cronJobs.find((job) => job.metadata!.name!.endsWith("-reconcile"))!
    const job = reconcile.spec!.jobTemplate.spec!.template.spec!
    expect(job.containers[0]!.args).toEqual(["reconcile", "--since", "7d"])
    expect(job.containers[0]!.image).toBe(container.image)
    // The same settings as the service: the reconciliation reads the same Delius and R&M.
    expect(new Set(job.containers[0]!.env!.map((variable) => variable.name))).toEqual(new Set(env.keys()))
  })

  it("renders the SQS alerts with a threshold of 0 on the DLQ", async () => {
    const rule = (await render(environment)).find((object) => object.kind === "PrometheusRule")!
    const text = JSON.stringify(rule)
    expect(text).toContain(`refer-and-monitor-and-delius-dlq\\"}) by (queue_name) > 0"`)
    expect(text).toContain(`refer-and-monitor-and-delius-queue\\"}) by (queue_name) > 30 * 60`)
    expect(serviceValues(environment).ingress.host).toContain("refer-and-monitor-and-delius")
  })
})
