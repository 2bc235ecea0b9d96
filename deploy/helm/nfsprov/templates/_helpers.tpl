{{- define "nfsprov.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "nfsprov.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "nfsprov.labels" -}}
app.kubernetes.io/name: {{ include "nfsprov.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "nfsprov.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nfsprov.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "nfsprov.provisionerName" -}}
{{- default (printf "cluster.local/%s" (include "nfsprov.fullname" .)) .Values.storageClass.provisionerName -}}
{{- end -}}

{{- define "nfsprov.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "nfsprov.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- /* The StorageClass's parameters: one definition, rendered and compared with the class in the cluster. */}}
{{- define "nfsprov.storageClassParameters" -}}
archiveOnDelete: {{ .Values.storageClass.archiveOnDelete | quote }}
{{- with .Values.storageClass.pathPattern }}
pathPattern: {{ . | quote }}
{{- end }}
{{- with .Values.storageClass.onDelete }}
onDelete: {{ . | quote }}
{{- end }}
{{- end -}}
