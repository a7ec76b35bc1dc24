// VirtualService schema (istio/api networking/v1alpha3/virtual_service.proto), every field.
import { z } from "zod";
import type { Resource } from "../../resource.js";
import { duration, int32, labelMap, strict, stringMatch, uint32 } from "../../schema/index.js";
import { destination, headers, istioBody, oneOf, percentValue } from "./common.js";

const stringMatchMap = z.record(z.string(), stringMatch);

export const httpMatchRequest = strict({
  name: z.string().optional(),
  uri: stringMatch.optional(),
  scheme: stringMatch.optional(),
  method: stringMatch.optional(),
  authority: stringMatch.optional(),
  headers: stringMatchMap.optional(),
  port: uint32.optional(),
  sourceLabels: labelMap.optional(),
  gateways: z.array(z.string()).optional(),
  queryParams: stringMatchMap.optional(),
  ignoreUriCase: z.boolean().optional(),
  withoutHeaders: stringMatchMap.optional(),
  sourceNamespace: z.string().optional(),
  statPrefix: z.string().optional(),
});
export type HTTPMatchRequest = z.infer<typeof httpMatchRequest>;

export const httpRouteDestination = strict({ destination, weight: int32.optional(), headers: headers.optional() });
export const routeDestination = strict({ destination, weight: int32.optional() });

export const httpRedirect = strict({
  uri: z.string().optional(),
  authority: z.string().optional(),
  port: uint32.optional(),
  derivePort: z.enum(["FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"]).optional(),
  scheme: z.string().optional(),
  redirectCode: uint32.optional(),
  prefixRewrite: z.string().optional(),
}).superRefine(oneOf(["port", "derivePort"], "redirect"));

export const httpDirectResponse = strict({
  status: uint32,
  body: strict({ string: z.string().optional(), bytes: z.string().optional() }).superRefine(oneOf(["string", "bytes"], "body")).optional(),
});

export const httpRewrite = strict({
  uri: z.string().optional(),
  authority: z.string().optional(),
  uriRegexRewrite: strict({ match: z.string().optional(), rewrite: z.string().optional() }).optional(),
});

export const httpRetry = strict({
  attempts: int32.optional(),
  perTryTimeout: duration.optional(),
  retryOn: z.string().optional(),
  retryRemoteLocalities: z.boolean().optional(),
  retryIgnorePreviousHosts: z.boolean().optional(),
  backoff: duration.optional(),
});

export const corsPolicy = strict({
  allowOrigin: z.array(z.string()).optional(),
  allowOrigins: z.array(stringMatch).optional(),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAge: duration.optional(),
  allowCredentials: z.boolean().optional(),
  unmatchedPreflights: z.enum(["UNSPECIFIED", "FORWARD", "IGNORE"]).optional(),
});

export const httpFaultInjection = strict({
  delay: strict({
    percent: int32.optional(),
    fixedDelay: duration.optional(),
    exponentialDelay: duration.optional(),
    percentage: percentValue.optional(),
  })
    .superRefine(oneOf(["fixedDelay", "exponentialDelay"], "delay"))
    .optional(),
  abort: strict({
    httpStatus: int32.optional(),
    grpcStatus: z.string().optional(),
    http2Error: z.string().optional(),
    percentage: percentValue.optional(),
  })
    .superRefine(oneOf(["httpStatus", "grpcStatus", "http2Error"], "abort"))
    .optional(),
});

export const httpMirrorPolicy = strict({ destination, percentage: percentValue.optional() });

export const httpRoute = strict({
  name: z.string().optional(),
  match: z.array(httpMatchRequest).optional(),
  route: z.array(httpRouteDestination).optional(),
  redirect: httpRedirect.optional(),
  directResponse: httpDirectResponse.optional(),
  delegate: strict({ name: z.string().optional(), namespace: z.string().optional() }).optional(),
  rewrite: httpRewrite.optional(),
  timeout: duration.optional(),
  retries: httpRetry.optional(),
  fault: httpFaultInjection.optional(),
  mirror: destination.optional(),
  mirrors: z.array(httpMirrorPolicy).optional(),
  mirrorPercent: uint32.optional(),
  mirrorPercentage: percentValue.optional(),
  corsPolicy: corsPolicy.optional(),
  headers: headers.optional(),
});
export type HTTPRoute = z.infer<typeof httpRoute>;

const l4Common = {
  destinationSubnets: z.array(z.string()).optional(),
  port: uint32.optional(),
  sourceLabels: labelMap.optional(),
  gateways: z.array(z.string()).optional(),
  sourceNamespace: z.string().optional(),
};

export const tlsRoute = strict({
  match: z.array(strict({ sniHosts: z.array(z.string()), ...l4Common })),
  route: z.array(routeDestination).optional(),
});
export type TLSRoute = z.infer<typeof tlsRoute>;

export const tcpRoute = strict({
  match: z.array(strict({ ...l4Common, sourceSubnet: z.string().optional() })).optional(),
  route: z.array(routeDestination).optional(),
});
export type TCPRoute = z.infer<typeof tcpRoute>;

export const virtualServiceSpec = strict({
  hosts: z.array(z.string()).optional(),
  gateways: z.array(z.string()).optional(),
  http: z.array(httpRoute).optional(),
  tls: z.array(tlsRoute).optional(),
  tcp: z.array(tcpRoute).optional(),
  exportTo: z.array(z.string()).optional(),
});
export type VirtualServiceSpec = z.infer<typeof virtualServiceSpec>;

export const virtualServiceBody = istioBody(virtualServiceSpec);
export type VirtualServiceBody = z.infer<typeof virtualServiceBody>;
export type VirtualService = Resource<VirtualServiceBody>;
