import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

export const ROOT = fileURLToPath(new URL("../../../../", import.meta.url))
export const HELM_DEPLOY = join(ROOT, "helm_deploy")
export const CHART = join(HELM_DEPLOY, "refer-and-monitor-and-delius")
export const ENVIRONMENTS = ["dev", "preprod", "prod"] as const
export type Environment = (typeof ENVIRONMENTS)[number]

type Values = Record<string, unknown>
const isMap = (value: unknown): value is Values => typeof value === "object" && value !== null && !Array.isArray(value)

/** Helm's merge of values files: maps merge key by key, anything else (lists included) is replaced. */
const merge = (base: Values, override: Values): Values =>
  Object.fromEntries(
    [...new Set([...Object.keys(base), ...Object.keys(override)])].map((key) => {
      const [a, b] = [base[key], override[key]]
      return [key, isMap(a) && isMap(b) ? merge(a, b) : b === undefined ? a : b]
    })
  )

export const readYaml = (file: string): Values => parse(readFileSync(file, "utf8")) as Values

export interface ServiceValues {
  readonly nameOverride: string
  readonly env: Readonly<Record<string, string>>
  readonly namespace_secrets: Readonly<Record<string, Readonly<Record<string, string>>>>
  readonly containerArgs: ReadonlyArray<string>
  readonly image: { readonly port: number; readonly repository: string }
  readonly livenessProbe: { readonly httpGet: { readonly path: string; readonly port: string } }
  readonly readinessProbe: { readonly httpGet: { readonly path: string; readonly port: string } }
  readonly resources: { readonly limits: { readonly memory: string } }
  readonly serviceAccountName: string
  readonly ingress: { readonly host: string; readonly annotations: Readonly<Record<string, string>> }
  readonly allowlist?: { readonly groups: ReadonlyArray<string> }
  readonly retryDlqCronjob: { readonly enabled: boolean; readonly retryDlqSchedule: string }
}

/** The chart's values as Helm computes them for one environment (values.yaml, then values-<env>.yaml). */
export const valuesFor = (environment: Environment) =>
  merge(readYaml(join(CHART, "values.yaml")), readYaml(join(HELM_DEPLOY, `values-${environment}.yaml`)))

export const serviceValues = (environment: Environment) =>
  valuesFor(environment)["generic-service"] as unknown as ServiceValues

/** Every variable the chart gives the container: plain env and the secret-backed ones, by environment. */
export const chartVariables = (environment: Environment) => {
  const service = serviceValues(environment)
  return {
    plain: Object.keys(service.env),
    secret: Object.values(service.namespace_secrets).flatMap((keys) => Object.keys(keys))
  }
}
