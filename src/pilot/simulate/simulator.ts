// A traffic simulator over one proxy's generated resources, as Istio's pilot simulation tests:
// "a call to address A port P (Host H, path X, headers Y, SNI S) goes to cluster C via listener L,
// filter chain F, route R — or is redirected, answered directly, or has nowhere to go".
// Route matching reuses the proxy's own router (compileRouteConfiguration).
import { compileRouteConfiguration, redirectLocation, type CompiledRouteConfig } from "../../proxy/router/index.js";
import type { EnvoyJson } from "../envoy.js";
import type { ProxyResources } from "../generate.js";
import { selectFilterChain } from "./filter-chain-match.js";

export interface SimRequest {
  /** Destination IP the client dials (a VIP, a pod IP, an external address); "0.0.0.0" when unknown. */
  address?: string;
  port: number;
  /** "http" (default), "tcp" (opaque bytes) or "tls" (a TLS ClientHello with `sni`). */
  protocol?: "http" | "tcp" | "tls";
  /** Host header; defaults to the address. */
  host?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  sni?: string;
  /**
   * ALPN the client offers in its TLS ClientHello (implies TLS): ["istio-http/1.1", "istio"] for a
   * mesh sidecar's mTLS, ["h2", "http/1.1"] for an ordinary TLS client.
   */
  alpn?: readonly string[];
  /** Simulate a call arriving at this proxy's inbound side (virtualInbound / per-port inbound). */
  inbound?: boolean;
  /** Scheme the client used for a gateway's TLS-terminated ports; default "http". */
  scheme?: string;
}

export interface SimResult {
  listener?: string;
  filterChain?: string;
  routeConfig?: string;
  virtualHost?: string;
  route?: string;
  /** The single cluster, or the first of weighted ones. */
  cluster?: string;
  weightedClusters?: { name: string; weight: number }[];
  redirect?: { status: number; location: string };
  directResponse?: { status: number; body: string };
  /** The route's Envoy JSON, for policies (retry_policy, timeout, fault …). */
  routeJson?: EnvoyJson;
  mirrors: string[];
  /** Why the request went nowhere, when it did. */
  error?: "no listener" | "no filter chain" | "no route configuration" | "no virtual host" | "no route";
}

const redirectStatus: Readonly<Record<string, number>> = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 };

function addressOf(l: EnvoyJson): { ip: string; port: number } {
  const sa = (l["address"] as EnvoyJson | undefined)?.["socket_address"] as EnvoyJson | undefined;
  return { ip: String(sa?.["address"] ?? ""), port: Number(sa?.["port_value"] ?? 0) };
}

export class TrafficSimulator {
  private readonly compiled = new Map<string, CompiledRouteConfig>();

  constructor(readonly resources: ProxyResources) {}

  /** Envoy's listener choice: exact address, then 0.0.0.0 on the port, then the original-destination listener. */
  private pickListener(req: SimRequest): EnvoyJson | undefined {
    const ls = this.resources.listeners;
    if (req.inbound) return ls.find((l) => l["name"] === "virtualInbound") ?? ls.find((l) => l["traffic_direction"] === "INBOUND" && addressOf(l).port === req.port);
    const ip = req.address ?? "0.0.0.0";
    const candidates = ls.filter((l) => l["traffic_direction"] !== "INBOUND" && l["name"] !== "virtualOutbound");
    return (
      candidates.find((l) => addressOf(l).ip === ip && addressOf(l).port === req.port) ??
      candidates.find((l) => addressOf(l).ip === "0.0.0.0" && addressOf(l).port === req.port) ??
      ls.find((l) => l["use_original_dst"] === true)
    );
  }

  private routeConfig(hcm: EnvoyJson): { json: EnvoyJson; compiled: CompiledRouteConfig } | undefined {
    const rds = hcm["rds"] as EnvoyJson | undefined;
    const json = rds ? this.resources.routes.find((r) => r["name"] === rds["route_config_name"]) : (hcm["route_config"] as EnvoyJson | undefined);
    if (!json) return undefined;
    const key = String(json["name"]) + (rds ? "" : "#inline");
    let compiled = this.compiled.get(key);
    if (!compiled) {
      compiled = compileRouteConfiguration(json);
      this.compiled.set(key, compiled);
    }
    return { json, compiled };
  }

