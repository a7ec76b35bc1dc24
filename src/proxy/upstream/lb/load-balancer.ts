// The load balancer interface and the registry of policies keyed by Envoy's lb_policy name.
// A balancer is rebuilt from a host set on every membership/health change (rare) so that a pick
// (frequent) does no filtering and no allocation.
import type { LbContext, UpstreamHost } from "../../contracts.js";
import { isAvailable } from "../host.js";

export interface LoadBalancer {
  /** Rebuilds from a host set: in panic every host is a candidate, otherwise only available ones. */
  update(hosts: readonly UpstreamHost[], panic: boolean): void;
  /**
   * One pick (Envoy's chooseHostOnce); null when there is no candidate. `attempt` counts host
   * reselections for a retry host predicate: hash balancers move away from the hashed entry;
   * the others just pick again. The predicate itself is applied by Cluster.pickHost.
   */
  pick(ctx: LbContext | undefined, attempt?: number): UpstreamHost | null;
  /** Number of candidates after the last update. */
  readonly size: number;
}

export interface LbConfig {
  /** LEAST_REQUEST: hosts sampled per pick (choice_count, default 2). */
  readonly choiceCount: number;
  /** LEAST_REQUEST: weight = weight / (active + 1) ^ bias (active_request_bias, default 1). */
  readonly activeRequestBias: number;
  /** RING_HASH ring_hash_lb_config. */
  readonly minRingSize: number;
  readonly maxRingSize: number;
}

export const DEFAULT_LB_CONFIG: LbConfig = {
  choiceCount: 2,
  activeRequestBias: 1,
  minRingSize: 1024,
  maxRingSize: 8 * 1024 * 1024,
};

export type LbPolicy = "ROUND_ROBIN" | "LEAST_REQUEST" | "RANDOM" | "RING_HASH" | "MAGLEV";

export type LbFactory = (config: LbConfig) => LoadBalancer;

const registry = new Map<string, LbFactory>();

export function registerLoadBalancer(policy: string, factory: LbFactory): void {
  registry.set(policy, factory);
}

export function loadBalancerFactory(policy: string): LbFactory | undefined {
  return registry.get(policy);
}

export function registeredPolicies(): string[] {
  return [...registry.keys()];
}

/** The hosts a balancer may choose from. */
export function candidates(hosts: readonly UpstreamHost[], panic: boolean): UpstreamHost[] {
  return panic ? hosts.slice() : hosts.filter(isAvailable);
}

/** Weights as Envoy sees them: at least 1. */
export function weightOf(h: UpstreamHost): number {
  return h.weight > 0 ? h.weight : 1;
}
