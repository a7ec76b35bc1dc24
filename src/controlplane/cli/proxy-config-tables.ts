// `mizzen proxy-config` tables from an Envoy config dump, with istioctl's columns.
import type { EnvoyJson } from "../../proxy/contracts.js";
import { table } from "./flags.js";

export type Section = "cluster" | "listener" | "route" | "endpoint" | "secret" | "bootstrap";

export interface TableFilter {
  readonly port?: number | undefined;
  readonly fqdn?: string | undefined;
  readonly subset?: string | undefined;
  readonly direction?: string | undefined;
  readonly name?: string | undefined;
}

const DUMP_TYPES: Readonly<Record<Section, string>> = {
  cluster: "ClustersConfigDump",
  listener: "ListenersConfigDump",
  route: "RoutesConfigDump",
  endpoint: "EndpointsConfigDump",
  secret: "SecretsConfigDump",
  bootstrap: "BootstrapConfigDump",
};

type J = Record<string, unknown>;
const obj = (v: unknown): J => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as J) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

function configOf(dump: EnvoyJson, section: Section): J {
  return obj(arr(dump.configs).find((c) => str(obj(c)["@type"]).endsWith(`.${DUMP_TYPES[section]}`)));
}

/** The section's resources in Envoy JSON (what `-o json` prints). */
export function sectionResources(dump: EnvoyJson, section: Section): unknown[] {
  const c = configOf(dump, section);
  switch (section) {
    case "cluster":
      return [...arr(c.static_clusters), ...arr(c.dynamic_active_clusters)].map((x) => obj(x).cluster);
    case "listener":
      return [...arr(c.static_listeners).map((x) => obj(x).listener), ...arr(c.dynamic_listeners).map((x) => obj(obj(x).active_state).listener)].filter((x) => x !== undefined);
    case "route":
      return [...arr(c.static_route_configs), ...arr(c.dynamic_route_configs)].map((x) => obj(x).route_config);
    case "endpoint":
      return [...arr(c.static_endpoint_configs), ...arr(c.dynamic_endpoint_configs)].map((x) => obj(x).endpoint_config);
    case "secret":
      return [...arr(c.static_secrets), ...arr(c.dynamic_active_secrets)].map((x) => obj(x).secret);
    case "bootstrap":
      return c.bootstrap === undefined ? [] : [c.bootstrap];
  }
}

/** "outbound|9080|v1|reviews.default.svc.cluster.local" → its parts (Istio's cluster naming). */
function clusterParts(name: string): { direction: string; port: string; subset: string; fqdn: string } {
  const [direction = "", port = "", subset = "", fqdn = ""] = name.split("|");
  if (name.split("|").length !== 4) return { direction: "", port: "-", subset: "-", fqdn: name };
  return { direction, port, subset: subset || "-", fqdn: fqdn || "-" };
}

/** Istio's config path in filter_metadata.istio.config → "name.namespace". */
function istioConfig(metadata: unknown): string {
  const path = str(obj(obj(obj(metadata).filter_metadata).istio).config);
  const m = /namespaces\/([^/]+)\/[^/]+\/([^/]+)$/.exec(path);
  return m ? `${m[2] ?? ""}.${m[1] ?? ""}` : "-";
}

