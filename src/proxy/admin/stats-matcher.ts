// The bootstrap's stats_config.stats_matcher (envoy.config.metrics.v3.StatsMatcher): which stats
// the proxy keeps. Envoy does not create excluded stats at all; here every stats output (admin
// /stats and /stats/prometheus, the merged 15020 endpoint) leaves them out, which is what a reader
// of those outputs sees either way. Names are Envoy's full stat names ("cluster.<name>.upstream_rq_retry").
import type { EnvoyJson } from "../contracts.js";
import { invalid, isObject, optBool, optObject, optObjects } from "../listener/envoy-fields.js";
import { compileStringMatcher, type StringMatch } from "../tls/data-source.js";

export type StatsFilter = (statName: string) => boolean;

function patterns(list: EnvoyJson, field: string): StringMatch[] {
  return optObjects(list, "patterns", field).map((p, i) => compileStringMatcher(p, `${field}.patterns[${i}]`));
}

/** The filter a bootstrap asks for; null when it keeps every stat (no stats_matcher). */
export function compileStatsMatcher(bootstrap: EnvoyJson): StatsFilter | null {
  const field = "bootstrap.stats_config.stats_matcher";
  const sc = optObject(bootstrap, "stats_config", "bootstrap");
  const m = sc === undefined ? undefined : optObject(sc, "stats_matcher", "bootstrap.stats_config");
  if (m === undefined) return null;
  const set = [m["reject_all"] !== undefined, isObject(m["exclusion_list"]), isObject(m["inclusion_list"])].filter(Boolean).length;
  if (set > 1) throw invalid(field, "needs one of reject_all, exclusion_list, inclusion_list");
  if (optBool(m, "reject_all", field) === true) return () => false;
  const exclusion = optObject(m, "exclusion_list", field);
  if (exclusion !== undefined) {
    const ps = patterns(exclusion, `${field}.exclusion_list`);
    return (name) => !ps.some((p) => p(name));
  }
  const inclusion = optObject(m, "inclusion_list", field);
  if (inclusion !== undefined) {
    const ps = patterns(inclusion, `${field}.inclusion_list`);
    return (name) => ps.some((p) => p(name));
  }
  return null;
}
