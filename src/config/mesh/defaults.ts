// Istio's documented MeshConfig defaults (pkg/config/mesh DefaultMeshConfig, plus the code
// defaults Istio applies when a field is unset: the retry policy and 1% trace sampling).
import type { MeshConfig } from "./mesh-config.js";

export const defaultRetryOn = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

export function defaultMeshConfig(): MeshConfig {
  return {
    enableTracing: true,
    accessLogFile: "",
    accessLogEncoding: "TEXT",
    accessLogFormat: "",
    enableEnvoyAccessLogService: false,
    protocolDetectionTimeout: "0s",
    ingressService: "istio-ingressgateway",
    ingressControllerMode: "STRICT",
    ingressClass: "istio",
    trustDomain: "cluster.local",
    trustDomainAliases: [],
    enableAutoMtls: true,
    outboundTrafficPolicy: { mode: "ALLOW_ANY" },
    inboundTrafficPolicy: { mode: "PASSTHROUGH" },
    localityLbSetting: { enabled: true },
    defaultConfig: {
      configPath: "./etc/istio/proxy",
      binaryPath: "/usr/local/bin/envoy",
      serviceCluster: "istio-proxy",
      drainDuration: "45s",
      terminationDrainDuration: "5s",
      proxyAdminPort: 15000,
      controlPlaneAuthPolicy: "MUTUAL_TLS",
      discoveryAddress: "istiod.istio-system.svc:15012",
      statNameLength: 189,
      statusPort: 15020,
      holdApplicationUntilProxyStarts: false,
      tracing: { sampling: 1 },
    },
    rootNamespace: "istio-system",
    proxyListenPort: 15001,
    proxyInboundListenPort: 15006,
    connectTimeout: "10s",
    defaultServiceExportTo: ["*"],
    defaultVirtualServiceExportTo: ["*"],
    defaultDestinationRuleExportTo: ["*"],
    dnsRefreshRate: "60s",
    serviceSettings: [],
    enablePrometheusMerge: true,
    defaultProviders: {},
    extensionProviders: [
      { name: "prometheus", prometheus: {} },
      { name: "stackdriver", stackdriver: {} },
      { name: "envoy", envoyFileAccessLog: { path: "/dev/stdout" } },
    ],
    defaultHttpRetryPolicy: { attempts: 2, retryOn: defaultRetryOn },
  };
}
