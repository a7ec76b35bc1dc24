// ProxyConfig (istio.mesh.v1alpha1, MeshConfig.defaultConfig): what every proxy starts with.
// Fields the mesh uses are typed; nested Envoy-specific messages are accepted as maps.
import { z } from "zod";
import { boolValue, duration, percent, strict, stringMap } from "../schema/index.js";
import { protoUint32, protoInt32 } from "./proto-json.js";
import { looseMessage } from "./networking-types.js";

const oneOf = <T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z.enum(values, { error: `${what} must be one of ${values.join(", ")}` });

/** istio.mesh.v1alpha1 Tracing.CustomTag: one of a literal, an environment variable or a request header. */
const proxyCustomTag = strict({
  literal: strict({ value: z.string() }).optional(),
  environment: strict({ name: z.string(), defaultValue: z.string().optional() }).optional(),
  header: strict({ name: z.string(), defaultValue: z.string().optional() }).optional(),
});

export const proxyTracing = strict({
  zipkin: strict({ address: z.string().optional() }).optional(),
  lightstep: looseMessage.optional(),
  datadog: strict({ address: z.string().optional() }).optional(),
  stackdriver: looseMessage.optional(),
  openCensusAgent: looseMessage.optional(),
  customTags: z.record(z.string(), proxyCustomTag).optional(),
  maxPathTagLength: protoUint32.optional(),
  /** Percentage of requests traced, 0..100 (Istio's default is 1). */
  sampling: percent.optional(),
  tlsSettings: looseMessage.optional(),
  enableIstioTags: boolValue.optional(),
});

export const proxyConfig = strict({
  configPath: z.string().optional(),
  binaryPath: z.string().optional(),
  serviceCluster: z.string().optional(),
  tracingServiceName: oneOf("tracingServiceName", ["APP_LABEL_AND_NAMESPACE", "CANONICAL_NAME_ONLY", "CANONICAL_NAME_AND_NAMESPACE"]).optional(),
  drainDuration: duration.optional(),
  discoveryAddress: z.string().optional(),
  discoveryRefreshDelay: duration.optional(),
  zipkinAddress: z.string().optional(),
  statsdUdpAddress: z.string().optional(),
  envoyMetricsServiceAddress: z.string().optional(),
  proxyAdminPort: protoInt32.optional(),
  availabilityZone: z.string().optional(),
  controlPlaneAuthPolicy: oneOf("controlPlaneAuthPolicy", ["NONE", "MUTUAL_TLS", "INHERIT"]).optional(),
  customConfigFile: z.string().optional(),
  statNameLength: protoInt32.optional(),
  concurrency: protoInt32.optional(),
  proxyBootstrapTemplatePath: z.string().optional(),
  interceptionMode: oneOf("interceptionMode", ["REDIRECT", "TPROXY", "NONE"]).optional(),
  tracing: proxyTracing.optional(),
  sds: looseMessage.optional(),
  envoyAccessLogService: looseMessage.optional(),
  envoyMetricsService: looseMessage.optional(),
  proxyMetadata: stringMap.optional(),
  runtimeValues: stringMap.optional(),
  statusPort: protoInt32.optional(),
  extraStatTags: z.array(z.string()).optional(),
  // Typed where Mizzen reads it (numTrustedProxies); other fields are kept as written.
  gatewayTopology: z.looseObject({ numTrustedProxies: protoUint32.optional() }).optional(),
  terminationDrainDuration: duration.optional(),
  meshId: z.string().optional(),
  readinessProbe: looseMessage.optional(),
  proxyStatsMatcher: strict({
    inclusionPrefixes: z.array(z.string()).optional(),
    inclusionSuffixes: z.array(z.string()).optional(),
    inclusionRegexps: z.array(z.string()).optional(),
  }).optional(),
  holdApplicationUntilProxyStarts: boolValue.optional(),
  caCertificatesPem: z.array(z.string()).optional(),
  image: looseMessage.optional(),
  privateKeyProvider: looseMessage.optional(),
  proxyHeaders: looseMessage.optional(),
  fileFlushInterval: duration.optional(),
  fileFlushMinSizeKb: protoUint32.optional(),
  statsCompression: boolValue.optional(),
  connectionSettings: looseMessage.optional(),
});
export type ProxyConfig = z.infer<typeof proxyConfig>;
