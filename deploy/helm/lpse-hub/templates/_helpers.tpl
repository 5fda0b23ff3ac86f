{{/*
Expand the name of the chart.
*/}}
{{- define "lpse-hub.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name (63 characters at most: a DNS label).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "lpse-hub.fullname" -}}
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
Create chart name and version as used by the chart label.
*/}}
{{- define "lpse-hub.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels (of every resource; without the component, which tells the server from the migrations)
*/}}
{{- define "lpse-hub.labels" -}}
helm.sh/chart: {{ include "lpse-hub.chart" . }}
app.kubernetes.io/name: {{ include "lpse-hub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels: the server pods only, never the migration Job's (it must not receive traffic)
*/}}
{{- define "lpse-hub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lpse-hub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "lpse-hub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lpse-hub.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image of the hub: the chart's appVersion unless image.tag says otherwise.
*/}}
{{- define "lpse-hub.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
The CloudNativePG Cluster's name; the operator names its application Secret "<name>-app".
*/}}
{{- define "lpse-hub.cnpgClusterName" -}}
{{- printf "%s-db" (include "lpse-hub.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Which PostgreSQL the hub runs on, for the pods' lpse-hub/postgresql annotation.
*/}}
{{- define "lpse-hub.postgresqlKind" -}}
{{- if .Values.postgresql.cloudnativepg.enabled }}cloudnativepg
{{- else if .Values.postgresql.citus.enabled }}citus
{{- else }}external
{{- end }}
{{- end }}

{{/*
The OpenID issuer: config.issuer, else the first ingress host (https with TLS).
*/}}
{{- define "lpse-hub.issuer" -}}
{{- if .Values.config.issuer }}
{{- .Values.config.issuer }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- printf "%s://%s" (ternary "https" "http" (gt (len .Values.ingress.tls) 0)) (first .Values.ingress.hosts) }}
{{- end }}
{{- end }}

{{/*
The environment of every hub container (the server and the migration Job): secrets only through
secretKeyRef of existing Secrets, the other settings as plain values (config.<camelCase> becomes
LPSE_HUB_<SNAKE_CASE>).
*/}}
{{- define "lpse-hub.env" -}}
- name: LPSE_HUB_DATABASE_URL
  valueFrom:
    secretKeyRef:
      {{- if .Values.postgresql.cloudnativepg.servingRole.existingSecret | and .Values.postgresql.cloudnativepg.enabled }}
      name: {{ .Values.postgresql.cloudnativepg.servingRole.existingSecret }}
      key: uri
      {{- else if .Values.postgresql.cloudnativepg.enabled }}
      name: {{ include "lpse-hub.cnpgClusterName" . }}-app
      key: uri
      {{- else }}
      name: {{ .Values.postgresql.external.existingSecret }}
      key: {{ .Values.postgresql.external.secretKey }}
      {{- end }}
- name: LPSE_HUB_MASTER_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.masterKey.existingSecret }}
      key: {{ .Values.masterKey.secretKey }}
{{- with .Values.upstreamClientSecret.existingSecret }}
- name: LPSE_HUB_UPSTREAM_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.upstreamClientSecret.secretKey }}
{{- end }}
- name: LPSE_HUB_DATA_DIR
  value: /var/lib/lpse-hub
{{- with include "lpse-hub.issuer" . }}
- name: LPSE_HUB_ISSUER
  value: {{ . | quote }}
{{- end }}
{{- range $name, $value := omit .Values.config "issuer" }}
{{- if not (kindIs "invalid" $value) }}
{{- if ne (toString $value) "" }}
- name: LPSE_HUB_{{ $name | snakecase | upper }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The owner's URL, for the migration Job only (it changes schemas and grants the serving role what
serving needs); the pods never get it. None when one role does everything: with
postgresql.external.ownerSecretKey empty, or CloudNativePG without a servingRole.existingSecret.
*/}}
{{- define "lpse-hub.ownerEnv" -}}
{{- $external := .Values.postgresql.external }}
{{- $cnpg := .Values.postgresql.cloudnativepg }}
{{- if and $cnpg.enabled $cnpg.servingRole.existingSecret }}
- name: LPSE_HUB_OWNER_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "lpse-hub.cnpgClusterName" . }}-app
      key: uri
{{- else if and (not $cnpg.enabled) $external.ownerSecretKey }}
- name: LPSE_HUB_OWNER_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $external.ownerExistingSecret | default $external.existingSecret }}
      key: {{ $external.ownerSecretKey }}
{{- end }}
{{- end }}

{{/*
Whether the pods serve as a restricted role (the migration Job then has the owner's URL).
*/}}
{{- define "lpse-hub.twoRoles" -}}
{{- if include "lpse-hub.ownerEnv" . }}true{{ end }}
{{- end }}

{{/*
The writable places of a hub container under a read-only root filesystem.
*/}}
{{- define "lpse-hub.volumeMounts" -}}
- name: data
  mountPath: /var/lib/lpse-hub
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "lpse-hub.volumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end }}