  run(req: SimRequest): SimResult {
    const result: SimResult = { mirrors: [] };
    const listener = this.pickListener(req);
    if (!listener) return { ...result, error: "no listener" };
    result.listener = String(listener["name"]);
    const protocol = req.protocol ?? "http";
    const tls = protocol === "tls" || req.sni !== undefined || req.alpn !== undefined;
    const chain = selectFilterChain(listener, {
      destinationIp: req.address ?? "0.0.0.0",
      destinationPort: req.port,
      serverName: tls ? req.sni : undefined,
      transportProtocol: tls ? "tls" : "raw_buffer",
      // Without TLS the HTTP inspector reports the plaintext protocol; with TLS, the ClientHello's ALPN.
      applicationProtocols: req.alpn ?? (protocol === "http" && !tls ? ["http/1.1"] : []),
    });
    if (!chain) return { ...result, error: "no filter chain" };
    if (typeof chain["name"] === "string") result.filterChain = chain["name"];
    const filters = (chain["filters"] as EnvoyJson[] | undefined) ?? [];
    const filter = filters[filters.length - 1];
    const typed = (filter?.["typed_config"] as EnvoyJson | undefined) ?? {};
    if (filter?.["name"] === "envoy.filters.network.tcp_proxy") return this.tcp(typed, result);
    return this.http(typed, req, result);
  }

  private tcp(tcp: EnvoyJson, result: SimResult): SimResult {
    if (typeof tcp["cluster"] === "string") return { ...result, cluster: tcp["cluster"] };
    const weighted = ((tcp["weighted_clusters"] as EnvoyJson | undefined)?.["clusters"] as EnvoyJson[] | undefined) ?? [];
    const list = weighted.map((c) => ({ name: String(c["name"]), weight: Number(c["weight"] ?? 0) }));
    return list[0] ? { ...result, cluster: list[0].name, weightedClusters: list } : result;
  }

  private http(hcm: EnvoyJson, req: SimRequest, result: SimResult): SimResult {
    const rc = this.routeConfig(hcm);
    if (!rc) return { ...result, error: "no route configuration" };
    result.routeConfig = String(rc.json["name"]);
    const authority = req.host ?? `${req.address ?? "0.0.0.0"}:${req.port}`;
    const path = req.path ?? "/";
    if (rc.compiled.findVirtualHost(authority) === null) return { ...result, error: "no virtual host" };
    const match = rc.compiled.match({ authority, path, method: req.method ?? "GET", headers: req.headers ?? {}, scheme: req.scheme ?? "http" });
    if (!match) return { ...result, error: "no route" };
    const vhName = match.virtualHost.name;
    result.virtualHost = vhName;
    const vhJson = ((rc.json["virtual_hosts"] as EnvoyJson[] | undefined) ?? []).find((v) => v["name"] === vhName);
    const routeJson = ((vhJson?.["routes"] as EnvoyJson[] | undefined) ?? [])[match.virtualHost.routes.indexOf(match.route)];
    result.route = match.route.name;
    if (routeJson) result.routeJson = routeJson;
    const r = match.route;
    if (r.redirect) {
      const code = (routeJson?.["redirect"] as EnvoyJson | undefined)?.["response_code"];
      result.redirect = { status: redirectStatus[String(code ?? "MOVED_PERMANENTLY")] ?? r.redirect.status, location: redirectLocation(r, r.redirect, req.scheme ?? "http", authority, path) };
      return result;
    }
    if (r.direct) {
      result.directResponse = { status: r.direct.status, body: r.direct.body.toString("utf8") };
      return result;
    }
    const f = r.forward;
    if (!f) return { ...result, error: "no route" };
    result.mirrors = f.mirrors.map((m) => m.cluster);
    if (f.cluster !== null) result.cluster = f.cluster;
    else if (f.weighted !== null) {
      result.weightedClusters = f.weighted.map((w) => ({ name: w.name, weight: w.weight }));
      const first = f.weighted[0];
      if (first) result.cluster = first.name;
    }
    return result;
  }
}
