// The proxy's ADS client over @grpc/grpc-js: state-of-the-world or delta, CDS/LDS wildcard,
// EDS/RDS/SDS by the names the caller sets, ACK/NACK per response, reconnect with back-off.
import * as grpc from "@grpc/grpc-js";
import {
  DELTA_METHOD_PATH, SOTW_METHOD_PATH, type AnyMessage, deltaRequestCodec, deltaResponseCodec, discoveryRequestCodec, discoveryResponseCodec,
  type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type DiscoveryRequest, type DiscoveryResponse,
} from "../../api/envoy/discovery.js";
import { fromEnvoyJson } from "../../api/envoy/from-envoy-json.js";
import { CDS_TYPE_URL, LDS_TYPE_URL, XDS_FULL_STATE_TYPES, XDS_PUSH_ORDER, shortTypeName } from "../../api/envoy/type-urls.js";
import { errorMessage } from "../../errors.js";
import type { EnvoyJson } from "../contracts.js";
import { decodeForeignResource, decodeResource as decodeEnvoyResource, nackMessage, type DecodeResult, type DecodedResource, type ResourceError } from "./ads-decode.js";
import { Backoff, ClientTypeState, type ClientTypeSnapshot } from "./ads-client-state.js";

export type { DecodedResource, ResourceError } from "./ads-decode.js";

/** Applies a batch of one type; returns the resources it rejected (the others stay applied). */
export type ResourceApplier = (typeUrl: string, resources: DecodedResource[], removed: string[]) => ResourceError[] | Promise<ResourceError[]>;

export interface AdsClientOptions {
  /** host:port of the ADS server. */
  readonly address: string;
  /** The node in Envoy JSON (id, cluster, metadata, locality). */
  readonly node: EnvoyJson;
  readonly delta?: boolean;
  /** Plaintext when omitted. */
  readonly credentials?: grpc.ChannelCredentials;
  readonly applier: ResourceApplier;
  /** Non-Envoy types to subscribe to (wildcard), each with its decoder to JSON (Istio's NDS). */
  readonly extraTypes?: Readonly<Record<string, (value: Uint8Array) => EnvoyJson>>;
  readonly backoff?: { initialMs?: number; maxMs?: number };
  readonly log?: (message: string) => void;
}

type AnyCall = grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

const INVALID_ARGUMENT = 3;

export class AdsClient {
  private readonly types = new Map<string, ClientTypeState>([
    [CDS_TYPE_URL, new ClientTypeState(true)],
    [LDS_TYPE_URL, new ClientTypeState(true)],
  ]);
  private readonly node: unknown;
  private readonly backoff: Backoff;
  private readonly log: (message: string) => void;
  private client: grpc.Client | undefined;
  private call: AnyCall | undefined;
  private nodeSent = false;
  private stopped = true;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** Requests/responses on the current stream, for admin. */
  connected = false;
  streamsOpened = 0;

  constructor(private readonly options: AdsClientOptions) {
    this.node = fromEnvoyJson("envoy.config.core.v3.Node", options.node);
    this.backoff = new Backoff(options.backoff?.initialMs ?? 500, options.backoff?.maxMs ?? 30_000);
    this.log = options.log ?? ((): void => undefined);
    for (const typeUrl of Object.keys(options.extraTypes ?? {})) this.types.set(typeUrl, new ClientTypeState(true));
  }

  get delta(): boolean {
    return this.options.delta === true;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.client = new grpc.Client(this.options.address, this.options.credentials ?? grpc.credentials.createInsecure());
    this.openStream();
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.call?.cancel();
    this.call = undefined;
    this.connected = false;
    this.client?.close();
    this.client = undefined;
  }

