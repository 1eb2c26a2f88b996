{{/* Names and labels. */}}
{{- define "lease.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lease.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "lease.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lease.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "lease.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "lease.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "lease.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "lease.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "lease.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
Settings that cannot work together are refused at render time, with what to change, rather than
left to fail in the cluster: replicas share one store and one workflow engine, so more than one
needs PostgreSQL, Temporal and one key Secret.
*/}}
{{- define "lease.validate" -}}
{{- if not (has .Values.engine (list "embedded" "temporal")) -}}
{{- fail (printf "engine: expected embedded or temporal, got %q" .Values.engine) -}}
{{- end -}}
{{- if not (has .Values.store.type (list "sqlite" "postgres")) -}}
{{- fail (printf "store.type: expected sqlite or postgres, got %q" .Values.store.type) -}}
{{- end -}}
{{- if gt (int .Values.replicaCount) 1 -}}
{{- if ne .Values.engine "temporal" -}}
{{- fail "replicaCount > 1 needs engine: temporal (the embedded engine runs in one server process per store)" -}}
{{- end -}}
{{- if ne .Values.store.type "postgres" -}}
{{- fail "replicaCount > 1 needs store.type: postgres (replicas share one store; SQLite is one file on one volume)" -}}
{{- end -}}
{{- if and .Values.persistence.enabled (not .Values.persistence.existingClaim) -}}
{{- fail "replicaCount > 1 needs persistence.enabled: false (the data directory then holds only the keys copied from keys.existingSecret)" -}}
{{- end -}}
{{- if not .Values.keys.existingSecret -}}
{{- fail "replicaCount > 1 needs keys.existingSecret (a Secret with session.jwk and payload.jwk shared by every replica; see docs/deployment.md)" -}}
{{- end -}}
{{- end -}}
{{- if and (eq .Values.engine "temporal") (not .Values.temporal.address) -}}
{{- fail "engine: temporal needs temporal.address (host:port of the Temporal frontend)" -}}
{{- end -}}
{{- if and (eq .Values.store.type "postgres") (not .Values.store.postgres.existingSecret) -}}
{{- fail "store.type: postgres needs store.postgres.existingSecret (a Secret holding the connection URL)" -}}
{{- end -}}
{{- if hasKey .Values.config.files "server.yaml" -}}
{{- fail "config.files: server.yaml is written by the chart from config.server, config.logging and config.services; name your file otherwise" -}}
{{- end -}}
{{- end -}}

{{/*
server.yaml: config.server, config.logging and config.services, plus what the chart's own
values decide (engine, store, Temporal). Secrets stay out of it: `${VAR}` is resolved by Lease
from the environment, which takes them from Secrets.
*/}}
{{- define "lease.serverFile" -}}
{{- $server := deepCopy (default (dict) .Values.config.server) -}}
{{- $_ := set $server "engine" .Values.engine -}}
{{- if eq .Values.store.type "postgres" -}}
{{- $_ := set $server "store" (dict "type" "postgres" "url" "${LEASE_STORE_URL}") -}}
{{- end -}}
{{- $services := deepCopy (default (dict) .Values.config.services) -}}
{{- if eq .Values.engine "temporal" -}}
{{- $_ := set $server "worker" .Values.temporal.worker -}}
{{- $temporal := dict "address" .Values.temporal.address "namespace" .Values.temporal.namespace -}}
{{- with .Values.temporal.tls.existingSecret -}}
{{- $tls := dict "cert_file" "/etc/lease-temporal-tls/tls.crt" "key_file" "/etc/lease-temporal-tls/tls.key" "ca_file" "/etc/lease-temporal-tls/ca.crt" -}}
{{- with $.Values.temporal.tls.serverName -}}{{- $_ := set $tls "server_name" . -}}{{- end -}}
{{- $_ := set $temporal "tls" $tls -}}
{{- end -}}
{{- if .Values.temporal.apiKey.existingSecret -}}
{{- $_ := set $temporal "api_key" "${LEASE_TEMPORAL_API_KEY}" -}}
{{- end -}}
{{- $_ := set $services "temporal" $temporal -}}
{{- end -}}
{{- $file := dict "version" "1.0" "server" $server -}}
{{- with .Values.config.logging -}}{{- $_ := set $file "logging" . -}}{{- end -}}
{{- if $services -}}{{- $_ := set $file "services" $services -}}{{- end -}}
{{- toYaml $file -}}
{{- end -}}
