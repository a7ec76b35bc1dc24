// Incremental ADS (DeltaAggregatedResources) for one connected proxy: subscribe/unsubscribe,
// initial_resource_versions on reconnect, only changed resources sent, removals named.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from "../api/envoy/discovery.js";
import { AdsStreamBase, type StreamHost } from "./stream-base.js";
import { setVersion } from "./resource.js";
import type { Subscription } from "./source.js";

interface DeltaTypeState {
  wildcard: boolean;
  names: Set<string>;
  /** What the client holds: name → version (from initial_resource_versions, then what we sent). */
  clientVersions: Map<string, string>;
}

export class DeltaStream extends AdsStreamBase {
  readonly protocol = "delta" as const;
  private readonly types = new Map<string, DeltaTypeState>();

  constructor(host: StreamHost, private readonly call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) {
    super(host);
    this.bindCall(call, (req: DeltaDiscoveryRequest) => this.onRequest(req));
  }

  subscribedTypes(): string[] {
    return [...this.types.keys()];
  }

  private async onRequest(req: DeltaDiscoveryRequest): Promise<void> {
    this.identify(req.node);
    const typeUrl = req.type_url ?? "";
    if (typeUrl === "") return;
    const tracking = this.track(typeUrl);
    const nonce = req.response_nonce ?? "";
    if (nonce !== "" && tracking.isCurrent(nonce)) {
      const detail = req.error_detail;
      if (detail && (detail.code || detail.message)) tracking.recordNack(nonce, detail.message ?? "");
      else tracking.recordAck(nonce, "");
    }
    const subscribe = req.resource_names_subscribe ?? [];
    const unsubscribe = req.resource_names_unsubscribe ?? [];
    let state = this.types.get(typeUrl);
    const first = !state;
    if (!state) {
      // The first request of a type with no names is a wildcard subscription (legacy form).
      state = { wildcard: subscribe.length === 0, names: new Set(), clientVersions: new Map(Object.entries(req.initial_resource_versions ?? {})) };
      this.types.set(typeUrl, state);
    }
    let changed = first;
    for (const n of subscribe) {
      if (n === "*") {
        changed = changed || !state.wildcard;
        state.wildcard = true;
      } else if (!state.names.has(n)) {
        state.names.add(n);
        // A (re)subscribed name is sent even if the client claims it, as the spec asks.
        state.clientVersions.delete(n);
        changed = true;
      }
    }
    for (const n of unsubscribe) {
      if (n === "*") {
        changed = changed || state.wildcard;
        state.wildcard = false;
      } else if (state.names.delete(n)) changed = true;
      if (n !== "*") state.clientVersions.delete(n);
    }
    if (changed) await this.refresh(typeUrl, first);
  }

  protected async refresh(typeUrl: string, force: boolean): Promise<void> {
    const state = this.types.get(typeUrl);
    if (!state || this.closed) return;
    const sub: Subscription = { wildcard: state.wildcard, names: state.names };
    const resources = await this.generate(typeUrl, sub);
    const present = new Set(resources.map((r) => r.name));
    const changedResources = resources.filter((r) => state.clientVersions.get(r.name) !== r.version);
    const removed = [...state.clientVersions.keys()].filter((n) => !present.has(n));
    if (!force && changedResources.length === 0 && removed.length === 0) return;
    for (const r of changedResources) state.clientVersions.set(r.name, r.version);
    for (const n of removed) state.clientVersions.delete(n);
    const tracking = this.track(typeUrl);
    const nonce = this.newNonce();
    const version = setVersion(resources);
    tracking.recordSent(version, nonce);
    this.call.write({
      system_version_info: version,
      type_url: typeUrl,
      nonce,
      resources: changedResources.map((r) => ({ name: r.name, version: r.version, resource: r.any })),
      removed_resources: removed,
    });
  }
}
