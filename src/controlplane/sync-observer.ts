// Watches what each push sent and what proxies answered: counts pushes, sizes and rejects in
// Istio's metric names, and measures, for the last config change, how long each proxy took to ACK
// everything that change sent it ("visible propagation").
import type { AdsServer, ConnectionStatus, TypeTrackingSnapshot } from "../xds/index.js";
import type { PushRequest } from "./debouncer.js";
import { shortType, type PilotMetrics } from "./monitoring/pilot-metrics.js";

export interface LastChange {
  /** When the first event of the change arrived (ms since epoch). */
  readonly changeAt: number;
  /** When its push started. */
  readonly pushAt: number;
  readonly full: boolean;
}

export interface ProxySync {
  readonly proxyId: string;
  readonly cluster: string;
  readonly protocol: "SotW" | "delta";
  readonly connectedAt: string;
  readonly types: Record<string, TypeTrackingSnapshot>;
  /** ms from the last change to the proxy's last ACK of what that change sent; null while pending or unaffected. */
  readonly lastChangeAckMs: number | null;
  readonly lastChangeState: "ACKED" | "PENDING" | "NACKED" | "UNCHANGED";
}

export class SyncObserver {
  private last: LastChange | undefined;
  /** Last counted NACK nonce per stream and type (entries of closed streams are dropped). */
  private readonly seenNacks = new Map<string, string>();
  private sentBefore = new Map<string, string>();
  /** Bytes generated per proxy and type, from the generator (for pilot_xds_config_size_bytes). */
  readonly sizes = new Map<string, number>();

  constructor(private readonly ads: AdsServer, private readonly metrics: PilotMetrics) {}

  lastChange(): LastChange | undefined {
    return this.last;
  }

  beginPush(req: PushRequest): void {
    const now = Date.now();
    this.last = { changeAt: req.firstEventAt, pushAt: now, full: req.full };
    this.metrics.debounce.observe((now - req.firstEventAt) / 1000);
    for (const r of req.reasons) this.metrics.triggers.inc({ type: r }, 1);
    this.sentBefore = this.sentNonces(this.ads.connections());
  }

  endPush(req: PushRequest): void {
    const conns = this.ads.connections();
    const after = this.sentNonces(conns);
    const now = Date.now();
    const touched = new Set<string>();
    for (const [key, nonce] of after) {
      if (this.sentBefore.get(key) === nonce) continue;
      const [proxyId = "", , typeUrl = ""] = key.split("\u0000");
      this.metrics.pushes.inc({ type: shortType(typeUrl) });
      this.metrics.configSize.observe(this.sizes.get(`${proxyId}\u0000${typeUrl}`) ?? 0, { type: shortType(typeUrl) });
      touched.add(proxyId);
    }
    for (const _ of touched) this.metrics.convergence.observe((now - req.firstEventAt) / 1000);
    this.metrics.pushTime.observe((now - (this.last?.pushAt ?? now)) / 1000);
    this.scanNacks(conns);
  }

  /** Counts NACKs not seen before (called on pushes and on every scrape). */
  scanNacks(conns: readonly ConnectionStatus[] = this.ads.connections()): void {
    const live = new Set<string>();
    for (const c of conns) {
      for (const [typeUrl, t] of Object.entries(c.types)) {
        const key = `${c.streamId}\u0000${typeUrl}`;
        live.add(key);
        if (!t.lastNack || this.seenNacks.get(key) === t.lastNack.nonce) continue;
        this.seenNacks.set(key, t.lastNack.nonce);
        this.metrics.rejects.inc({ type: shortType(typeUrl) });
      }
    }
    for (const key of this.seenNacks.keys()) if (!live.has(key)) this.seenNacks.delete(key);
  }

  /** Drops per-proxy sizes of proxies no longer connected. */
  forget(liveProxyIds: ReadonlySet<string>): void {
    for (const key of this.sizes.keys()) if (!liveProxyIds.has(key.split("\u0000")[0] ?? "")) this.sizes.delete(key);
  }

  proxies(): ProxySync[] {
    const conns = this.ads.connections();
    this.scanNacks(conns);
    return conns.map((c) => ({ proxyId: c.proxyId, cluster: c.cluster, protocol: c.protocol, connectedAt: c.connectedAt, types: c.types, ...this.ackOfLastChange(c) }))
      .sort((a, b) => a.proxyId.localeCompare(b.proxyId));
  }

  private ackOfLastChange(c: ConnectionStatus): Pick<ProxySync, "lastChangeAckMs" | "lastChangeState"> {
    const last = this.last;
    if (!last) return { lastChangeAckMs: null, lastChangeState: "UNCHANGED" };
    const sent = Object.values(c.types).filter((t) => t.sentAt !== undefined && Date.parse(t.sentAt) >= last.pushAt);
    if (sent.length === 0) return { lastChangeAckMs: null, lastChangeState: "UNCHANGED" };
    if (sent.some((t) => t.lastNack !== undefined && t.lastNack.nonce === t.sentNonce)) return { lastChangeAckMs: null, lastChangeState: "NACKED" };
    if (sent.some((t) => t.status !== "SYNCED")) return { lastChangeAckMs: null, lastChangeState: "PENDING" };
    const ackedAt = Math.max(...sent.map((t) => Date.parse(t.ackedAt ?? "")));
    return { lastChangeAckMs: Math.max(0, ackedAt - last.changeAt), lastChangeState: "ACKED" };
  }

  private sentNonces(conns: readonly ConnectionStatus[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const c of conns) for (const [typeUrl, t] of Object.entries(c.types)) out.set(`${c.proxyId}\u0000${c.streamId}\u0000${typeUrl}`, t.sentNonce);
    return out;
  }
}
