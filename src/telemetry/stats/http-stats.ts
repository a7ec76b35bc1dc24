// The istio.stats HTTP filter: metadata exchange on the request path (the client sidecar adds
// its metadata to requests, the server sidecar to responses, and each strips the peer's headers
// before they reach the app) and, when the request completes, Istio's standard metrics.
// Direction comes from the connection manager's stat_prefix ("inbound_…" as Istio names it).
import { registerHttpFilter, FILTER_CONTINUE, type HttpFilter, type HttpStream } from "../../proxy/http/filters/http-filter.js";
import type { HttpRequestRecord } from "../../proxy/http/request-record.js";
import type { HeaderList } from "../../proxy/http/header-list.js";
import type { EnvoyJson } from "../../proxy/contracts.js";
import { PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, UNKNOWN, spiffePrincipal, type WorkloadMetadata } from "../metadata/workload-metadata.js";
import { getProxyTelemetry, type ProxyTelemetry } from "../proxy-telemetry.js";
import { peerFromHeader } from "./peer-cache.js";
import { compilePluginConfig, STATS_PLUGIN_TYPE, type CompiledPluginConfig, type MetricOverride } from "./plugin-config.js";
import { destinationService } from "./destination-service.js";
import { seriesKey, type CounterSeries, type HistogramSeries } from "../metrics/registry.js";
import type { IstioMetrics } from "../metrics/istio-metrics.js";
import { GrpcMessageCounter } from "./grpc-message-counter.js";

/** What the filter learnt on the request path, read when the request completes. */
interface RequestTelemetry {
  readonly t: ProxyTelemetry;
  readonly config: CompiledPluginConfig;
  readonly inbound: boolean;
  /** Inbound: from the request; outbound: from the upstream's response. */
  peer: WorkloadMetadata | null;
  readonly peerPrincipal: string;
  readonly mtls: boolean;
  readonly grpc: boolean;
  /** gRPC requests only: messages seen in each direction. */
  readonly messages: GrpcMessageCounter | null;
  readonly headers: Record<string, string> | null;
}

const pending = new WeakMap<HttpRequestRecord, RequestTelemetry>();
const NO_OVERRIDES: CompiledPluginConfig = { overrides: new Map() };

/** Outbound: the server sidecar's metadata arrives on the response; strip it before the app sees it. */
function onOutboundResponseHead(h: HeaderList, r: HttpRequestRecord): void {
  const pv = h.get(PEER_METADATA_HEADER);
  if (pv === undefined) return;
  const s = pending.get(r);
  if (s !== undefined) s.peer = peerFromHeader(pv, h.get(PEER_METADATA_ID_HEADER) ?? "");
  h.remove(PEER_METADATA_HEADER);
  h.remove(PEER_METADATA_ID_HEADER);
}

export class IstioStatsFilter implements HttpFilter {
  private readonly needsHeaders: boolean;

  constructor(readonly name: string, private readonly config: CompiledPluginConfig, private readonly telemetry: () => ProxyTelemetry | null) {
    this.needsHeaders = [...config.overrides.values()].some((o) => o.setTags.some(([, v]) => "header" in v));
  }

  onRequest(ex: HttpStream, _index: number): number {
    const t = this.telemetry();
    if (t === null) return FILTER_CONTINUE;
    const h = ex.headers;
    const inbound = ex.record.statPrefix.startsWith("inbound");
    let peer: WorkloadMetadata | null = null;
    const pv = h.get(PEER_METADATA_HEADER);
    if (pv !== undefined) {
      if (inbound) peer = peerFromHeader(pv, h.get(PEER_METADATA_ID_HEADER) ?? "");
      h.remove(PEER_METADATA_HEADER);
      h.remove(PEER_METADATA_ID_HEADER);
    }
    if (inbound) {
      ex.addResponseHeader(PEER_METADATA_ID_HEADER, t.node.id);
      ex.addResponseHeader(PEER_METADATA_HEADER, t.nodeHeader);
    } else {
      h.push(PEER_METADATA_ID_HEADER, t.node.id);
      h.push(PEER_METADATA_HEADER, t.nodeHeader);
      ex.record.responseHeadHook = onOutboundResponseHead;
    }
    const sans = ex.connection?.tls?.peerUriSans ?? [];
    const grpc = (h.get("content-type") ?? "").startsWith("application/grpc");
    // grpc-web carries its messages differently and is not counted.
    const messages = grpc && !(h.get("content-type") ?? "").startsWith("application/grpc-web") ? new GrpcMessageCounter() : null;
    if (messages !== null) ex.record.bodyObserver = messages;
    pending.set(ex.record, {
      t, config: this.config, inbound, peer,
      peerPrincipal: sans[0] ?? UNKNOWN,
      mtls: sans.length > 0,
      grpc, messages,
      headers: this.needsHeaders ? h.toRecord() : null,
    });
    return FILTER_CONTINUE;
  }
}