function clusterTable(resources: unknown[], f: TableFilter): string {
  const rows = resources.map(obj).flatMap((c) => {
    const p = clusterParts(str(c.name));
    if (f.port !== undefined && p.port !== String(f.port)) return [];
    if (f.fqdn && !p.fqdn.includes(f.fqdn)) return [];
    if (f.subset && p.subset !== f.subset) return [];
    if (f.direction && p.direction !== f.direction) return [];
    return [[p.fqdn, p.port, p.subset, p.direction || "-", str(c.type) || "STATIC", istioConfig(c.metadata)]];
  });
  return table(["SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "DESTINATION RULE"], rows);
}

function hcmRoute(hcm: J): string {
  const rds = str(obj(hcm.rds).route_config_name);
  if (rds) return `Route: ${rds}`;
  const inline = obj(hcm.route_config);
  return inline.name !== undefined ? `Inline Route: ${str(inline.name)}` : "Inline Route";
}

function listenerTable(resources: unknown[], f: TableFilter): string {
  const rows: string[][] = [];
  for (const l of resources.map(obj)) {
    const api = obj(obj(l.api_listener).api_listener);
    const sock = obj(obj(l.address).socket_address);
    const port = api["@type"] !== undefined ? str(l.name).split(":").pop() ?? "" : str(sock.port_value);
    if (f.port !== undefined && port !== String(f.port)) continue;
    if (api["@type"] !== undefined) {
      rows.push([str(l.name).split(":").slice(0, -1).join(":"), port, "ALL", hcmRoute(api)]);
      continue;
    }
    for (const fc of arr(l.filter_chains).map(obj)) {
      const m = obj(fc.filter_chain_match);
      const match = [arr(m.server_names).length ? `SNI: ${arr(m.server_names).map(str).join(",")}` : "", arr(m.application_protocols).length ? `ALPN: ${arr(m.application_protocols).map(str).join(",")}` : "", m.destination_port !== undefined ? `Port: ${str(m.destination_port)}` : ""].filter(Boolean).join("; ") || "ALL";
      const filter = obj(arr(fc.filters).map(obj).find((x) => x.typed_config !== undefined));
      const tc = obj(filter.typed_config);
      const dest = str(tc["@type"]).endsWith("HttpConnectionManager") ? hcmRoute(tc) : tc.cluster !== undefined ? `Cluster: ${str(tc.cluster)}` : str(filter.name) || "-";
      rows.push([str(sock.address), port, match, dest]);
    }
  }
  return table(["ADDRESSES", "PORT", "MATCH", "DESTINATION"], rows);
}

function routeMatch(m: J): string {
  const base = m.path !== undefined ? str(m.path) : m.safe_regex !== undefined ? `~${str(obj(m.safe_regex).regex)}` : `${str(m.prefix) || "/"}*`;
  const headers = arr(m.headers).map(obj).map((h) => `${str(h.name)}=${Object.values(obj(h.string_match)).map(str).join("") || "*"}`);
  return headers.length ? `${base} (${headers.join(", ")})` : base;
}

function routeTable(resources: unknown[], f: TableFilter): string {
  const rows: string[][] = [];
  for (const rc of resources.map(obj)) {
    if (f.name && str(rc.name) !== f.name) continue;
    for (const vh of arr(rc.virtual_hosts).map(obj)) {
      const domains = arr(vh.domains).map(str);
      const shown = domains.length > 1 ? `${domains[0] ?? ""} + ${domains.length - 1} more...` : (domains[0] ?? "");
      for (const r of arr(vh.routes).map(obj)) rows.push([str(rc.name), str(vh.name), shown, routeMatch(obj(r.match)), istioConfig(r.metadata)]);
    }
  }
  return table(["NAME", "VHOST NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE"], rows);
}

function endpointTable(resources: unknown[], f: TableFilter): string {
  const rows: string[][] = [];
  for (const cla of resources.map(obj)) {
    const cluster = str(cla.cluster_name);
    if (f.port !== undefined && clusterParts(cluster).port !== String(f.port)) continue;
    for (const le of arr(cla.endpoints).map(obj)) {
      for (const e of arr(le.lb_endpoints).map(obj)) {
        const sa = obj(obj(obj(e.endpoint).address).socket_address);
        rows.push([`${str(sa.address)}:${str(sa.port_value)}`, str(e.health_status) || "HEALTHY", "OK", cluster]);
      }
    }
  }
  return table(["ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER"], rows);
}

function secretTable(resources: unknown[]): string {
  const rows = resources.map(obj).map((s) => [str(s.name), s.validation_context !== undefined ? "CA" : "Cert Chain", "ACTIVE"]);
  return table(["RESOURCE NAME", "TYPE", "STATUS"], rows);
}

export function renderSection(dump: EnvoyJson, section: Section, f: TableFilter): string {
  const resources = sectionResources(dump, section);
  switch (section) {
    case "cluster":
      return clusterTable(resources, f);
    case "listener":
      return listenerTable(resources, f);
    case "route":
      return routeTable(resources, f);
    case "endpoint":
      return endpointTable(resources, f);
    case "secret":
      return secretTable(resources);
    case "bootstrap":
      return JSON.stringify(resources[0] ?? {}, null, 2);
  }
}
