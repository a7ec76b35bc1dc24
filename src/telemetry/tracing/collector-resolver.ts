// Tracing providers name their collector by cluster. The proxy resolves it through a hook the
// proxy process sets (its cluster manager); without one, Istio's outbound cluster names carry
// the host and port ("outbound|9411||zipkin.istio-system.svc.cluster.local").

export interface CollectorAddress {
  host: string;
  port: number;
}

type Resolver = (cluster: string) => CollectorAddress | null;
let resolver: Resolver | null = null;

export function setCollectorResolver(r: Resolver | null): void {
  resolver = r;
}

export function resolveCollectorCluster(cluster: string): CollectorAddress | null {
  if (cluster === "") return null;
  const viaHook = resolver?.(cluster) ?? null;
  if (viaHook !== null) return viaHook;
  const p = cluster.split("|");
  if (p.length === 4 && p[0] === "outbound") {
    const port = Number(p[1]);
    if (Number.isInteger(port) && port > 0 && port < 65536 && (p[3] ?? "") !== "") return { host: p[3] as string, port };
  }
  const m = /^([A-Za-z0-9.-]+):(\d+)$/.exec(cluster);
  if (m !== null) return { host: m[1] as string, port: Number(m[2]) };
  return null;
}
