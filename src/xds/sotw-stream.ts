// State-of-the-world ADS (StreamAggregatedResources) for one connected proxy, per the xDS protocol:
// wildcard or named subscriptions, ACK/NACK by nonce, stale nonces ignored, full re-sends.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { DiscoveryRequest, DiscoveryResponse } from "../api/envoy/discovery.js";
import { AdsStreamBase, type StreamHost } from "./stream-base.js";
import { setVersion } from "./resource.js";
import type { Subscription } from "./source.js";

interface SotwTypeState {
  sub: Subscription;
  /** Once a client names resources, an empty list means "none", no longer wildcard. */
  everNamed: boolean;
}

export class SotwStream extends AdsStreamBase {
  readonly protocol = "SotW" as const;
  private readonly types = new Map<string, SotwTypeState>();

  constructor(host: StreamHost, private readonly call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) {
    super(host);
    this.bindCall(call, (req: DiscoveryRequest) => this.onRequest(req));
  }

  subscribedTypes(): string[] {
    return [...this.types.keys()];
  }

  private async onRequest(req: DiscoveryRequest): Promise<void> {
    this.identify(req.node);
    const typeUrl = req.type_url ?? "";
    if (typeUrl === "") return;
    const nonce = req.response_nonce ?? "";
    const tracking = this.track(typeUrl);
    // A nonce this stream never sent (e.g. from before a reconnect) on a type not yet answered is
    // treated as a fresh subscription; otherwise a non-current nonce is stale and ignored.
    const fresh = tracking.sentNonce === "";
    if (nonce !== "" && !fresh) {
      if (!tracking.isCurrent(nonce)) return; // stale: a newer response is on its way
      const detail = req.error_detail;
      if (detail && (detail.code || detail.message)) tracking.recordNack(nonce, detail.message ?? "");
      else tracking.recordAck(nonce, req.version_info ?? "");
    }
    const names = req.resource_names ?? [];
    const prev = this.types.get(typeUrl);
    const everNamed = (prev?.everNamed ?? false) || names.some((n) => n !== "*");
    const wildcard = names.includes("*") || (names.length === 0 && !everNamed);
    const sub: Subscription = { wildcard, names: new Set(names.filter((n) => n !== "*")) };
    const changed = !prev || prev.sub.wildcard !== wildcard || !sameSet(prev.sub.names, sub.names);
    this.types.set(typeUrl, { sub, everNamed });
    // A request without a nonce is a (re)subscription and always gets an answer, as does a changed one.
    if (nonce === "" || fresh || changed) await this.refresh(typeUrl, true);
  }

  protected async refresh(typeUrl: string, force: boolean): Promise<void> {
    const state = this.types.get(typeUrl);
    if (!state || this.closed) return;
    const resources = await this.generate(typeUrl, state.sub);
    const tracking = this.track(typeUrl);
    const version = setVersion(resources);
    if (!force && tracking.sentNonce !== "" && version === tracking.sentVersion) return;
    const nonce = this.newNonce();
    tracking.recordSent(version, nonce);
    this.call.write({ version_info: version, type_url: typeUrl, nonce, resources: resources.map((r) => r.any) });
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
