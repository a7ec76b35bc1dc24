// DestinationRule traffic policy schema (also used by Sidecar's connection pools).
import { z } from "zod";
import { duration, int32, labelMap, strict, uint32 } from "../../schema/index.js";
import { oneOf, portSelector } from "./common.js";

const nonNegative = int32.min(0, "must be non-negative");
const percentInt = z.number().int("must be an integer").min(0, "percentage must be between 0 and 100").max(100, "percentage must be between 0 and 100");

const failover = strict({ from: z.string().optional(), to: z.string().optional() });

export const localityLbSetting = strict({
  distribute: z.array(strict({ from: z.string().optional(), to: z.record(z.string(), uint32).optional() })).optional(),
  failover: z.array(failover).optional(),
  failoverPriority: z.array(z.string()).optional(),
  enabled: z.boolean().optional(),
});

export const zoneAwareLbSetting = strict({
  enabled: z.boolean().optional(),
  failover: z.array(failover).optional(),
  failoverPriority: z.array(z.string()).optional(),
  minClusterSize: z.number().int().min(0).optional(),
});

const httpCookie = strict({
  name: z.string(),
  path: z.string().optional(),
  ttl: duration.optional(),
  attributes: z.array(strict({ name: z.string(), value: z.string().optional() })).optional(),
});

export const consistentHash = strict({
  httpHeaderName: z.string().optional(),
  httpCookie: httpCookie.optional(),
  useSourceIp: z.boolean().optional(),
  httpQueryParameterName: z.string().optional(),
  ringHash: strict({ minimumRingSize: z.number().int().min(0).optional() }).optional(),
  maglev: strict({ tableSize: z.number().int().min(0).optional() }).optional(),
  minimumRingSize: z.number().int().min(0).optional(),
})
  .superRefine(oneOf(["httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName"], "consistentHash"))
  .superRefine(oneOf(["ringHash", "maglev"], "consistentHash"));

export const loadBalancer = strict({
  simple: z.enum(["UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"]).optional(),
  consistentHash: consistentHash.optional(),
  localityLbSetting: localityLbSetting.optional(),
  zoneAwareLbSetting: zoneAwareLbSetting.optional(),
  warmupDurationSecs: duration.optional(),
  warmup: strict({ duration: duration.optional(), minimumPercent: z.number().min(0).optional(), aggression: z.number().optional() }).optional(),
}).superRefine(oneOf(["simple", "consistentHash"], "loadBalancer"));
export type LoadBalancerSettings = z.infer<typeof loadBalancer>;

export const connectionPool = strict({
  tcp: strict({
    maxConnections: nonNegative.optional(),
    connectTimeout: duration.optional(),
    tcpKeepalive: strict({ probes: uint32.optional(), time: duration.optional(), interval: duration.optional() }).optional(),
    maxConnectionDuration: duration.optional(),
    idleTimeout: duration.optional(),
  }).optional(),
  http: strict({
    http1MaxPendingRequests: nonNegative.optional(),
    http2MaxRequests: nonNegative.optional(),
    maxRequestsPerConnection: nonNegative.optional(),
    maxRetries: nonNegative.optional(),
    idleTimeout: duration.optional(),
    h2UpgradePolicy: z.enum(["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"]).optional(),
    useClientProtocol: z.boolean().optional(),
    maxConcurrentStreams: nonNegative.optional(),
    http2KeepAlive: strict({ interval: duration.optional(), timeout: duration.optional() }).optional(),
  }).optional(),
});
export type ConnectionPoolSettings = z.infer<typeof connectionPool>;

export const outlierDetection = strict({
  consecutiveErrors: int32.optional(),
  splitExternalLocalOriginErrors: z.boolean().optional(),
  consecutiveLocalOriginFailures: uint32.optional(),
  consecutiveGatewayErrors: uint32.optional(),
  consecutive5xxErrors: uint32.optional(),
  interval: duration.optional(),
  baseEjectionTime: duration.optional(),
  maxEjectionPercent: percentInt.optional(),
  minHealthPercent: percentInt.optional(),
  outlierDetectionHttpErrorCodes: z.array(uint32).optional(),
});
export type OutlierDetection = z.infer<typeof outlierDetection>;

export const clientTlsSettings = strict({
  mode: z.enum(["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"]).optional(),
  clientCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  credentialName: z.string().optional(),
  subjectAltNames: z.array(z.string()).optional(),
  sni: z.string().optional(),
  insecureSkipVerify: z.boolean().optional(),
  caCrl: z.string().optional(),
});
export type ClientTlsSettings = z.infer<typeof clientTlsSettings>;

const portTrafficPolicy = strict({
  port: portSelector.optional(),
  loadBalancer: loadBalancer.optional(),
  connectionPool: connectionPool.optional(),
  outlierDetection: outlierDetection.optional(),
  tls: clientTlsSettings.optional(),
});

export const trafficPolicy = strict({
  loadBalancer: loadBalancer.optional(),
  connectionPool: connectionPool.optional(),
  outlierDetection: outlierDetection.optional(),
  tls: clientTlsSettings.optional(),
  portLevelSettings: z.array(portTrafficPolicy).optional(),
  tunnel: strict({ protocol: z.string().optional(), targetHost: z.string(), targetPort: uint32 }).optional(),
  proxyProtocol: strict({ version: z.enum(["V1", "V2"]).optional() }).optional(),
  retryBudget: strict({ percent: z.number().min(0).max(100).optional(), minRetryConcurrency: uint32.optional(), budgetInterval: duration.optional() }).optional(),
});
export type TrafficPolicy = z.infer<typeof trafficPolicy>;

export const subset = strict({
  name: z.string(),
  labels: labelMap.optional(),
  trafficPolicy: trafficPolicy.optional(),
});
