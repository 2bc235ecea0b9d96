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

{{- /* The ConfigMap the leader records its shares' figures in: Names.statusName, from the provisioner name. */}}
{{- define "nfsprov.statusName" -}}
{{- printf "%s-status" (regexReplaceAll "[^a-z0-9.-]" (lower (include "nfsprov.provisionerName" .)) "-") -}}
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
{{- with .Values.storageClass.existingDirectory }}
existingDirectory: {{ . | quote }}
{{- end }}
{{- with .Values.storageClass.ownership }}
ownership: {{ . | quote }}
{{- end }}
{{- with .Values.storageClass.capacityPolicy }}
capacityPolicy: {{ . | quote }}
{{- end }}
{{- with .Values.storageClass.overcommit }}
overcommit: {{ . | quote }}
{{- end }}
{{- range $key := list "directoryAnnotations" "directoryIdRange" "nestedValues" "share" "archiveRetention" "archiveMaxBytes" "snapshotRetention" }}
{{- with (get $.Values.storageClass $key) }}
{{ $key }}: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- /* Values that would deploy something other than what the file asks for fail here, each with what to do. */}}
{{- define "nfsprov.checkValues" -}}
{{- if not .Values.nfs.server }}
{{- fail "nfs.server is required: --set nfs.server=<NFS server address>" }}
{{- end }}
{{- if regexMatch "nfs-subdir-external-provisioner|nfs-client-provisioner" .Values.image.repository }}
{{- fail (printf "image.repository is nfs-subdir-external-provisioner's image (%s), kept from its values file: remove image.repository and image.tag from the file (the chart then runs nfsprov %s), or set them to your copy of the nfsprov image" .Values.image.repository .Chart.AppVersion) }}
{{- end }}
{{- if regexMatch "^v?4\\.0\\." (toString .Values.image.tag) }}
{{- fail (printf "image.tag %s is an nfs-subdir-external-provisioner version, kept from its values file: remove image.tag (the chart then runs nfsprov %s)" (toString .Values.image.tag) .Chart.AppVersion) }}
{{- end }}
{{- if .Values.podSecurityPolicy.enabled }}
{{- fail "podSecurityPolicy.enabled: PodSecurityPolicy was removed in Kubernetes 1.25; remove the key (the Pod meets the baseline Pod Security level: docs/security.md)" }}
{{- end }}
{{- $limit := include "nfsprov.memoryMiB" (dig "limits" "memory" "" (.Values.resources | default dict)) | int }}
{{- if and (gt $limit 0) (lt $limit 192) }}
{{- fail (printf "resources.limits.memory %s is below the 192Mi the controller needs: a Java controller with its Kubernetes client idles at ~120 MiB before its first claim (docs/performance.md), and at 128Mi it stalls or is killed. nfs-subdir's example limits (128Mi) do not fit it: remove them (the chart's default is 256Mi, measured with 10,000 volumes) or raise them" (toString .Values.resources.limits.memory)) }}
{{- end }}
{{- end -}}

{{/* A memory quantity (128Mi, 1Gi, 200M, 134217728) in MiB, rounded down; 0 when there is none. */}}
{{- define "nfsprov.memoryMiB" -}}
{{- $q := toString . -}}
{{- if not $q -}}0
{{- else if hasSuffix "Gi" $q -}}{{ mul (trimSuffix "Gi" $q | float64) 1024 | int }}
{{- else if hasSuffix "Mi" $q -}}{{ trimSuffix "Mi" $q | float64 | int }}
{{- else if hasSuffix "Ki" $q -}}{{ div (trimSuffix "Ki" $q | float64 | int) 1024 }}
{{- else if hasSuffix "G" $q -}}{{ div (mul (trimSuffix "G" $q | float64) 1000000000 | int64) 1048576 }}
{{- else if hasSuffix "M" $q -}}{{ div (mul (trimSuffix "M" $q | float64) 1000000 | int64) 1048576 }}
{{- else if regexMatch "^[0-9]+$" $q -}}{{ div (atoi $q) 1048576 }}
{{- else -}}0
{{- end -}}
{{- end -}}

{{/*
Whether the controller's caches are filled by streaming lists (WatchList: watch permission alone, one object at a
time): controller.watchList, or for auto the cluster's version (1.32 and newer serve them by default). The
ClusterRole grants list only when they are not used.
*/}}
{{- define "nfsprov.watchList" -}}
{{- $v := toString .Values.controller.watchList -}}
{{- if eq $v "auto" -}}
{{- semverCompare ">=1.32-0" .Capabilities.KubeVersion.Version -}}
{{- else -}}
{{- $v -}}
{{- end -}}
{{- end -}}

{{- define "nfsprov.readVerbs" -}}
{{- if eq (include "nfsprov.watchList" .) "true" }}[watch]{{ else }}[list, watch]{{ end -}}
{{- end -}}
