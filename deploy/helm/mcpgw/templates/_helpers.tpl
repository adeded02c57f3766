{{/*
The chart's name, and the release's full name (at most 63 characters: it
names Services and is a label value).
*/}}
{{- define "mcpgw.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mcpgw.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A name derived from the full name with a suffix, still at most 63
characters (a Job's name becomes its pods' job-name label).
*/}}
{{- define "mcpgw.suffixed" -}}
{{- $root := index . 0 }}
{{- $suffix := index . 1 }}
{{- printf "%s-%s" (include "mcpgw.fullname" $root | trunc (int (sub 62 (len $suffix))) | trimSuffix "-") $suffix }}
{{- end }}

{{- define "mcpgw.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "mcpgw.labels" -}}
helm.sh/chart: {{ include "mcpgw.chart" . }}
app.kubernetes.io/name: {{ include "mcpgw.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mcp-gateway-registry
{{- end }}

{{/*
Labels selecting the gateway's pods (Deployment, Service, PDB, spread
constraints). The component label keeps the migration Job's and the test's
pods out of the Service.
*/}}
{{- define "mcpgw.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mcpgw.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{/*
Labels of a pod: the common labels, component (as the second argument),
then podLabels, which may not change the ones the chart selects by.
*/}}
{{- define "mcpgw.podLabels" -}}
{{- $root := index . 0 }}
{{- $l := include "mcpgw.labels" $root | fromYaml }}
{{- $_ := set $l "app.kubernetes.io/component" (index . 1) }}
{{- toYaml (merge $l (deepCopy $root.Values.podLabels)) }}
{{- end }}

{{- define "mcpgw.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mcpgw.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mcpgw.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
A config value as text. Helm reads numbers in values files as floats, which
would print 1048576 as 1.048576e+06.
*/}}
{{- define "mcpgw.scalar" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) }}
{{- int64 . }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{/* The Secret holding the keys: the chart's, or existingSecret. */}}
{{- define "mcpgw.secretName" -}}
{{- default (include "mcpgw.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/*
The non-secret settings, as YAML (NAME: "value"): config plus what the
chart decides. Fails on settings the chart owns and on secrets.
*/}}
{{- define "mcpgw.config" -}}
{{- $owned := dict "LISTEN_ADDR" "containerPort" "METRICS_ADDR" "metrics.enabled and metrics.port" "SHUTDOWN_DRAIN_DELAY" "shutdown.drainDelaySeconds" "SHUTDOWN_TIMEOUT" "shutdown.timeoutSeconds" "MIGRATE_ON_START" "migrations.mode" }}
{{- $secret := dict "SECRET_KEY" "secrets.secretKey" "ENCRYPTION_KEY" "secrets.encryptionKey" "ENCRYPTION_KEYS_PREVIOUS" "secrets.encryptionKeysPrevious" "ADMIN_PASSWORD" "secrets.adminPassword" "DATABASE_URL" "secrets.databaseUrl" "REDIS_URL" "secrets.redisUrl" }}
{{- $seedVars := include "mcpgw.seedVars" . | fromYaml }}
{{- $cfg := dict }}
{{- range $k, $v := .Values.config }}
{{- if hasKey $owned $k }}
{{- fail (printf "config.%s is set by the chart: use %s instead" $k (get $owned $k)) }}
{{- end }}
{{- if hasKey $secret $k }}
{{- fail (printf "config.%s is a secret: set %s (or secrets.existingSecret) instead" $k (get $secret $k)) }}
{{- end }}
{{- if or (hasSuffix "_CLIENT_SECRET" $k) (has $k (list "OTEL_EXPORTER_OTLP_HEADERS")) }}
{{- fail (printf "config.%s is a secret: set it under secrets.extra (or in extraEnv with valueFrom) instead" $k) }}
{{- end }}
{{- if hasKey $seedVars $k }}
{{- fail (printf "config.%s is a secret (%s names it): set it under secrets.extra (or in extraEnv with valueFrom) instead" $k (get $seedVars $k)) }}
{{- end }}
{{- if and (eq $k "SEED_SERVERS_FILE") $.Values.seedServers }}
{{- fail "config.SEED_SERVERS_FILE is set by the chart when seedServers is not empty: use one or the other" }}
{{- end }}
{{- if not (kindIs "invalid" $v) }}
{{- $_ := set $cfg $k (include "mcpgw.scalar" $v) }}
{{- end }}
{{- end }}
{{- $_ := set $cfg "LISTEN_ADDR" (printf ":%d" (int .Values.containerPort)) }}
{{- if .Values.metrics.enabled }}
{{- $_ := set $cfg "METRICS_ADDR" (printf ":%d" (int (include "mcpgw.metricsPort" .))) }}
{{- end }}
{{- $_ := set $cfg "SHUTDOWN_DRAIN_DELAY" (printf "%ds" (int .Values.shutdown.drainDelaySeconds)) }}
{{- $_ := set $cfg "SHUTDOWN_TIMEOUT" (printf "%ds" (int .Values.shutdown.timeoutSeconds)) }}
{{- $_ := set $cfg "MIGRATE_ON_START" (ternary "true" "false" (eq .Values.migrations.mode "serve")) }}
{{- if and (not (get $cfg "PUBLIC_URL")) .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := (first .Values.ingress.hosts).host }}
{{- $https := false }}
{{- range .Values.ingress.tls }}
{{- if has $host .hosts }}{{ $https = true }}{{ end }}
{{- end }}
{{- $_ := set $cfg "PUBLIC_URL" (printf "%s://%s" (ternary "https" "http" $https) $host) }}
{{- end }}
{{- toYaml $cfg }}
{{- end }}

{{/*
The container port serving /metrics: metrics.port when metrics.enabled
(METRICS_ADDR), else containerPort. Fails on values that do not fit.
*/}}
{{- define "mcpgw.metricsPort" -}}
{{- $m := .Values.metrics }}
{{- range .Values.extraEnv }}
{{- if eq .name "METRICS_ADDR" }}
{{- fail "extraEnv sets METRICS_ADDR, which the chart sets: use metrics.enabled and metrics.port" }}
{{- end }}
{{- end }}
{{- if $m.enabled }}
{{- if eq (int $m.port) (int .Values.containerPort) }}
{{- fail (printf "metrics.port (%d) must differ from containerPort: the metrics listener needs a port of its own" (int $m.port)) }}
{{- end }}
{{- int $m.port }}
{{- else }}
{{- if $m.service }}
{{- fail "metrics.service needs metrics.enabled: without it /metrics is on the Service's http port already" }}
{{- end }}
{{- int .Values.containerPort }}
{{- end }}
{{- end }}

{{/*
The gateway pods' annotations beyond the checksums: podAnnotations, and
with metrics.podAnnotations Prometheus' scrape annotations. A
prometheus.io/port given in podAnnotations must name the port serving
/metrics, or Prometheus would scrape a 404.
*/}}
{{- define "mcpgw.podAnnotations" -}}
{{- $port := include "mcpgw.metricsPort" . }}
{{- $a := deepCopy .Values.podAnnotations }}
{{- with get $a "prometheus.io/port" }}
{{- if ne (include "mcpgw.scalar" .) $port }}
{{- fail (printf "podAnnotations prometheus.io/port is %s, but /metrics is served on port %s%s: set metrics.podAnnotations: true instead" (include "mcpgw.scalar" .) $port (ternary " (metrics.port; containerPort answers it 404)" "" $.Values.metrics.enabled)) }}
{{- end }}
{{- end }}
{{- if .Values.metrics.podAnnotations }}
{{- $a = merge $a (dict "prometheus.io/scrape" "true" "prometheus.io/port" $port "prometheus.io/path" "/metrics") }}
{{- end }}
{{- toYaml $a }}
{{- end }}

{{/*
SECRET_KEY, checked: required unless existingSecret holds it.
*/}}
{{- define "mcpgw.secretKey" -}}
{{- $key := required "secrets.secretKey is required: at least 32 random bytes, e.g. --set secrets.secretKey=$(openssl rand -base64 48), or name a Secret holding SECRET_KEY in secrets.existingSecret" .Values.secrets.secretKey }}
{{- if lt (len $key) 32 }}
{{- fail (printf "secrets.secretKey must be at least 32 bytes, it has %d: use e.g. $(openssl rand -base64 48)" (len $key)) }}
{{- end }}
{{- $key }}
{{- end }}

{{/*
The chart's Secret data, NAME: value: only the keys that are set, so a pod
never reads an empty secret.
*/}}
{{- define "mcpgw.secretData" -}}
{{- $s := .Values.secrets }}
{{- $data := dict "SECRET_KEY" (include "mcpgw.secretKey" .) }}
{{- range $name, $value := dict "ENCRYPTION_KEY" $s.encryptionKey "ENCRYPTION_KEYS_PREVIOUS" $s.encryptionKeysPrevious "ADMIN_PASSWORD" $s.adminPassword "DATABASE_URL" $s.databaseUrl "REDIS_URL" $s.redisUrl }}
{{- if $value }}{{ $_ := set $data $name $value }}{{ end }}
{{- end }}
{{- range $name, $value := $s.extra }}
{{- if hasKey $data $name }}
{{- fail (printf "secrets.extra.%s: set it with its own value under secrets" $name) }}
{{- end }}
{{- $_ := set $data $name (toString $value) }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/*
The environment variables read from the Secret. From the chart's Secret
(or the migration Job's copy of it, named by the second argument): exactly
its keys. From existingSecret: SECRET_KEY is required, the rest optional.
*/}}
{{- define "mcpgw.secretEnv" -}}
{{- $root := index . 0 }}
{{- $secretName := index . 1 }}
{{- with $root }}
{{- if .Values.secrets.existingSecret }}
{{- $secretName = .Values.secrets.existingSecret }}
{{- $keys := .Values.secrets.existingSecretKeys }}
{{- $vars := dict "SECRET_KEY" $keys.secretKey "ENCRYPTION_KEY" $keys.encryptionKey "ENCRYPTION_KEYS_PREVIOUS" $keys.encryptionKeysPrevious "ADMIN_PASSWORD" $keys.adminPassword "DATABASE_URL" $keys.databaseUrl "REDIS_URL" $keys.redisUrl }}
{{- range $name := keys $vars | sortAlpha }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ get $vars $name }}
      {{- if ne $name "SECRET_KEY" }}
      optional: true
      {{- end }}
{{- end }}
{{- else }}
{{- range $name, $_ := include "mcpgw.secretData" . | fromYaml }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $name }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The gateway container's environment: ConfigMap, Secret, extras. */}}
{{- define "mcpgw.envFrom" -}}
- configMapRef:
    name: {{ include "mcpgw.fullname" . }}
{{- with .Values.extraEnvFrom }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "mcpgw.env" -}}
{{- include "mcpgw.secretEnv" (list . (include "mcpgw.secretName" .)) | trim }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Seed servers (seedServers): the file SEED_SERVERS_FILE names, mounted from
its own ConfigMap (the settings ConfigMap is read with envFrom, where a key
like servers.yml has no place). Only the gateway container mounts it:
`mcpgw migrate` does not read it.
*/}}
{{- define "mcpgw.seedConfigMapName" -}}
{{- include "mcpgw.suffixed" (list . "seed") }}
{{- end }}