function httpLabels(r: HttpRequestRecord, s: RequestTelemetry): string[] {
  const self = s.t.node;
  const src = s.inbound ? s.peer : self;
  const dst = s.inbound ? self : s.peer;
  const svc = destinationService(r.cluster, r.authority, self.namespace);
  const selfPrincipal = spiffePrincipal(self, s.t.trustDomain);
  return [
    s.inbound ? "destination" : "source",
    src?.workload ?? UNKNOWN, src?.canonicalService ?? UNKNOWN, src?.canonicalRevision ?? UNKNOWN, src?.namespace ?? UNKNOWN,
    s.inbound ? s.peerPrincipal : selfPrincipal, src?.app ?? UNKNOWN, src?.version ?? UNKNOWN, src?.cluster ?? UNKNOWN,
    dst?.workload ?? UNKNOWN, dst?.namespace ?? UNKNOWN, s.inbound ? (s.mtls ? selfPrincipal : UNKNOWN) : UNKNOWN,
    dst?.app ?? UNKNOWN, dst?.version ?? UNKNOWN,
    svc.host, dst?.canonicalService ?? UNKNOWN, dst?.canonicalRevision ?? UNKNOWN,
    svc.name, svc.namespace, dst?.cluster ?? UNKNOWN,
    s.grpc ? "grpc" : "http",
    String(r.status), r.grpcStatus, r.flagString(),
    s.inbound ? (s.mtls ? "mutual_tls" : "none") : "unknown",
  ];
}

/** The series one request updates, found once per label tuple. */
interface SeriesSet {
  readonly requests: CounterSeries | null;
  readonly duration: HistogramSeries | null;
  readonly requestBytes: HistogramSeries | null;
  readonly responseBytes: HistogramSeries | null;
  readonly requestMessages: CounterSeries | null;
  readonly responseMessages: CounterSeries | null;
}

/**
 * The inputs of every label but the response's own (code, gRPC status, flags), as of the last
 * request, and the series sets found under them, by those three. Requests through a sidecar
 * repeat their peer, cluster and authority, so most find their series with one short-key lookup
 * instead of joining and hashing all 25 labels (about 10,000 instructions a request).
 */
interface LabelPrefix {
  readonly metrics: IstioMetrics;
  readonly self: WorkloadMetadata;
  readonly inbound: boolean;
  readonly peer: WorkloadMetadata | null;
  readonly peerPrincipal: string;
  readonly mtls: boolean;
  readonly grpc: boolean;
  readonly countsMessages: boolean;
  readonly cluster: string;
  readonly authority: string;
  readonly sets: Map<string, SeriesSet>;
}

/** Series sets kept per prefix; past this the map starts again (the series stay in their families). */
const MAX_SETS_PER_PREFIX = 256;
let lastPrefix: LabelPrefix | null = null;

function samePrefix(p: LabelPrefix, r: HttpRequestRecord, s: RequestTelemetry): boolean {
  return p.metrics === s.t.metrics && p.self === s.t.node && p.inbound === s.inbound && p.peer === s.peer && p.peerPrincipal === s.peerPrincipal
    && p.mtls === s.mtls && p.grpc === s.grpc && p.countsMessages === (s.messages !== null) && p.cluster === r.cluster && p.authority === r.authority;
}

