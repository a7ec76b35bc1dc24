// Names a proxy must subscribe to over ADS, found in accepted resources: RDS route configs named by
// connection managers, SDS secrets named by TLS contexts, EDS assignments named by EDS clusters.
import type { EnvoyJson } from "../contracts.js";
import { isObject } from "../listener/envoy-fields.js";

function walk(v: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(v)) {
    for (const x of v) walk(x, visit);
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      visit(k, x);
      walk(x, visit);
    }
  }
}

export function rdsNames(resources: Iterable<EnvoyJson>): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    walk(r, (k, v) => {
      if (k === "rds" && isObject(v) && typeof v.route_config_name === "string") out.add(v.route_config_name);
    });
  }
  return out;
}

export function sdsNames(resources: Iterable<EnvoyJson>): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown): void => {
    if (isObject(v) && typeof v.name === "string") out.add(v.name);
  };
  for (const r of resources) {
    walk(r, (k, v) => {
      if (k === "tls_certificate_sds_secret_configs" && Array.isArray(v)) v.forEach(add);
      if (k === "validation_context_sds_secret_config") add(v);
    });
  }
  return out;
}

export function edsNames(clusters: Iterable<EnvoyJson>): Set<string> {
  const out = new Set<string>();
  for (const c of clusters) {
    if (c.type !== "EDS") continue;
    const cfg = isObject(c.eds_cluster_config) ? c.eds_cluster_config : {};
    out.add(typeof cfg.service_name === "string" && cfg.service_name !== "" ? cfg.service_name : String(c.name));
  }
  return out;
}