{{- define "mcpgw.seedDir" -}}
/etc/mcpgw/seed
{{- end }}

{{- define "mcpgw.seedPath" -}}
{{- include "mcpgw.seedDir" . }}/servers.yml
{{- end }}

{{/*
The environment variables seedServers name for secrets, as YAML: NAME: the
field naming it (seedServers[0].egress.token_env).
*/}}
{{- define "mcpgw.seedVars" -}}
{{- $vars := dict }}
{{- range $i, $s := .Values.seedServers }}
{{- with $s.egress }}
{{- with .token_env }}
{{- $_ := set $vars . (printf "seedServers[%d].egress.token_env" $i) }}
{{- end }}
{{- range $j, $h := .headers }}
{{- with $h.value_env }}
{{- $_ := set $vars . (printf "seedServers[%d].egress.headers[%d].value_env" $i $j) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $vars }}
{{- end }}

{{/*
The seed file, checked for what values.schema.json cannot see: a path or
display name two entries answer to, a secret variable that is one of the
gateway's own keys (it would be sent to the upstream), SEED_SERVERS_FILE
given twice. The gateway checks every entry again at start, as
POST /api/servers would.
*/}}
{{- define "mcpgw.seedFile" -}}
{{- $own := list "SECRET_KEY" "ENCRYPTION_KEY" "ENCRYPTION_KEYS_PREVIOUS" "ADMIN_PASSWORD" "DATABASE_URL" "REDIS_URL" }}
{{- range $name, $field := include "mcpgw.seedVars" . | fromYaml }}
{{- if has $name $own }}
{{- fail (printf "%s names %s, the gateway's own secret: it would be sent to the upstream. Name a variable of its own and set it under secrets.extra" $field $name) }}
{{- end }}
{{- end }}
{{- /* Paths and display names answer to each other, case-blind (as in the catalog). */}}
{{- $names := dict }}
{{- range $i, $s := .Values.seedServers }}
{{- $mine := dict }}
{{- range $field := list "path" "display_name" }}
{{- $n := get $s $field | toString | trim | lower }}
{{- if and (hasKey $names $n) (not (hasKey $mine $n)) }}
{{- fail (printf "seedServers[%d].%s %q is already seedServers%s: each server needs its own path and display name" $i $field (get $s $field) (get $names $n)) }}
{{- end }}
{{- $_ := set $mine $n true }}
{{- if not (hasKey $names $n) }}
{{- $_ := set $names $n (printf "[%d].%s" $i $field) }}
{{- end }}
{{- end }}
{{- end }}
{{- range .Values.extraEnv }}
{{- if eq .name "SEED_SERVERS_FILE" }}
{{- fail "extraEnv sets SEED_SERVERS_FILE, which the chart sets when seedServers is not empty: use one or the other" }}
{{- end }}
{{- end -}}
# Rendered by the mcpgw Helm chart from its seedServers value. Each entry is
# registered once per database; secrets only by environment variable name.
{{ toYaml (dict "servers" .Values.seedServers) }}
{{- end }}

