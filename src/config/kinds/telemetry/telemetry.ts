// Telemetry (telemetry.istio.io): tracing, metrics and access logging per mesh, namespace or
// workload. Fields follow istio/api telemetry/v1alpha1/telemetry.proto.
import { z } from "zod";
import { boolValue, duration, percent, strict } from "../../schema/index.js";
import type { KindDefinition } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { policyTargetFields } from "../security/policy-target.js";
import { validateTelemetry } from "./telemetry-rules.js";
import { nullFieldsAsUnset } from "../core/null-fields.js";

export const workloadModes = ["CLIENT_AND_SERVER", "CLIENT", "SERVER"] as const;
export const istioMetrics = [
  "ALL_METRICS",
  "REQUEST_COUNT",
  "REQUEST_DURATION",
  "REQUEST_SIZE",
  "RESPONSE_SIZE",
  "TCP_OPENED_CONNECTIONS",
  "TCP_CLOSED_CONNECTIONS",
  "TCP_SENT_BYTES",
  "TCP_RECEIVED_BYTES",
  "GRPC_REQUEST_MESSAGES",
  "GRPC_RESPONSE_MESSAGES",
] as const;
export const tagOperations = ["UPSERT", "REMOVE"] as const;

const oneOf = <T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z.enum(values, { error: `${what} must be one of ${values.join(", ")}` });

const modeSelector = strict({ mode: oneOf("mode", workloadModes).optional() });
const providers = z.array(strict({ name: z.string() })).optional();

export const customTag = strict({
  literal: strict({ value: z.string() }).optional(),
  environment: strict({ name: z.string(), defaultValue: z.string().optional() }).optional(),
  header: strict({ name: z.string(), defaultValue: z.string().optional() }).optional(),
  formatter: strict({ value: z.string() }).optional(),
});
export type CustomTag = z.infer<typeof customTag>;

export const tracing = strict({
  match: modeSelector.optional(),
  providers,
  randomSamplingPercentage: percent.optional(),
  disableSpanReporting: boolValue.optional(),
  customTags: z.record(z.string(), customTag).optional(),
  useRequestIdForTraceSampling: boolValue.optional(),
  enableIstioTags: boolValue.optional(),
  disableContextPropagation: boolValue.optional(),
});
export type Tracing = z.infer<typeof tracing>;

export const metricSelector = strict({
  metric: oneOf("metric", istioMetrics).optional(),
  customMetric: z.string().optional(),
  mode: oneOf("mode", workloadModes).optional(),
});

export const tagOverride = strict({
  operation: oneOf("operation", tagOperations).optional(),
  value: z.string().optional(),
});

export const metricsOverrides = strict({
  match: metricSelector.optional(),
  disabled: boolValue.optional(),
  tagOverrides: z.record(z.string(), tagOverride).optional(),
});
export type MetricsOverrides = z.infer<typeof metricsOverrides>;

export const metrics = strict({
  providers,
  overrides: z.array(metricsOverrides).optional(),
  reportingInterval: duration.optional(),
});
export type Metrics = z.infer<typeof metrics>;

export const accessLogging = strict({
  match: modeSelector.optional(),
  providers,
  disabled: boolValue.optional(),
  filter: strict({ expression: z.string().optional() }).optional(),
});
export type AccessLogging = z.infer<typeof accessLogging>;

export const telemetrySpec = strict({
  ...policyTargetFields,
  tracing: z.array(tracing).optional(),
  metrics: z.array(metrics).optional(),
  accessLogging: z.array(accessLogging).optional(),
});
export type TelemetrySpec = z.infer<typeof telemetrySpec>;

const body = strict({ spec: telemetrySpec.default({}), status: z.unknown().optional() });
export type TelemetryBody = z.infer<typeof body>;
export type Telemetry = Resource<TelemetryBody>;

export const telemetryKind: KindDefinition<TelemetryBody> = {
  group: "telemetry.istio.io",
  versions: ["v1", "v1alpha1"],
  kind: "Telemetry",
  namespaced: true,
  schema: nullFieldsAsUnset(body),
  validate: (b, ctx) => validateTelemetry(b.spec, ctx),
};
