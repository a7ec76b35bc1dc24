// destination_service / _name / _namespace as Istio reports them: the service host of the
// outbound cluster ("outbound|9080|v1|reviews.default.svc.cluster.local"), else the request's
// authority with short names expanded in the proxy's namespace.

export interface DestinationService {
  readonly host: string;
  readonly name: string;
  readonly namespace: string;
}

const cache = new Map<string, DestinationService>();
const MAX = 4096;

export function destinationService(cluster: string, authority: string, ownNamespace: string): DestinationService {
  const key = `${cluster} ${authority}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let host = "";
  if (cluster.startsWith("outbound|")) host = cluster.split("|")[3] ?? "";
  if (host === "") {
    host = authority.startsWith("[") ? authority.slice(0, authority.indexOf("]") + 1) : authority.replace(/:\d+$/, "");
    const parts = host.split(".");
    if (host !== "" && !/^[\d.]+$/.test(host) && !host.startsWith("[")) {
      if (parts.length === 1) host = `${host}.${ownNamespace}.svc.cluster.local`;
      else if (parts.length === 2) host = `${host}.svc.cluster.local`;
    }
  }
  const parts = host.split(".");
  const isSvc = parts.length >= 3 && parts[2] === "svc";
  const out = {
    host: host || "unknown",
    name: isSvc ? (parts[0] as string) : host || "unknown",
    namespace: isSvc ? (parts[1] as string) : ownNamespace,
  };
  if (cache.size >= MAX) cache.clear();
  cache.set(key, out);
  return out;
}
