// IST0118: Service port names should say the protocol (`http`, `http-web`, …) unless appProtocol does.
import type { Analyzer } from "../analyzer.js";
import { Messages } from "../messages.js";
import { asArray, specOf, type ServiceSpecView } from "../views.js";

/** Protocols Istio recognises in a port name prefix or appProtocol (protocol.Parse). */
const KNOWN = new Set(["tcp", "udp", "grpc", "grpc-web", "http", "http_proxy", "http2", "https", "tls", "mongo", "redis", "mysql"]);
const SYSTEM_NAMESPACES = new Set(["kube-system", "kube-public", "kube-node-lease", "local-path-storage", "istio-system"]);

export function portProtocolKnown(name: string | undefined, protocol: string | undefined, appProtocol: string | undefined): boolean {
  if ((protocol ?? "").toUpperCase() === "UDP") return true;
  if (appProtocol && KNOWN.has(appProtocol.toLowerCase())) return true;
  if (!name) return false;
  const lower = name.toLowerCase();
  if (KNOWN.has(lower)) return true;
  if (lower.startsWith("grpc-web")) return true;
  const dash = lower.indexOf("-");
  return dash > 0 && KNOWN.has(lower.slice(0, dash));
}

export const portNameAnalyzer: Analyzer = {
  name: "service.PortNameAnalyzer",
  description: "Checks the port names associated with each service",
  analyze(ctx) {
    for (const r of ctx.list("Service")) {
      if (SYSTEM_NAMESPACES.has(r.metadata.namespace ?? "default")) continue;
      for (const p of asArray(specOf<ServiceSpecView>(r).ports)) {
        if (!p || portProtocolKnown(p.name, p.protocol, p.appProtocol)) continue;
        // Kubernetes defaults targetPort to the port.
        const target = p.targetPort === undefined ? String(p.port ?? 0) : String(p.targetPort);
        ctx.report(Messages.portNameIsNotUnderNamingConvention(r, p.name ?? "", p.port ?? 0, target));
      }
    }
  },
};
