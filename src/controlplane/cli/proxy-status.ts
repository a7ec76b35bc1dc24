// `mizzen proxy-status`: istioctl's table of connected proxies and their per-type sync state, plus
// the time each proxy took to ACK the last config change ("visible propagation").
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../../api/envoy/type-urls.js";
import type { LastChange, ProxySync } from "../sync-observer.js";
import { table } from "./flags.js";

export interface Syncz {
  readonly controlPlaneVersion: string;
  readonly lastChange: LastChange | undefined;
  readonly proxies: readonly ProxySync[];
}

const ECDS_TYPE_URL = "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig";
const COLUMNS: readonly [string, string][] = [["CDS", CDS_TYPE_URL], ["LDS", LDS_TYPE_URL], ["EDS", EDS_TYPE_URL], ["RDS", RDS_TYPE_URL], ["ECDS", ECDS_TYPE_URL]];

function typeCell(p: ProxySync, typeUrl: string): string {
  const t = p.types[typeUrl];
  if (!t) return "IGNORED";
  if (t.lastNack && t.lastNack.nonce === t.sentNonce) return "STALE (NACK)";
  return t.status;
}

function ackCell(p: ProxySync): string {
  switch (p.lastChangeState) {
    case "ACKED":
      return `${p.lastChangeAckMs ?? 0}ms`;
    case "PENDING":
      return "pending";
    case "NACKED":
      return "NACKED";
    default:
      return "-";
  }
}

export function renderProxyStatus(s: Syncz): string {
  const rows = s.proxies.map((p) => [p.proxyId, p.cluster || "Kubernetes", ...COLUMNS.map(([, t]) => typeCell(p, t)), "mizzen-control-plane", s.controlPlaneVersion, ackCell(p)]);
  const out = [table(["NAME", "CLUSTER", ...COLUMNS.map(([n]) => n), "ISTIOD", "VERSION", "LAST CHANGE ACK"], rows)];
  const nacks = s.proxies.flatMap((p) => COLUMNS.flatMap(([name, t]) => {
    const n = p.types[t]?.lastNack;
    return n ? [`  ${p.proxyId} ${name} (version ${n.version || "?"}, ${n.at}): ${n.message}`] : [];
  }));
  const last = s.lastChange;
  if (last) out.push("", `Last change: ${new Date(last.changeAt).toISOString()} (${last.full ? "config" : "endpoints only"}), pushed ${last.pushAt - last.changeAt} ms later; LAST CHANGE ACK counts from the change to the proxy's ACK.`);
  if (nacks.length > 0) out.push("", "Rejected (last NACK per proxy and type):", ...nacks);
  return out.join("\n");
}
