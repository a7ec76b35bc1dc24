// PeerAuthentication → the mTLS mode an inbound port accepts. Istio's layering: the workload's
// policy (port level, then its own mtls), then the namespace policy, then the mesh policy (root
// namespace, no selector), then PERMISSIVE; UNSET at any level inherits the level above. With
// several candidates at one level the oldest wins (creationTimestamp, then name), as in Istio.
import type { PeerAuthentication } from "../../config/kinds/security/peer-authentication.js";
import type { SecurityWorkload } from "./policy-selection.js";

export type EffectiveMtlsMode = "STRICT" | "PERMISSIVE" | "DISABLE";

function oldest(list: readonly PeerAuthentication[]): PeerAuthentication | undefined {
  return [...list].sort((a, b) =>
    (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || a.metadata.name.localeCompare(b.metadata.name))[0];
}

function selects(p: PeerAuthentication, w: SecurityWorkload): boolean {
  const sel = p.spec.selector?.matchLabels;
  if (sel === undefined || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => w.labels[k] === v);
}

function mode(m: string | undefined): EffectiveMtlsMode | undefined {
  return m === "STRICT" || m === "PERMISSIVE" || m === "DISABLE" ? m : undefined;
}

const noSelector = (p: PeerAuthentication): boolean => Object.keys(p.spec.selector?.matchLabels ?? {}).length === 0;

/**
 * The effective mode for `port` (the workload's target port) of `workload`, from all
 * PeerAuthentication resources in the mesh. Pure; for the inbound listener generator.
 */
export function effectiveMtlsMode(workload: SecurityWorkload, port: number, policies: readonly PeerAuthentication[], rootNamespace: string): EffectiveMtlsMode {
  const ns = (p: PeerAuthentication): string => p.metadata.namespace ?? "default";
  const wl = oldest(policies.filter((p) => ns(p) === workload.namespace && selects(p, workload)));
  const nsPolicy = oldest(policies.filter((p) => ns(p) === workload.namespace && noSelector(p)));
  const mesh = oldest(policies.filter((p) => ns(p) === rootNamespace && noSelector(p)));
  return mode(wl?.spec.portLevelMtls?.[String(port)]?.mode)
    ?? mode(wl?.spec.mtls?.mode)
    ?? mode(nsPolicy?.spec.mtls?.mode)
    ?? mode(mesh?.spec.mtls?.mode)
    ?? "PERMISSIVE";
}
