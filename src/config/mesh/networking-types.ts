// The networking messages MeshConfig embeds (istio.networking.v1alpha3): the retry policy and
// locality load balancing are typed; TLS, connection pool and outlier settings are accepted as maps
// here (DestinationRule's own schema checks them where they matter).
import { z } from "zod";
import { boolValue, duration, strict } from "../schema/index.js";
import { protoUint32, protoInt32 } from "./proto-json.js";

export const httpRetry = strict({
  attempts: protoInt32.optional(),
  perTryTimeout: duration.optional(),
  retryOn: z.string().optional(),
  retryRemoteLocalities: boolValue.optional(),
  retryIgnorePreviousHosts: boolValue.optional(),
  backoff: duration.optional(),
});
export type HttpRetry = z.infer<typeof httpRetry>;

export const localityLbSetting = strict({
  distribute: z.array(strict({ from: z.string().optional(), to: z.record(z.string(), protoUint32).optional() })).optional(),
  failover: z.array(strict({ from: z.string().optional(), to: z.string().optional() })).optional(),
  failoverPriority: z.array(z.string()).optional(),
  enabled: boolValue.optional(),
});
export type LocalityLbSetting = z.infer<typeof localityLbSetting>;

export const tcpKeepalive = strict({
  probes: protoUint32.optional(),
  time: duration.optional(),
  interval: duration.optional(),
});

/** A message accepted as given (a map), for settings Mizzen does not interpret at the mesh level. */
export const looseMessage = z.record(z.string(), z.unknown());

export const labelSelector = strict({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(strict({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() })).optional(),
});
