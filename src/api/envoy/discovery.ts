// The xDS discovery messages as TypeScript shapes (snake_case, as protobufjs decodes them with
// keepCase) and the ADS gRPC method definitions, serialized with Envoy's own protos.
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import type protobuf from "protobufjs";
import { envoyType } from "./protos.js";

export interface AnyMessage { type_url: string; value: Uint8Array }
export interface RpcStatus { code?: number; message?: string }

export interface DiscoveryRequest {
  version_info?: string;
  node?: unknown;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: RpcStatus | null;
}

export interface DiscoveryResponse {
  version_info?: string;
  resources?: AnyMessage[];
  type_url?: string;
  nonce?: string;
}

export interface DeltaDiscoveryRequest {
  node?: unknown;
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: RpcStatus | null;
}

export interface DeltaResource { name?: string; version?: string; resource?: AnyMessage | null }

export interface DeltaDiscoveryResponse {
  system_version_info?: string;
  resources?: DeltaResource[];
  type_url?: string;
  removed_resources?: string[];
  nonce?: string;
}

export const ADS_SERVICE_NAME = "envoy.service.discovery.v3.AggregatedDiscoveryService";
export const SOTW_METHOD_PATH = `/${ADS_SERVICE_NAME}/StreamAggregatedResources`;
export const DELTA_METHOD_PATH = `/${ADS_SERVICE_NAME}/DeltaAggregatedResources`;

/** Codec for one message type: plain objects in, decoded protobufjs messages out. */
export interface Codec<T> {
  serialize(value: T): Buffer;
  deserialize(bytes: Buffer): T;
}

function codec<T>(typeName: string): Codec<T> {
  let type: protobuf.Type | undefined;
  const t = (): protobuf.Type => (type ??= envoyType(typeName));
  return {
    serialize: (value: T): Buffer => Buffer.from(t().encode(t().fromObject(value as Record<string, unknown>)).finish()),
    deserialize: (bytes: Buffer): T => t().decode(bytes) as unknown as T,
  };
}

export const discoveryRequestCodec = codec<DiscoveryRequest>("envoy.service.discovery.v3.DiscoveryRequest");
export const discoveryResponseCodec = codec<DiscoveryResponse>("envoy.service.discovery.v3.DiscoveryResponse");
export const deltaRequestCodec = codec<DeltaDiscoveryRequest>("envoy.service.discovery.v3.DeltaDiscoveryRequest");
export const deltaResponseCodec = codec<DeltaDiscoveryResponse>("envoy.service.discovery.v3.DeltaDiscoveryResponse");

function method<Req, Res>(path: string, req: Codec<Req>, res: Codec<Res>): MethodDefinition<Req, Res> {
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: req.serialize,
    requestDeserialize: req.deserialize,
    responseSerialize: res.serialize,
    responseDeserialize: res.deserialize,
  };
}

/** The AggregatedDiscoveryService for grpc.Server#addService. */
export const ADS_SERVICE_DEFINITION = {
  StreamAggregatedResources: method(SOTW_METHOD_PATH, discoveryRequestCodec, discoveryResponseCodec),
  DeltaAggregatedResources: method(DELTA_METHOD_PATH, deltaRequestCodec, deltaResponseCodec),
} satisfies ServiceDefinition;