{{/*
The seedServers variables the gateway container gets from nowhere the
chart can see (the chart's Secret, extraEnv), as a YAML list of
"NAME (field)"; empty when extraEnvFrom may hold them.
*/}}
{{- define "mcpgw.seedVarsMissing" -}}
{{- $missing := list }}
{{- if not .Values.extraEnvFrom }}
{{- $have := dict }}
{{- if not .Values.secrets.existingSecret }}
{{- $have = include "mcpgw.secretData" . | fromYaml }}
{{- end }}
{{- range .Values.extraEnv }}
{{- $_ := set $have .name true }}
{{- end }}
{{- range $name, $field := include "mcpgw.seedVars" . | fromYaml }}
{{- if not (hasKey $have $name) }}
{{- $missing = append $missing (printf "%s (%s)" $name $field) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $missing }}
{{- end }}

{{/* Pod security context and container security context. */}}
{{- define "mcpgw.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{- define "mcpgw.containerSecurityContext" -}}
{{- toYaml .Values.securityContext }}
{{- end }}

{{/* The grace period: longer than the drain delay plus the shutdown timeout. */}}
{{- define "mcpgw.terminationGracePeriodSeconds" -}}
{{- $needed := add (int .Values.shutdown.drainDelaySeconds) (int .Values.shutdown.timeoutSeconds) }}
{{- $grace := int (default (add $needed 10) .Values.terminationGracePeriodSeconds) }}
{{- if le $grace (int $needed) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed shutdown.drainDelaySeconds + shutdown.timeoutSeconds (%d), or the kubelet kills pods mid-drain" $grace $needed) }}
{{- end }}
{{- $grace }}
{{- end }}
