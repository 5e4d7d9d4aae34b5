import { settings } from "@ram-delius/core"
import { DEFAULT_PORT } from "@ram-delius/http-koa"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { settingsReadBySource } from "./sourceSettings.js"
import { chartVariables, ENVIRONMENTS, readYaml, ROOT, serviceValues, valuesFor } from "./chartValues.js"

/**
 * The Helm chart (helm_deploy/) against the app's one list of settings (packages/core/src/settings.ts) and the
 * source: every variable the chart sets is one the app reads, secrets come from secrets, what production needs is
 * given in every environment, and the container starts the way the image and the server expect.
 */
const byName = new Map(settings.map((setting) => [setting.name, setting]))

describe("the settings manifest", () => {
  it("names each variable once", () => {
    expect(new Set(settings.map((setting) => setting.name)).size).toBe(settings.length)
  })

  it("lists every environment variable the source code reads", () => {
    const read = settingsReadBySource(join(ROOT, "packages"))
    const manifestFile = join(ROOT, "packages", "core", "src", "settings.ts")
    const readOutsideManifest = [...read].filter(([, files]) => files.some((file) => file !== manifestFile))
    // The scan itself must see the reads it is there to catch (a regression in it would pass everything).
    expect(readOutsideManifest.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        ...["DATABASE_URL", "HMPPS_AUTH_URL", "QUEUE_ERROR_VISIBILITY_TIMEOUTS", "QUEUE_DEV_STACK", "LOG_LEVEL"],
        ...["CONTRACT_TYPE_NSI_TYPES", "MESSAGING_CONSUMER_DETAIL_URLS", "PORT"]
      ])
    )
    const missing = readOutsideManifest.filter(([name]) => !byName.has(name)).map(([name, files]) => `${name} ${files}`)
    expect(missing).toEqual([])
  })

  it("lists no variable the source does not read (NODE_OPTIONS is Node's own)", () => {
    const read = settingsReadBySource(join(ROOT, "packages"))
    const manifestFile = join(ROOT, "packages", "core", "src", "settings.ts")
    const readByCode = new Set([...read].filter(([, files]) => files.some((f) => f !== manifestFile)).map(([n]) => n))
    const unread = settings.map((setting) => setting.name).filter((n) => n !== "NODE_OPTIONS" && !readByCode.has(n))
    expect(unread).toEqual([])
  })
})

describe.each(ENVIRONMENTS)("values-%s.yaml", (environment) => {
  const service = serviceValues(environment)
  const { plain, secret } = chartVariables(environment)

  it("sets only variables the app reads, secrets only from Kubernetes secrets", () => {
    expect([...plain, ...secret].filter((name) => !byName.has(name))).toEqual([])
    expect(secret.filter((name) => byName.get(name)?.secret !== true)).toEqual([])
    expect(plain.filter((name) => byName.get(name)?.secret === true)).toEqual([])
    expect(plain.filter((name) => secret.includes(name))).toEqual([])
  })

  it("supplies every setting production requires", () => {
    const given = new Set([...plain, ...secret])
    const required = settings.filter((setting) => setting.requiredInProduction).map((setting) => setting.name)
    expect(required.filter((name) => !given.has(name))).toEqual([])
    expect(service.env.NODE_ENV).toBe("production")
    expect(service.env.ENVIRONMENT_NAME).toBe(environment)
  })

  it("runs serve --http --queue on the server's port, probed where the server answers", () => {
    expect(service.containerArgs).toEqual(["serve", "--http", "--queue"])
    expect(service.image.port).toBe(DEFAULT_PORT)
    expect(readFileSync(join(ROOT, "Dockerfile"), "utf8")).toContain(`EXPOSE ${DEFAULT_PORT}`)
    // Served without a token or a database round trip that could restart healthy pods (health.ts).
    expect(service.livenessProbe.httpGet).toEqual({ path: "/health/liveness", port: "http" })
    expect(service.readinessProbe.httpGet).toEqual({ path: "/health/readiness", port: "http" })
  })

  it("blocks /queue-admin at the ingress and retries the DLQ every 10 minutes in-cluster", () => {
    const snippet = service.ingress.annotations["nginx.ingress.kubernetes.io/server-snippet"]
    expect(snippet).toMatch(/location \/queue-admin \{\s*deny all;\s*return 401;\s*\}/)
    expect(service.retryDlqCronjob).toEqual({ enabled: true, retryDlqSchedule: "*/10 * * * *" })
    expect(service.ingress.host).toMatch(
      /^refer-and-monitor-and-delius(-dev|-preprod)?\.hmpps\.service\.justice\.gov\.uk$/
    )
    expect(service.allowlist?.groups.length).toBeGreaterThan(0)
  })

  it("keeps Node's heap within the memory limit, and alerts on the queue and on any DLQ message", () => {
    const limitMiB = Number(/^(\d+)Mi$/.exec(service.resources.limits.memory)?.[1])
    const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(service.env.NODE_OPTIONS ?? "")?.[1])
    const semiSpace = Number(/--max-semi-space-size=(\d+)/.exec(service.env.NODE_OPTIONS ?? "")?.[1])
    // The old generation, the young one (three semi-spaces) and ~100 MB of code, stacks and buffers fit the limit.
    expect(oldSpace + 3 * semiSpace + 100).toBeLessThanOrEqual(limitMiB)
    const alerts = valuesFor(environment)["generic-prometheus-alerts"] as Record<string, unknown>
    // A numeric 0 would be read as unset by generic-prometheus-alerts (`default "100"`): it must be the string "0".
    expect(alerts.sqsAlertsTotalMessagesThreshold).toBe("0")
    expect(alerts.sqsOldestAlertQueueNames).toEqual([
      `probation-integration-${environment}-refer-and-monitor-and-delius-queue`
    ])
    expect(alerts.sqsNumberAlertQueueNames).toEqual([
      `probation-integration-${environment}-refer-and-monitor-and-delius-dlq`
    ])
    expect(alerts.alertSeverity).toBe(environment === "prod" ? "hmpps_alerts_prod" : "hmpps_alerts_nonprod")
  })
})

describe("Chart.yaml", () => {
  it("depends on generic-service and generic-prometheus-alerts at the HMPPS template's versions", () => {
    const chart = readYaml(join(ROOT, "helm_deploy", "refer-and-monitor-and-delius", "Chart.yaml"))
    expect(chart.dependencies).toEqual([
      { name: "generic-service", version: "3.17", repository: "https://ministryofjustice.github.io/hmpps-helm-charts" },
      {
        name: "generic-prometheus-alerts",
        version: "1.17",
        repository: "https://ministryofjustice.github.io/hmpps-helm-charts"
      }
    ])
  })
})