  /** Sets the resource names of a non-wildcard type (EDS cluster names, RDS route names, SDS secrets). */
  setResourceNames(typeUrl: string, names: Iterable<string>): void {
    let state = this.types.get(typeUrl);
    if (!state) {
      state = new ClientTypeState(false);
      this.types.set(typeUrl, state);
    }
    const next = new Set(names);
    const added = [...next].filter((n) => !state.names.has(n));
    const dropped = [...state.names].filter((n) => !next.has(n));
    if (added.length === 0 && dropped.length === 0) return;
    const hadRequest = state.wantsRequest;
    state.names = next;
    for (const n of dropped) {
      state.resources.delete(n);
      state.accepted.delete(n);
    }
    if (!this.call) return;
    if (this.delta) {
      this.send({ type_url: typeUrl, resource_names_subscribe: added, resource_names_unsubscribe: dropped });
    } else if (state.wantsRequest || hadRequest) {
      this.send({ type_url: typeUrl, version_info: state.version, response_nonce: state.nonce, resource_names: [...next] });
    }
  }

  /** Per type URL: accepted version, resources, last update and last error. */
  state(): Record<string, ClientTypeSnapshot & { type: string }> {
    const out: Record<string, ClientTypeSnapshot & { type: string }> = {};
    for (const [url, s] of this.types) out[url] = { type: shortTypeName(url), ...s.snapshot() };
    return out;
  }

  /** The accepted resources of a type in Envoy JSON (what /config_dump shows as dynamic resources). */
  acceptedResources(typeUrl: string): { name: string; version: string; resource: EnvoyJson; lastUpdated: string }[] {
    const state = this.types.get(typeUrl);
    if (!state) return [];
    return [...state.accepted].map(([name, a]) => ({ name, version: a.version, resource: a.resource, lastUpdated: a.updatedAt.toISOString() }));
  }

  /** Resolves when every response received so far has been applied and answered. */
  settled(): Promise<void> {
    return this.queue;
  }

  private openStream(): void {
    if (this.stopped || !this.client) return;
    this.nodeSent = false;
    this.streamsOpened += 1;
    const call: AnyCall = this.delta
      ? this.client.makeBidiStreamRequest(DELTA_METHOD_PATH, deltaRequestCodec.serialize, deltaResponseCodec.deserialize)
      : this.client.makeBidiStreamRequest(SOTW_METHOD_PATH, discoveryRequestCodec.serialize, discoveryResponseCodec.deserialize);
    this.call = call;
    call.on("data", (res: DiscoveryResponse | DeltaDiscoveryResponse) => {
      this.connected = true;
      this.backoff.reset();
      this.queue = this.queue.then(() => this.onResponse(call, res)).catch((e: unknown) => this.log(`ADS: ${errorMessage(e)}`));
    });
    call.on("error", (e: Error) => this.onStreamDown(call, e.message));
    call.on("end", () => this.onStreamDown(call, "stream ended by the server"));
    // Resubscribe in Envoy's order with what we already hold, so the server sends only news.
    for (const typeUrl of XDS_PUSH_ORDER.filter((t) => this.types.has(t)).concat([...this.types.keys()].filter((t) => !XDS_PUSH_ORDER.includes(t)))) {
      const state = this.types.get(typeUrl);
      if (!state?.wantsRequest) continue;
      if (this.delta) {
        this.send({
          type_url: typeUrl,
          resource_names_subscribe: state.wildcard ? [] : [...state.names],
          initial_resource_versions: Object.fromEntries(state.resources),
        });
      } else {
        this.send({ type_url: typeUrl, version_info: state.version, resource_names: state.wildcard ? [] : [...state.names] });
      }
    }
  }

