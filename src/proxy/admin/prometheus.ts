// Prometheus text format for whatever counters and gauges exist (Envoy's /stats/prometheus naming:
// "envoy_" prefix, dots to underscores, cluster names as the envoy_cluster_name label).
export interface StatSample {
  readonly name: string;
  readonly value: number;
  readonly type: "counter" | "gauge";
  /** Set for per-cluster stats: the stat name below "cluster.<name>.". */
  readonly cluster?: string;
}

function sanitize(s: string): string {
  return s.replace(/[^a-zA-Z0-9_]/g, "_");
}

function labelValue(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function formatPrometheus(samples: readonly StatSample[]): string {
  const families = new Map<string, { type: string; lines: string[] }>();
  for (const s of samples) {
    const metric = s.cluster !== undefined ? `envoy_cluster_${sanitize(s.name)}` : `envoy_${sanitize(s.name)}`;
    let fam = families.get(metric);
    if (!fam) families.set(metric, (fam = { type: s.type, lines: [] }));
    const labels = s.cluster !== undefined ? `{envoy_cluster_name="${labelValue(s.cluster)}"}` : "";
    fam.lines.push(`${metric}${labels} ${s.value}`);
  }
  const out: string[] = [];
  // Code-unit order: localeCompare would load ICU data (~3 MB) into the proxy on the first scrape.
  for (const [name, fam] of [...families].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(`# TYPE ${name} ${fam.type}`, ...fam.lines);
  }
  return out.join("\n") + "\n";
}
