// ClusterLoadAssignment (inline load_assignment or EDS) compiled into host specs.
import type { EnvoyJson, HostHealth, Locality } from "../contracts.js";
import { invalid, isObject, readArray, readEnum, readNumber, readObject, readString, readUint } from "./envoy-json.js";
import type { HostSpec } from "./host.js";

const HEALTH: readonly HostHealth[] = ["UNKNOWN", "HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED"];

/** Priority levels are dense arrays at run time; bound them. */
const MAX_PRIORITY = 127;

export interface LoadAssignment {
  readonly clusterName: string;
  /** Endpoint addresses as written (DNS names for STRICT/LOGICAL_DNS). */
  readonly hosts: readonly HostSpec[];
  /** load_balancing_weight of each locality, by localityKey. */
  readonly localityWeights: ReadonlyMap<string, number>;
  /** policy.overprovisioning_factor as a ratio (Envoy's default 140 → 1.4). */
  readonly overprovisioningFactor: number;
}

function readLocality(json: EnvoyJson | undefined, path: string): Locality {
  if (!json) return {};
  const l: Locality = {};
  const region = readString(json, "region", path);
  const zone = readString(json, "zone", path);
  const subZone = readString(json, "sub_zone", path);
  if (region) l.region = region;
  if (zone) l.zone = zone;
  if (subZone) l.subZone = subZone;
  return l;
}

/** endpoint.address.socket_address → address and port. */
export function readSocketAddress(address: EnvoyJson | undefined, path: string): { address: string; port: number } {
  if (!address) throw invalid(path, "is required");
  const sa = readObject(address, "socket_address", path);
  if (!sa) throw invalid(`${path}.socket_address`, "is required (only socket addresses are supported)");
  const at = `${path}.socket_address`;
  const host = readString(sa, "address", at);
  if (!host) throw invalid(`${at}.address`, "is required");
  const port = readUint(sa, "port_value", at);
  if (port === undefined || port > 65535) throw invalid(`${at}.port_value`, "must be a port number");
  return { address: host, port };
}

/** lb_endpoint.metadata.filter_metadata["envoy.transport_socket_match"] */
function readSocketMatch(lbe: EnvoyJson, path: string): EnvoyJson | undefined {
  const md = readObject(lbe, "metadata", path);
  const fm = md ? readObject(md, "filter_metadata", `${path}.metadata`) : undefined;
  return fm ? readObject(fm, "envoy.transport_socket_match", `${path}.metadata.filter_metadata`) : undefined;
}

export function compileLoadAssignment(json: EnvoyJson, path: string, fallbackName = ""): LoadAssignment {
  const clusterName = readString(json, "cluster_name", path) ?? fallbackName;
  const hosts: HostSpec[] = [];
  const localityWeights = new Map<string, number>();
  const seen = new Set<string>();
  for (const [i, le] of readArray(json, "endpoints", path).entries()) {
    const at = `${path}.endpoints[${i}]`;
    if (!isObject(le)) throw invalid(at, "must be an object");
    const locality = readLocality(readObject(le, "locality", at), `${at}.locality`);
    const priority = readUint(le, "priority", at) ?? 0;
    if (priority > MAX_PRIORITY) throw invalid(`${at}.priority`, `must be at most ${MAX_PRIORITY}`);
    const lw = readUint(le, "load_balancing_weight", at);
    const lkey = `${locality.region ?? ""}/${locality.zone ?? ""}/${locality.subZone ?? ""}`;
    if (lw !== undefined) localityWeights.set(lkey, lw);
    for (const [j, lbe] of readArray(le, "lb_endpoints", at).entries()) {
      const eat = `${at}.lb_endpoints[${j}]`;
      if (!isObject(lbe)) throw invalid(eat, "must be an object");
      const endpoint = readObject(lbe, "endpoint", eat);
      if (!endpoint) throw invalid(`${eat}.endpoint`, "is required");
      const { address, port } = readSocketAddress(readObject(endpoint, "address", `${eat}.endpoint`), `${eat}.endpoint.address`);
      const weight = readUint(lbe, "load_balancing_weight", eat) ?? 1;
      if (weight === 0) throw invalid(`${eat}.load_balancing_weight`, "must be at least 1");
      const health = readEnum(lbe, "health_status", eat, HEALTH) ?? "UNKNOWN";
      const key = `${address}:${port}`;
      if (seen.has(key)) continue; // one host per address; the first entry wins
      seen.add(key);
      const socketMatch = readSocketMatch(lbe, eat);
      hosts.push({ address, port, weight, priority, locality, health, ...(socketMatch ? { socketMatch } : {}) });
    }
  }
  const policy = readObject(json, "policy", path);
  const op = policy ? readNumber(policy, "overprovisioning_factor", `${path}.policy`) : undefined;
  if (op !== undefined && op <= 0) throw invalid(`${path}.policy.overprovisioning_factor`, "must be greater than 0");
  return { clusterName, hosts, localityWeights, overprovisioningFactor: (op ?? 140) / 100 };
}