  private onStreamDown(call: AnyCall, reason: string): void {
    if (call !== this.call) return;
    this.call = undefined;
    this.connected = false;
    if (this.stopped) return;
    for (const s of this.types.values()) s.nonce = "";
    const delay = this.backoff.next();
    this.log(`ADS stream to ${this.options.address} closed (${reason}); reconnecting in ${delay}ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.openStream();
    }, delay);
  }

  private send(req: DiscoveryRequest | DeltaDiscoveryRequest): void {
    const call = this.call;
    if (!call) return;
    const withNode = this.nodeSent ? req : { ...req, node: this.node };
    this.nodeSent = true;
    (call as grpc.ClientDuplexStream<DiscoveryRequest | DeltaDiscoveryRequest, unknown>).write(withNode);
  }

  private async onResponse(call: AnyCall, res: DiscoveryResponse | DeltaDiscoveryResponse): Promise<void> {
    const typeUrl = res.type_url ?? "";
    const state = this.types.get(typeUrl);
    if (!state) return; // never subscribed: ignore, as Envoy does
    const decoded: DecodeResult = { resources: [], errors: [], warnings: [] };
    const foreign = this.options.extraTypes?.[typeUrl];
    const decodeResource = foreign ? (t: string, a: AnyMessage, v: string, n: string, i: number, o: DecodeResult): void => decodeForeignResource(t, a, v, n, i, foreign, o) : decodeEnvoyResource;
    let removed: string[];
    let version: string;
    if (this.delta) {
      const d = res as DeltaDiscoveryResponse;
      version = d.system_version_info ?? "";
      (d.resources ?? []).forEach((r, i) => {
        if (r.resource) decodeResource(typeUrl, r.resource, r.version ?? "", r.name ?? "", i, decoded);
        else decoded.errors.push({ name: r.name ?? `#${i}`, error: "resource has no payload" });
      });
      removed = (d.removed_resources ?? []).filter((n) => state.resources.has(n));
    } else {
      const s = res as DiscoveryResponse;
      version = s.version_info ?? "";
      (s.resources ?? []).forEach((any, i) => decodeResource(typeUrl, any, version, "", i, decoded));
      const seen = new Set([...decoded.resources.map((r) => r.name), ...decoded.errors.map((e) => e.name)]);
      // In SotW, LDS/CDS responses are the full set: what is missing was removed.
      removed = XDS_FULL_STATE_TYPES.has(typeUrl) ? [...state.resources.keys()].filter((n) => !seen.has(n)) : [];
    }
    for (const w of decoded.warnings) this.log(`ADS ${shortTypeName(typeUrl)}: ${w}`);
    let applierErrors: ResourceError[];
    try {
      applierErrors = await this.options.applier(typeUrl, decoded.resources, removed);
    } catch (e) {
      applierErrors = decoded.resources.map((r) => ({ name: r.name, error: errorMessage(e) }));
    }
    const errors = [...decoded.errors, ...applierErrors];
    const rejected = new Set(errors.map((e) => e.name));
    const now = new Date();
    for (const r of decoded.resources) {
      if (rejected.has(r.name)) continue;
      state.resources.set(r.name, r.version);
      state.accepted.set(r.name, { version: r.version, resource: r.resource, updatedAt: now });
    }
    for (const n of removed) {
      state.resources.delete(n);
      state.accepted.delete(n);
    }
    state.nonce = res.nonce ?? "";
    if (call !== this.call) return; // the stream went away while applying: the next one resubscribes
    if (errors.length === 0) {
      state.version = version;
      state.lastUpdated = new Date();
      this.ack(typeUrl, state, undefined);
    } else {
      const message = nackMessage(errors);
      state.lastError = { message, at: new Date() };
      this.log(`ADS ${shortTypeName(typeUrl)} rejected: ${message}`);
      this.ack(typeUrl, state, { code: INVALID_ARGUMENT, message });
    }
  }

  private ack(typeUrl: string, state: ClientTypeState, error: { code: number; message: string } | undefined): void {
    if (this.delta) {
      this.send({ type_url: typeUrl, response_nonce: state.nonce, ...(error ? { error_detail: error } : {}) });
    } else {
      this.send({ type_url: typeUrl, version_info: state.version, response_nonce: state.nonce, resource_names: state.wildcard ? [] : [...state.names], ...(error ? { error_detail: error } : {}) });
    }
  }
}