/** The series `r` updates (no metric overrides: every family has the same labels). */
function seriesSetFor(r: HttpRequestRecord, s: RequestTelemetry): SeriesSet {
  let p = lastPrefix;
  if (p === null || !samePrefix(p, r, s)) {
    p = { metrics: s.t.metrics, self: s.t.node, inbound: s.inbound, peer: s.peer, peerPrincipal: s.peerPrincipal, mtls: s.mtls, grpc: s.grpc, countsMessages: s.messages !== null, cluster: r.cluster, authority: r.authority, sets: new Map() };
    lastPrefix = p;
  }
  const flags = r.flagString();
  const suffix = `${r.status}\u0001${r.grpcStatus}\u0001${flags}`;
  let set = p.sets.get(suffix);
  if (set === undefined) {
    const m = s.t.metrics;
    const base = httpLabels(r, s);
    const key = seriesKey(base);
    set = {
      requests: m.requests.at(base, key), duration: m.duration.at(base, key),
      requestBytes: m.requestBytes.at(base, key), responseBytes: m.responseBytes.at(base, key),
      requestMessages: s.messages === null ? null : m.requestMessages.at(base, key),
      responseMessages: s.messages === null ? null : m.responseMessages.at(base, key),
    };
    if (p.sets.size >= MAX_SETS_PER_PREFIX) p.sets.clear();
    p.sets.set(suffix, set);
  }
  return set;
}

function applyOverride(labels: readonly string[], o: MetricOverride, r: HttpRequestRecord, s: RequestTelemetry, family: { labelIndex(l: string): number }): string[] {
  const out = labels.slice();
  for (const i of o.removeTags) out[i] = "";
  for (const [name, v] of o.setTags) {
    const i = family.labelIndex(name);
    if (i < 0) continue;
    while (out.length < i) out.push("");
    if ("literal" in v) out[i] = v.literal;
    else if ("header" in v) out[i] = s.headers?.[v.header] ?? "";
    else if (v.attribute === "request.host") out[i] = r.authority;
    else if (v.attribute === "request.method") out[i] = r.method;
    else if (v.attribute === "request.path") out[i] = r.path;
    else if (v.attribute === "request.protocol") out[i] = r.protocol;
    else out[i] = String(r.status);
  }
  return out;
}

/**
 * The request-completion observer: updates Istio's metrics for requests the istio.stats filter
 * saw, then runs the proxy's other observers. Install as ProxyServices.onHttpRequest.
 */
export function recordHttpTelemetry(r: HttpRequestRecord): void {
  let s = pending.get(r);
  if (s === undefined) {
    const t = getProxyTelemetry();
    if (t === null) return;
    // Answered before the HTTP filters ran (no route: NR): count it as Istio does, without a peer.
    if (r.cluster !== "" || r.status === 0) { for (const o of t.httpObservers) o(r); return; }
    s = { t, config: NO_OVERRIDES, inbound: r.statPrefix.startsWith("inbound"), peer: null, peerPrincipal: UNKNOWN, mtls: false, grpc: false, messages: null, headers: null };
  }
  pending.delete(r);
  const m = s.t.metrics;
  const ov = s.config.overrides;
  if (ov.size === 0) {
    const set = seriesSetFor(r, s);
    m.requests.add(set.requests, 1);
    m.duration.record(set.duration, r.durationMs);
    m.requestBytes.record(set.requestBytes, r.bytesReceived);
    m.responseBytes.record(set.responseBytes, r.bytesSent);
    if (s.messages !== null) {
      m.requestMessages.add(set.requestMessages, s.messages.request.messages);
      m.responseMessages.add(set.responseMessages, s.messages.response.messages);
    }
    for (const o of s.t.httpObservers) o(r);
    return;
  }
  const base = httpLabels(r, s);
  const labelsFor = (family: { name: string; labelIndex(l: string): number }): string[] | null => {
    const o = ov.get(family.name);
    if (o === undefined) return base;
    return o.drop ? null : applyOverride(base, o, r, s as RequestTelemetry, family);
  };
  let l = labelsFor(m.requests);
  if (l !== null) m.requests.inc(l);
  if ((l = labelsFor(m.duration)) !== null) m.duration.observe(l, r.durationMs);
  if ((l = labelsFor(m.requestBytes)) !== null) m.requestBytes.observe(l, r.bytesReceived);
  if ((l = labelsFor(m.responseBytes)) !== null) m.responseBytes.observe(l, r.bytesSent);
  if (s.messages !== null) {
    if ((l = labelsFor(m.requestMessages)) !== null) m.requestMessages.inc(l, s.messages.request.messages);
    if ((l = labelsFor(m.responseMessages)) !== null) m.responseMessages.inc(l, s.messages.response.messages);
  }
  for (const o of s.t.httpObservers) o(r);
}

registerHttpFilter({
  typeUrl: STATS_PLUGIN_TYPE,
  create(name: string, typedConfig: EnvoyJson): HttpFilter {
    return new IstioStatsFilter(name, compilePluginConfig(typedConfig), getProxyTelemetry);
  },
});
