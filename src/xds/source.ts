// Where the ADS server gets resources: a per-proxy snapshot cache, or a generator callback.
import type { XdsResource } from "./resource.js";

/** What a stream is subscribed to for one type. */
export interface Subscription {
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
}

/** The proxy on the other end of a stream, from its first request's node. */
export interface ProxyInfo {
  readonly id: string;
  readonly cluster: string;
  /** The node in Envoy JSON (metadata, locality, user_agent_name …). */
  readonly node: Record<string, unknown>;
}

/**
 * Produces the resources of a type for a proxy. Return every resource that matches the
 * subscription (all of them for a wildcard one); the server diffs and versions them.
 */
export type ResourceGenerator = (proxy: ProxyInfo, typeUrl: string, subscription: Subscription) => readonly XdsResource[] | Promise<readonly XdsResource[]>;

export function matchesSubscription(sub: Subscription, name: string): boolean {
  return sub.wildcard || sub.names.has(name);
}

/**
 * Resources per proxy id (with an optional default for proxies without their own), per type.
 * `onChange` is set by the server so setting a snapshot pushes to the affected proxies.
 */
export class SnapshotCache {
  private readonly snapshots = new Map<string, ReadonlyMap<string, readonly XdsResource[]>>();
  private fallback: ReadonlyMap<string, readonly XdsResource[]> | undefined;
  onChange: ((proxyIds: readonly string[] | undefined) => void) | undefined;

  /** Sets a proxy's snapshot: type URL → its resources. */
  set(proxyId: string, byType: Readonly<Record<string, readonly XdsResource[]>>): void {
    this.snapshots.set(proxyId, new Map(Object.entries(byType)));
    this.onChange?.([proxyId]);
  }

  /** Sets the snapshot served to proxies that have none of their own. */
  setDefault(byType: Readonly<Record<string, readonly XdsResource[]>>): void {
    this.fallback = new Map(Object.entries(byType));
    this.onChange?.(undefined);
  }

  delete(proxyId: string): void {
    this.snapshots.delete(proxyId);
    this.onChange?.([proxyId]);
  }

  readonly generator: ResourceGenerator = (proxy, typeUrl, sub) => {
    const snap = this.snapshots.get(proxy.id) ?? this.fallback;
    return (snap?.get(typeUrl) ?? []).filter((r) => matchesSubscription(sub, r.name));
  };
}
