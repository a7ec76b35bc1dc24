// Serves pilot's translation through the ADS server's generator callback: each proxy's resources
// are generated once per PushContext and encoded for xDS, then filtered per subscription.
import type { ProxyInfo, ResourceGenerator, Subscription, XdsResource } from "../xds/index.js";
import { matchesSubscription } from "../xds/index.js";
import { generateProxyResources } from "./generate.js";
import { parseNodeId, proxyFromNode } from "./proxy.js";
import type { PushContext } from "./push-context.js";
import { EncodeCache, toXdsResources } from "./xds-resources.js";

interface Entry {
  readonly push: PushContext;
  readonly byType: Record<string, XdsResource[]>;
}

export class PilotXdsGenerator {
  private readonly cache = new Map<string, Entry>();
  private encoded: { push: PushContext; cache: EncodeCache } | undefined;

  /** `currentPush` returns the latest PushContext; a new one regenerates every proxy on demand. */
  constructor(private readonly currentPush: () => PushContext) {}

  readonly generate: ResourceGenerator = (info: ProxyInfo, typeUrl: string, sub: Subscription): readonly XdsResource[] => {
    const all = this.resourcesFor(info)[typeUrl] ?? [];
    return all.filter((r) => matchesSubscription(sub, r.name));
  };

  /** Every resource of a proxy per type URL (throws MIZZEN_ERR_PILOT_BAD_NODE_ID for a non-Istio node id). */
  resourcesFor(info: ProxyInfo): Record<string, XdsResource[]> {
    const push = this.currentPush();
    const cached = this.cache.get(info.id);
    if (cached && cached.push === push) return cached.byType;
    const ip = parseNodeId(info.id).ip;
    const node = info.node as { metadata?: Record<string, unknown>; locality?: Record<string, unknown> };
    const nodeInput: { id: string; metadata?: Record<string, unknown>; locality?: Record<string, unknown> } = { id: info.id };
    if (node.metadata) nodeInput.metadata = node.metadata;
    if (node.locality) nodeInput.locality = node.locality;
    const proxy = proxyFromNode(nodeInput, push.registry.workloadByAddress(ip));
    if (this.encoded?.push !== push) this.encoded = { push, cache: new EncodeCache() };
    const byType = toXdsResources(generateProxyResources(proxy, push), this.encoded.cache);
    this.cache.set(info.id, { push, byType });
    return byType;
  }

  /** Drops a disconnected proxy's cached resources. */
  forget(proxyId: string): void {
    this.cache.delete(proxyId);
  }
}
