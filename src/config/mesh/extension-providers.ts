// MeshConfig.extensionProviders: named tracing, metrics, access-log and ext-authz backends that
// Telemetry and AuthorizationPolicy (CUSTOM) refer to by name. Exactly one provider kind each.
import { z } from "zod";
import { boolValue, duration, strict, stringMap } from "../schema/index.js";
import { protoUint32 } from "./proto-json.js";
import { looseMessage } from "./networking-types.js";

const strings = z.array(z.string()).optional();
const service = { service: z.string().optional(), port: protoUint32.optional() };

const httpHeader = strict({ name: z.string(), value: z.string().optional(), envName: z.string().optional() });
const requestBody = strict({ maxRequestBytes: protoUint32.optional(), allowPartialMessage: boolValue.optional(), packAsBytes: boolValue.optional() });

export const providerKinds = {
  envoyExtAuthzHttp: strict({
    ...service,
    timeout: duration.optional(),
    pathPrefix: z.string().optional(),
    failOpen: boolValue.optional(),
    clearRouteCache: boolValue.optional(),
    statusOnError: z.string().optional(),
    includeHeadersInCheck: strings,
    includeRequestHeadersInCheck: strings,
    includeAdditionalHeadersInCheck: stringMap.optional(),
    includeRequestBodyInCheck: requestBody.optional(),
    headersToUpstreamOnAllow: strings,
    headersToDownstreamOnDeny: strings,
    headersToDownstreamOnAllow: strings,
  }),
  envoyExtAuthzGrpc: strict({
    ...service,
    timeout: duration.optional(),
    failOpen: boolValue.optional(),
    clearRouteCache: boolValue.optional(),
    statusOnError: z.string().optional(),
    includeRequestBodyInCheck: requestBody.optional(),
  }),
  zipkin: strict({
    ...service,
    maxTagLength: protoUint32.optional(),
    enable64bitTraceId: boolValue.optional(),
    path: z.string().optional(),
    traceContextOption: z.enum(["USE_B3", "USE_B3_WITH_W3C_PROPAGATION"], { error: "traceContextOption must be one of USE_B3, USE_B3_WITH_W3C_PROPAGATION" }).optional(),
    timeout: duration.optional(),
    headers: z.array(httpHeader).optional(),
  }),
  lightstep: strict({ ...service, accessToken: z.string().optional(), maxTagLength: protoUint32.optional() }),
  datadog: strict({ ...service, maxTagLength: protoUint32.optional() }),
  stackdriver: looseMessage,
  opencensus: strict({ ...service, context: strings, maxTagLength: protoUint32.optional() }),
  skywalking: strict({ ...service, accessToken: z.string().optional() }),
  opentelemetry: strict({
    ...service,
    maxTagLength: protoUint32.optional(),
    http: strict({ path: z.string().optional(), timeout: duration.optional(), headers: z.array(httpHeader).optional() }).optional(),
    grpc: strict({ timeout: duration.optional(), initialMetadata: z.array(httpHeader).optional() }).optional(),
    resourceDetectors: looseMessage.optional(),
    serviceAttributeEnrichment: z.enum(["ISTIO_CANONICAL", "OTEL_SEMANTIC_CONVENTIONS"]).optional(),
    dynatraceSampler: looseMessage.optional(),
  }),
  prometheus: strict({}),
  envoyFileAccessLog: strict({
    path: z.string().optional(),
    logFormat: strict({ text: z.string().optional(), labels: looseMessage.optional() }).optional(),
    omitEmptyValues: boolValue.optional(),
  }),
  envoyHttpAls: strict({
    ...service,
    logName: z.string().optional(),
    filterStateObjectsToLog: strings,
    additionalRequestHeadersToLog: strings,
    additionalResponseHeadersToLog: strings,
    additionalResponseTrailersToLog: strings,
  }),
  envoyTcpAls: strict({ ...service, logName: z.string().optional(), filterStateObjectsToLog: strings }),
  envoyOtelAls: strict({
    ...service,
    logName: z.string().optional(),
    logFormat: strict({ text: z.string().optional(), labels: looseMessage.optional() }).optional(),
  }),
  sds: strict({ name: z.string().optional(), ...service }),
};

export type ProviderKind = keyof typeof providerKinds;
export const providerKindNames = Object.keys(providerKinds) as ProviderKind[];

/** Provider kinds that call a backend service and so need `service` and `port`. */
export const serviceProviderKinds: readonly ProviderKind[] = [
  "envoyExtAuthzHttp", "envoyExtAuthzGrpc", "zipkin", "lightstep", "datadog", "opencensus", "skywalking", "opentelemetry",
  "envoyHttpAls", "envoyTcpAls", "envoyOtelAls",
];

export const extensionProvider = strict({
  name: z.string(),
  ...Object.fromEntries(providerKindNames.map((k) => [k, providerKinds[k].optional()])),
} as { name: z.ZodString } & { [K in ProviderKind]: z.ZodOptional<(typeof providerKinds)[K]> });
export type ExtensionProvider = z.infer<typeof extensionProvider>;
