// Checks generated resources against Envoy's protos and validate rules (fromEnvoyJson throws
// MIZZEN_ERR_XDS_INVALID with every problem), so tests catch anything a real Envoy would NACK.
import { CLUSTER_TYPE, ENDPOINT_TYPE, fromEnvoyJson, LISTENER_TYPE, ROUTE_TYPE } from "../../api/envoy/index.js";
import type { ProxyResources } from "../generate.js";

/** Throws on the first invalid resource; returns how many were checked. */
export function assertValidEnvoy(r: ProxyResources): number {
  const groups: [string, readonly Record<string, unknown>[]][] = [
    [LISTENER_TYPE, r.listeners],
    [ROUTE_TYPE, r.routes],
    [CLUSTER_TYPE, r.clusters],
    [ENDPOINT_TYPE, r.endpoints],
  ];
  let n = 0;
  for (const [type, list] of groups) {
    for (const json of list) {
      fromEnvoyJson(type, json);
      n++;
    }
  }
  return n;
}
