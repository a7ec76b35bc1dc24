// MeshConfig (istio.mesh.v1alpha1): mesh-wide settings, as in Istio's ConfigMap `istio` (key
// `mesh`) or `istioctl --meshConfigFile`. Unknown fields are errors, as for every kind.
import { z } from "zod";
import { boolValue, duration, strict } from "../schema/index.js";
import { protoInt32 } from "./proto-json.js";
import { proxyConfig } from "./proxy-config.js";
import { extensionProvider } from "./extension-providers.js";
import { httpRetry, labelSelector, localityLbSetting, looseMessage, tcpKeepalive } from "./networking-types.js";

const oneOf = <T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z.enum(values, { error: `${what} must be one of ${values.join(", ")}` });

export const outboundTrafficModes = ["ALLOW_ANY", "REGISTRY_ONLY", "ALLOW_ANY_DYNAMIC_DNS"] as const;
export type OutboundTrafficMode = (typeof outboundTrafficModes)[number];

const strings = z.array(z.string()).optional();

const tlsConfig = strict({
  minProtocolVersion: oneOf("minProtocolVersion", ["TLS_AUTO", "TLSV1_2", "TLSV1_3"]).optional(),
  ecdhCurves: strings,
  cipherSuites: strings,
});

export const meshConfigSchema = strict({
  proxyListenPort: protoInt32.optional(),
  proxyInboundListenPort: protoInt32.optional(),
  proxyHttpPort: protoInt32.optional(),
  connectTimeout: duration.optional(),
  hboneIdleTimeout: duration.optional(),
  protocolDetectionTimeout: duration.optional(),
  tcpKeepalive: tcpKeepalive.optional(),
  ingressClass: z.string().optional(),
  ingressService: z.string().optional(),
  ingressControllerMode: oneOf("ingressControllerMode", ["UNSPECIFIED", "OFF", "DEFAULT", "STRICT"]).optional(),
  ingressSelector: z.string().optional(),
  enableTracing: boolValue.optional(),
  accessLogFile: z.string().optional(),
  accessLogFormat: z.string().optional(),
  accessLogEncoding: oneOf("accessLogEncoding", ["TEXT", "JSON"]).optional(),
  enableEnvoyAccessLogService: boolValue.optional(),
  disableEnvoyListenerLog: boolValue.optional(),
  defaultConfig: proxyConfig.optional(),
  outboundTrafficPolicy: strict({ mode: oneOf("mode", outboundTrafficModes).optional(), tls: looseMessage.optional() }).optional(),
  inboundTrafficPolicy: strict({ mode: oneOf("mode", ["PASSTHROUGH", "LOCALHOST"]).optional() }).optional(),
  configSources: z.array(strict({ address: z.string().optional(), tlsSettings: looseMessage.optional(), subscribedResources: strings })).optional(),
  enableAutoMtls: boolValue.optional(),
  trustDomain: z.string().optional(),
  trustDomainAliases: strings,
  caCertificates: z
    .array(strict({ pem: z.string().optional(), spiffeBundleUrl: z.string().optional(), certSigners: strings, trustDomains: strings }))
    .optional(),
  defaultServiceExportTo: strings,
  defaultVirtualServiceExportTo: strings,
  defaultDestinationRuleExportTo: strings,
  rootNamespace: z.string().optional(),
  localityLbSetting: localityLbSetting.optional(),
  zoneAwareLbSetting: looseMessage.optional(),
  dnsRefreshRate: duration.optional(),
  h2UpgradePolicy: oneOf("h2UpgradePolicy", ["DO_NOT_UPGRADE", "UPGRADE"]).optional(),
  inboundClusterStatName: z.string().optional(),
  outboundClusterStatName: z.string().optional(),
  certificates: z.array(strict({ secretName: z.string().optional(), dnsNames: strings })).optional(),
  serviceSettings: z.array(strict({ settings: strict({ clusterLocal: boolValue.optional() }).optional(), hosts: strings })).optional(),
  serviceScopeConfigs: z
    .array(strict({ namespaceSelector: labelSelector.optional(), servicesSelector: labelSelector.optional(), scope: oneOf("scope", ["LOCAL", "GLOBAL"]).optional() }))
    .optional(),
  enablePrometheusMerge: boolValue.optional(),
  verifyCertificateAtClient: boolValue.optional(),
  ca: strict({ address: z.string().optional(), tlsSettings: looseMessage.optional(), requestTimeout: duration.optional(), istiodSide: boolValue.optional() }).optional(),
  extensionProviders: z.array(extensionProvider).optional(),
  defaultProviders: strict({ tracing: strings, metrics: strings, accessLogging: strings }).optional(),
  discoverySelectors: z.array(labelSelector).optional(),
  pathNormalization: strict({
    normalization: oneOf("normalization", ["DEFAULT", "NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES"]).optional(),
  }).optional(),
  defaultHttpRetryPolicy: httpRetry.optional(),
  meshMTLS: tlsConfig.optional(),
  tlsDefaults: tlsConfig.optional(),
  defaultTrafficPolicy: strict({ connectionPool: looseMessage.optional(), outlierDetection: looseMessage.optional() }).optional(),
  serviceEntryVisibility: looseMessage.optional(),
});
export type MeshConfig = z.infer<typeof meshConfigSchema>;
