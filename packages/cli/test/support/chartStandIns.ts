import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/**
 * Minimal local stand-ins for the HMPPS charts the chart depends on (their repository is not reachable here), written
 * into a copy of the chart's charts/ folder so that `helm template` can render. They read the same values keys as the
 * real charts (image, containerArgs, env, namespace_secrets, probes, resources, serviceAccountName, ingress,
 * retryDlqCronjob; the SQS alert names and thresholds, with the real chart's `default "100"` fallback) — enough to
 * render what this chart's values mean as Kubernetes objects; they are NOT the real templates (README, Deploying).
 */
const genericService = {
  "Chart.yaml": "apiVersion: v2\nname: generic-service\nversion: 3.17.0\n",
  "values.yaml":
    "replicaCount: 1\ncontainerArgs: []\nenv: {}\nnamespace_secrets: {}\nretryDlqCronjob:\n  enabled: false\n",
  "templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app: {{ .Values.nameOverride }}
  template:
    metadata:
      labels:
        app: {{ .Values.nameOverride }}
    spec:
      {{- with .Values.serviceAccountName }}
      serviceAccountName: {{ . }}
      {{- end }}
      containers:
        - name: {{ .Values.nameOverride }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          {{- with .Values.containerArgs }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ .Values.image.port }}
          livenessProbe:
            {{- toYaml .Values.livenessProbe | nindent 12 }}
          readinessProbe:
            {{- toYaml .Values.readinessProbe | nindent 12 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          env:
            {{- range $secret, $envs := .Values.namespace_secrets }}
            {{- range $key, $val := $envs }}
            - name: {{ $key }}
              valueFrom:
                secretKeyRef:
                  name: {{ $secret }}
                  key: {{ $val }}
            {{- end }}
            {{- end }}
            {{- range $key, $val := .Values.env }}
            - name: {{ $key }}
              value: "{{ $val }}"
            {{- end }}
`,
  "templates/ingress.yaml": `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ .Release.Name }}
  annotations:
    {{- toYaml .Values.ingress.annotations | nindent 4 }}
spec:
  tls:
    - hosts: [{{ .Values.ingress.host | quote }}]
      secretName: {{ .Values.ingress.tlsSecretName }}
  rules:
    - host: {{ .Values.ingress.host | quote }}
      http:
        paths:
          - path: /
            pathType: ImplementationSpecific
            backend:
              service:
                name: {{ .Release.Name }}
                port:
                  name: http
`,
  "templates/retry-dlq-cronjob.yaml": `{{- if .Values.retryDlqCronjob.enabled }}
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ .Release.Name }}-retry-dlqs
spec:
  schedule: "{{ .Values.retryDlqCronjob.retryDlqSchedule }}"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: housekeeping
              image: ghcr.io/ministryofjustice/hmpps-devops-tools
              args: ["/bin/sh", "-c", "curl -XPUT http://{{ .Release.Name }}/queue-admin/retry-all-dlqs"]
{{- end }}
`
}

const prometheusAlerts = {
  "Chart.yaml": "apiVersion: v2\nname: generic-prometheus-alerts\nversion: 1.17.0\n",
  "values.yaml": "alertSeverity: default\n",
  "templates/aws-sqs-alerts.yaml": `{{- $oldest := .Values.sqsOldestAlertQueueNames }}
{{- $number := .Values.sqsNumberAlertQueueNames }}
{{- $oldestThreshold := default "30" .Values.sqsAlertsOldestThreshold }}
{{- $numberThreshold := default "100" .Values.sqsAlertsTotalMessagesThreshold }}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ .Values.targetApplication }}-sqs
spec:
  groups:
    - name: {{ .Values.targetApplication }}-sqs
      rules:
        - alert: SQS-oldest-message
          expr: sum(aws_sqs_approximate_age_of_oldest_message_maximum{queue_name=~"{{ join "|" $oldest }}"}) by (queue_name) > {{ $oldestThreshold }} * 60
          labels:
            severity: {{ .Values.alertSeverity }}
        - alert: SQS-number-of-messages
          expr: sum(aws_sqs_approximate_number_of_messages_visible_maximum{queue_name=~"{{ join "|" $number }}"}) by (queue_name) > {{ $numberThreshold }}
          labels:
            severity: {{ .Values.alertSeverity }}
`
}

export const writeStandIns = (chartDir: string) => {
  for (const [name, files] of [
    ["generic-service", genericService],
    ["generic-prometheus-alerts", prometheusAlerts]
  ] as const) {
    for (const [path, text] of Object.entries(files)) {
      const file = join(chartDir, "charts", name, path)
      mkdirSync(join(file, ".."), { recursive: true })
      writeFileSync(file, text)
    }
  }
}
