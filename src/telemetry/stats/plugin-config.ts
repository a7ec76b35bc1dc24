// Istio's stats filter config (type.googleapis.com/stats.PluginConfig) as the Telemetry API's
// metric overrides produce it: per metric, drop it or remove tags, and set tags from literals
// or request attributes. Compiled once per filter.
import { MizzenError } from "../../errors.js";
import { METRIC_NAMES, HTTP_LABELS, type IstioMetricName } from "../metrics/istio-metrics.js";

export const STATS_PLUGIN_TYPE = "type.googleapis.com/stats.PluginConfig";

/** A tag value: a literal, or a request attribute read at completion. */
export type TagValue = { literal: string } | { attribute: "request.host" | "request.method" | "request.path" | "request.protocol" | "response.code" } | { header: string };

export interface MetricOverride {
  drop: boolean;
  /** Indexes into HTTP_LABELS to blank (an empty label is an absent one for Prometheus). */
  removeTags: number[];
  /** Label name (standard or new) → value. */
  setTags: [string, TagValue][];
}

export interface CompiledPluginConfig {
  /** Per full metric name; absent = defaults. */
  readonly overrides: ReadonlyMap<string, MetricOverride>;
}

function bad(field: string, why: string): MizzenError {
  return new MizzenError("MIZZEN_ERR_XDS_INVALID", `${field}: ${why}`);
}

/** A CEL-ish tag expression: 'literal' / "literal", request.host, request.headers['x'] … */
export function compileTagValue(expr: string, field: string): TagValue {
  const e = expr.trim();
  const lit = /^'([^']*)'$|^"([^"]*)"$/.exec(e);
  if (lit) return { literal: lit[1] ?? lit[2] ?? "" };
  const hdr = /^request\.headers\[['"]([^'"]+)['"]\]$/.exec(e);
  if (hdr) return { header: (hdr[1] as string).toLowerCase() };
  if (e === "request.host" || e === "request.method" || e === "request.path" || e === "request.protocol" || e === "response.code") return { attribute: e };
  throw bad(field, `unsupported tag expression ${JSON.stringify(expr)} (use a quoted literal, request.host|method|path|protocol, response.code or request.headers['name'])`);
}

function fullName(name: string, field: string): string[] {
  if (name === "" || name === "ALL_METRICS") return Object.values(METRIC_NAMES);
  const n = METRIC_NAMES[name as IstioMetricName] ?? (Object.values(METRIC_NAMES) as string[]).find((m) => m === name || m === `istio_${name}`);
  if (n === undefined) throw bad(field, `unknown metric ${JSON.stringify(name)}`);
  return [n];
}

export function compilePluginConfig(c: Record<string, unknown>): CompiledPluginConfig {
  const overrides = new Map<string, MetricOverride>();
  const list = c["metrics"];
  if (list !== undefined && !Array.isArray(list)) throw bad("metrics", "must be a list");
  (list ?? []).forEach((m: unknown, i: number) => {
    const field = `metrics[${i}]`;
    if (m === null || typeof m !== "object") throw bad(field, "must be an object");
    const mo = m as Record<string, unknown>;
    for (const name of fullName(typeof mo["name"] === "string" ? mo["name"] : "", `${field}.name`)) {
      const o = overrides.get(name) ?? { drop: false, removeTags: [], setTags: [] };
      if (mo["drop"] === true) o.drop = true;
      const rm = mo["tags_to_remove"];
      if (Array.isArray(rm)) for (const t of rm) {
        const idx = HTTP_LABELS.indexOf(String(t));
        if (idx >= 0) o.removeTags.push(idx);
      }
      const dims = mo["dimensions"];
      if (dims !== undefined && dims !== null && typeof dims === "object") {
        for (const [k, v] of Object.entries(dims)) {
          if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) || k.startsWith("__") || k === "le") throw bad(`${field}.dimensions.${k}`, "is not a valid Prometheus label name");
          o.setTags.push([k, compileTagValue(String(v), `${field}.dimensions.${k}`)]);
        }
      }
      overrides.set(name, o);
    }
  });
  return { overrides };
}
