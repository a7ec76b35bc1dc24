// The effective Telemetry for one proxy: the Telemetry resources that apply to its workload
// (mesh = root namespace without selector, then its namespace without selector, then a
// selector or targetRef match), merged with Istio's precedence — a more specific scope
// replaces a less specific one field by field (providers, sampling, filter, disabled), custom
// tags merge by key and metric overrides accumulate — with MeshConfig's defaultProviders
// underneath. Within one scope the oldest resource wins, as in Istio.
import type { Telemetry, Tracing, AccessLogging, MetricsOverrides, CustomTag } from "../../config/kinds/telemetry/index.js";
import { policyApplies, type SecurityWorkload } from "../security/policy-selection.js";

export type TelemetryMode = "CLIENT" | "SERVER";

export interface EffectiveTracing {
  providers: string[];
  /** Percent, 0..100; undefined = MeshConfig default (defaultConfig.tracing.sampling). */
  randomSamplingPercentage: number | undefined;
  disableSpanReporting: boolean;
  customTags: Record<string, CustomTag>;
}

export interface EffectiveAccessLogging {
  providers: string[];
  disabled: boolean;
  filter: string | undefined;
}

export interface EffectiveMetrics {
  providers: string[];
  overrides: MetricsOverrides[];
}

export interface EffectiveTelemetry {
  tracing: Record<TelemetryMode, EffectiveTracing>;
  accessLogging: Record<TelemetryMode, EffectiveAccessLogging>;
  metrics: Record<TelemetryMode, EffectiveMetrics>;
}

export interface DefaultProviders {
  tracing?: string[] | undefined;
  metrics?: string[] | undefined;
  accessLogging?: string[] | undefined;
}

function age(t: Telemetry): string {
  return `${t.metadata.creationTimestamp ?? ""}\u0000${t.metadata.namespace ?? ""}/${t.metadata.name}`;
}

function hasTarget(t: Telemetry): boolean {
  const s = t.spec;
  return s.selector !== undefined || s.targetRef !== undefined || (s.targetRefs?.length ?? 0) > 0;
}

/** The applicable resources, least specific first: [mesh, namespace, workload], each possibly absent. */
export function applicableTelemetry(all: readonly Telemetry[], w: SecurityWorkload, rootNamespace: string): Telemetry[] {
  const pick = (pred: (t: Telemetry) => boolean): Telemetry | undefined => all.filter(pred).sort((a, b) => (age(a) < age(b) ? -1 : 1))[0];
  const ns = (t: Telemetry): string => t.metadata.namespace ?? "default";
  const mesh = pick((t) => ns(t) === rootNamespace && !hasTarget(t));
  const namespace = w.namespace === rootNamespace ? undefined : pick((t) => ns(t) === w.namespace && !hasTarget(t));
  const workload = pick((t) => hasTarget(t) && policyApplies(t.spec, ns(t), w, rootNamespace));
  return [mesh, namespace, workload].filter((t): t is Telemetry => t !== undefined);
}

function modeMatches(m: { mode?: string | undefined } | undefined, mode: TelemetryMode): boolean {
  const want = m?.mode ?? "CLIENT_AND_SERVER";
  return want === "CLIENT_AND_SERVER" || want === mode;
}

function names(p: { name: string }[] | undefined): string[] | undefined {
  return p === undefined || p.length === 0 ? undefined : p.map((x) => x.name);
}

export function effectiveTelemetry(all: readonly Telemetry[], w: SecurityWorkload, rootNamespace: string, defaults: DefaultProviders = {}): EffectiveTelemetry {
  const chain = applicableTelemetry(all, w, rootNamespace);
  const out = {} as EffectiveTelemetry;
  out.tracing = {} as EffectiveTelemetry["tracing"];
  out.accessLogging = {} as EffectiveTelemetry["accessLogging"];
  out.metrics = {} as EffectiveTelemetry["metrics"];
  for (const mode of ["CLIENT", "SERVER"] as const) {
    const tr: EffectiveTracing = { providers: [...(defaults.tracing ?? [])], randomSamplingPercentage: undefined, disableSpanReporting: false, customTags: {} };
    const al: EffectiveAccessLogging = { providers: [...(defaults.accessLogging ?? [])], disabled: false, filter: undefined };
    const me: EffectiveMetrics = { providers: [...(defaults.metrics ?? ["prometheus"])], overrides: [] };
    for (const t of chain) {
      for (const x of (t.spec.tracing ?? []).filter((x: Tracing) => modeMatches(x.match, mode))) {
        tr.providers = names(x.providers) ?? tr.providers;
        if (x.randomSamplingPercentage !== undefined) tr.randomSamplingPercentage = Number(x.randomSamplingPercentage);
        if (x.disableSpanReporting !== undefined) tr.disableSpanReporting = x.disableSpanReporting === true;
        Object.assign(tr.customTags, x.customTags ?? {});
      }
      for (const x of (t.spec.accessLogging ?? []).filter((x: AccessLogging) => modeMatches(x.match, mode))) {
        al.providers = names(x.providers) ?? al.providers;
        if (x.disabled !== undefined) al.disabled = x.disabled === true;
        if (x.filter !== undefined) al.filter = x.filter.expression;
      }
      for (const x of t.spec.metrics ?? []) {
        me.providers = names(x.providers) ?? me.providers;
        for (const o of x.overrides ?? []) if (modeMatches(o.match, mode)) me.overrides.push(o);
      }
    }
    out.tracing[mode] = tr;
    out.accessLogging[mode] = al;
    out.metrics[mode] = me;
  }
  return out;
}
