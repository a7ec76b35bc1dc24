// A raw ADS client for load: one SotW stream, every type subscribed as wildcard, each response
// ACKed at once without decoding its resources. Records when each type first arrived and when the
// latest response of each type was ACKed.
import * as grpc from "@grpc/grpc-js";
import { SOTW_METHOD_PATH, discoveryRequestCodec, discoveryResponseCodec, type DiscoveryRequest, type DiscoveryResponse } from "../../src/api/envoy/discovery.js";
import { fromEnvoyJson } from "../../src/api/envoy/from-envoy-json.js";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../../src/api/envoy/type-urls.js";

export const LOAD_TYPES = [CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL];

export class LoadAdsClient {
  readonly firstAt = new Map<string, number>();
  readonly lastAckAt = new Map<string, number>();
  readonly responses = new Map<string, number>();
  bytes = 0;
  private call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | undefined;

  constructor(private readonly client: grpc.Client, private readonly nodeId: string, private readonly metadata: Record<string, string>) {}

  start(): void {
    const call = this.client.makeBidiStreamRequest(SOTW_METHOD_PATH, discoveryRequestCodec.serialize, discoveryResponseCodec.deserialize);
    this.call = call;
    call.on("data", (res: DiscoveryResponse) => this.onResponse(res));
    call.on("error", () => undefined);
    const node = fromEnvoyJson("envoy.config.core.v3.Node", { id: this.nodeId, cluster: "bench", metadata: this.metadata });
    LOAD_TYPES.forEach((t, i) => call.write({ type_url: t, resource_names: [], ...(i === 0 ? { node } : {}) }));
  }

  private onResponse(res: DiscoveryResponse): void {
    const t = res.type_url ?? "";
    const now = performance.now();
    if (!this.firstAt.has(t)) this.firstAt.set(t, now);
    this.responses.set(t, (this.responses.get(t) ?? 0) + 1);
    for (const r of res.resources ?? []) this.bytes += r.value.length;
    this.call?.write({ type_url: t, version_info: res.version_info ?? "", response_nonce: res.nonce ?? "", resource_names: [] });
    this.lastAckAt.set(t, performance.now());
  }

  synced(): boolean {
    return LOAD_TYPES.every((t) => this.firstAt.has(t));
  }

  stop(): void {
    this.call?.cancel();
  }
}
