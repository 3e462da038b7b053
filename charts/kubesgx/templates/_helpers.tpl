{{/* Chart name, possibly overridden. */}}
{{- define "kubesgx.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object name: the release name when it already contains the chart name. */}}
{{- define "kubesgx.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects: (dict "root" $ "component" "webhook"). */}}
{{- define "kubesgx.componentName" -}}
{{- printf "%s-%s" (include "kubesgx.fullname" .root) .component -}}
{{- end -}}

{{/* Selector labels of one component. */}}
{{- define "kubesgx.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubesgx.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels of one component. */}}
{{- define "kubesgx.labels" -}}
{{ include "kubesgx.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: kubesgx
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* <registry>/<repository>:<tag>, tag defaulting to appVersion: (dict "root" $ "image" .Values.x.image). */}}
{{- define "kubesgx.image" -}}
{{- $tag := default .root.Chart.AppVersion .image.tag -}}
{{- if .image.registry -}}
{{- printf "%s/%s:%s" .image.registry .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The EPC resource name of the cluster's one accounting. */}}
{{- define "kubesgx.epcResourceName" -}}
{{- if eq .Values.epcResource "azure" -}}kubernetes.azure.com/sgx_epc_mem_in_MiB{{- else -}}sgx.intel.com/epc{{- end -}}
{{- end -}}

{{/* An EPC quantity of N MiB under the cluster's resource name: (dict "root" $ "mib" 1). */}}
{{- define "kubesgx.epcQuantity" -}}
{{- if eq .root.Values.epcResource "azure" -}}{{ .mib | int | quote }}{{- else -}}{{ printf "%dMi" (.mib | int) | quote }}{{- end -}}
{{- end -}}

{{/* Pod security context of the restricted profile (user 65532). */}}
{{- define "kubesgx.restrictedPodSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container security context of the restricted profile. */}}
{{- define "kubesgx.restrictedContainerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container security context for node-level containers that must run as root (no capabilities). */}}
{{- define "kubesgx.nodeRootContainerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: false
runAsUser: 0
runAsGroup: 0
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Whether a service serves HTTPS: (dict "root" $ "svc" .Values.attestation). */}}
{{- define "kubesgx.tlsEnabled" -}}
{{- if or .root.Values.certManager.enabled .svc.tls.existingSecret -}}true{{- end -}}
{{- end -}}

{{/* The TLS Secret of a service: (dict "root" $ "svc" .Values.x "component" "attestation"). */}}
{{- define "kubesgx.tlsSecretName" -}}
{{- if .root.Values.certManager.enabled -}}
{{- printf "%s-tls" (include "kubesgx.componentName" (dict "root" .root "component" .component)) -}}
{{- else -}}
{{- .svc.tls.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* In-cluster URL of the attestation service. */}}
{{- define "kubesgx.attestationUrl" -}}
{{- $scheme := ternary "https" "http" (eq (include "kubesgx.tlsEnabled" (dict "root" . "svc" .Values.attestation)) "true") -}}
{{- printf "%s://%s.%s.svc:%d" $scheme (include "kubesgx.componentName" (dict "root" . "component" "attestation")) .Release.Namespace (.Values.attestation.port | int) -}}
{{- end -}}

{{/* Replicas of a stateful service: 1 with SQLite. */}}
{{- define "kubesgx.replicas" -}}
{{- if eq .svc.database.type "sqlite" -}}1{{- else -}}{{ .svc.replicas }}{{- end -}}
{{- end -}}

{{/* Configuration checks that a schema cannot express. */}}
{{- define "kubesgx.validate" -}}
{{- if and .Values.quoteHelper.enabled (eq .Values.quoteHelper.backend "relay") (not .Values.quoteHelper.relay.aesmd.image.repository) -}}
{{- fail "quoteHelper.backend=relay needs quoteHelper.relay.aesmd.image.repository (an image running Intel's aesm_service)" -}}
{{- end -}}
{{- if .Values.attestation.enabled -}}
{{- if and (eq .Values.attestation.database.type "postgres") (not .Values.attestation.database.postgres.existingSecret) -}}
{{- fail "attestation.database.type=postgres needs attestation.database.postgres.existingSecret (a Secret with the JDBC URL, user and password)" -}}
{{- end -}}
{{- if and (eq .Values.attestation.database.type "postgres") (not .Values.attestation.signingKeys.existingSecret) -}}
{{- fail "attestation.database.type=postgres runs replicas, which must share signing keys: set attestation.signingKeys.existingSecret" -}}
{{- end -}}
{{- end -}}
{{- if .Values.keyBroker.enabled -}}
{{- if not (or .Values.certManager.enabled .Values.keyBroker.tls.existingSecret) -}}
{{- fail "keyBroker.enabled needs HTTPS: set keyBroker.tls.existingSecret or certManager.enabled=true" -}}
{{- end -}}
{{- if not .Values.keyBroker.adminToken.existingSecret -}}
{{- fail "keyBroker.enabled needs keyBroker.adminToken.existingSecret (a Secret with a token of at least 32 bytes)" -}}
{{- end -}}
{{- if not .Values.keyBroker.kek.existingSecret -}}
{{- fail "keyBroker.enabled needs keyBroker.kek.existingSecret (a Secret with the 32-byte key-encryption key)" -}}
{{- end -}}
{{- if and (eq .Values.keyBroker.database.type "postgres") (not .Values.keyBroker.database.postgres.existingSecret) -}}
{{- fail "keyBroker.database.type=postgres needs keyBroker.database.postgres.existingSecret (a Secret with the JDBC URL)" -}}
{{- end -}}
{{- if and .Values.keyBroker.tenants.existingSecret .Values.keyBroker.tenants.existingConfigMap -}}
{{- fail "keyBroker.tenants: set existingSecret or existingConfigMap, not both (the tenants file comes from one of them)" -}}
{{- end -}}
{{- if and .Values.keyBroker.tenants.tokensSecret (not (or .Values.keyBroker.tenants.existingSecret .Values.keyBroker.tenants.existingConfigMap)) -}}
{{- fail "keyBroker.tenants.tokensSecret needs the tenants file: set keyBroker.tenants.existingConfigMap or keyBroker.tenants.existingSecret" -}}
{{- end -}}
{{- if has .Values.keyBroker.kek.key .Values.keyBroker.kek.previousKeys -}}
{{- fail (printf "keyBroker.kek.previousKeys lists %s, the current KEK (keyBroker.kek.key): list only older KEKs" .Values.keyBroker.kek.key) -}}
{{- end -}}
{{- if and (not .Values.keyBroker.trustIssuers) (not .Values.attestation.enabled) -}}
{{- fail "keyBroker.trustIssuers is empty and attestation.enabled=false: name at least one attestation issuer" -}}
{{- end -}}
{{- if and (not .Values.keyBroker.trustIssuers) (not (or .Values.certManager.enabled .Values.attestation.tls.existingSecret)) -}}
{{- fail "the key broker trusts only HTTPS issuers: give the attestation service TLS (attestation.tls.existingSecret or certManager.enabled=true) or set keyBroker.trustIssuers" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The webhook's match condition: WebhookConfigurations.SGX_POD_CEL (KubesgxChartTest compares them). */}}
{{- define "kubesgx.sgxPodCel" -}}
{{- $key := "k.startsWith('sgx.intel.com/') || k == 'kubernetes.azure.com/sgx_epc_mem_in_MiB'" -}}
{{- $ctr := printf "(has(c.resources) && ((has(c.resources.limits) && c.resources.limits.exists(k, %s)) || (has(c.resources.requests) && c.resources.requests.exists(k, %s))))" $key $key -}}
{{- printf "object.spec.containers.exists(c, %s) || (has(object.spec.initContainers) && object.spec.initContainers.exists(c, %s)) || (has(object.metadata.annotations) && ('sgx.intel.com/quote-provider' in object.metadata.annotations || 'kubesgx.io/quote-provider' in object.metadata.annotations))" $ctr $ctr -}}
{{- end -}}

{{/* Egress rules to DNS and the API server ports. */}}
{{- define "kubesgx.egressDnsAndApi" -}}
# DNS
- ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
# The Kubernetes API server (its address is not known to the chart; only its ports are).
- ports:
  {{- range .Values.networkPolicy.apiServerPorts }}
    - {port: {{ . }}, protocol: TCP}
  {{- end }}
{{- end -}}
