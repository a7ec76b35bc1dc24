// The HTTP connection manager network filter (envoy.filters.network.http_connection_manager):
// compiled once per filter chain, it serves each connection with the HTTP/1.1 fast path or,
// for h2 (ALPN or the prior-knowledge preface), with the HTTP/2 codec.
import { Buffer } from "node:buffer"; // the global `Buffer` is a getter: each use in hot code is a call
import type { ConnectionInfo, EnvoyJson, NetworkFilter, NetworkFilterFactory, ProxyServices } from "../contracts.js";
import { compileHcmConfig, type HcmConfig } from "./hcm-config.js";
import { H1Downstream } from "./h1/downstream.js";
import { H1ConnectionPool } from "./upstream/connection-pool.js";
import type { HcmRuntime, RouteConfigLookup } from "./hcm-runtime.js";
import type { HttpRequestObserver } from "./request-record.js";
import { serveH2, isH2Preface, H2_PREFACE_LENGTH, type H2Downstream } from "./h2/downstream.js";
import "./filters/builtin.js";
import { wrapHcmObserver } from "../../telemetry/hcm-telemetry.js";

const EMPTY = Buffer.alloc(0);

/** Do the bytes so far agree with the HTTP/2 connection preface? */
function looksH2(b: Buffer): boolean {
  return isH2Preface(b.subarray(0, Math.min(b.length, H2_PREFACE_LENGTH)));
}

export const HCM_TYPE_URL = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

/** One pool per process: connections to a host are shared by every listener's managers. */
const sharedPool = new H1ConnectionPool();

export interface HcmOptions {
  routeConfigs?: RouteConfigLookup;
  observer?: HttpRequestObserver;
  pool?: H1ConnectionPool;
}

export class HttpConnectionManager implements NetworkFilter, HcmRuntime {
  readonly config: HcmConfig;
  readonly clusters: ProxyServices["clusters"];
  readonly routeConfigs: RouteConfigLookup | undefined;
  readonly pool: H1ConnectionPool;
  readonly observer: HttpRequestObserver | undefined;
  private readonly h1 = new Set<H1Downstream>();
  private readonly h2 = new Set<H2Downstream>();
  private draining = false;

  constructor(config: HcmConfig, services: ProxyServices, opts: HcmOptions = {}) {
    this.config = config;
    this.clusters = services.clusters;
    this.routeConfigs = opts.routeConfigs ?? services.routeConfigs;
    this.observer = wrapHcmObserver(opts.observer ?? services.onHttpRequest, config.telemetry);
    this.pool = opts.pool ?? sharedPool;
  }

  onConnection(conn: ConnectionInfo): void {
    const codec = this.config.codec;
    if (this.draining) { conn.socket.destroy(); return; }
    if (codec === "HTTP2" || (codec === "AUTO" && conn.tls?.alpn === "h2")) { this.startH2(conn); return; }
    if (codec === "HTTP1") { this.startH1(conn); return; }
    // AUTO without ALPN: look at the first bytes for the HTTP/2 connection preface.
    let got: Buffer = conn.preread ?? EMPTY;
    if (got.length > 0 && (got.length >= H2_PREFACE_LENGTH || !looksH2(got))) {
      if (looksH2(got)) this.startH2(conn); else this.startH1(conn);
      return;
    }
    const s = conn.socket;
    // The client's FIN before a codec could be chosen (nothing sent, or part of the HTTP/2
    // preface): no request can follow, so the connection closes (else it would stay in CLOSE-WAIT).
    // A listener inspector may have seen that FIN already.
    if (s.readableEnded) { s.destroy(); return; }
    const onEnd = (): void => { s.destroy(); };
    const onData = (d: Buffer): void => {
      got = got.length === 0 ? d : Buffer.concat([got, d]);
      const h2 = looksH2(got);
      if (h2 && got.length < H2_PREFACE_LENGTH) return;
      s.removeListener("data", onData);
      s.removeListener("end", onEnd);
      s.pause();
      const info = { ...conn, preread: got };
      if (h2) this.startH2(info); else this.startH1(info);
    };
    s.on("data", onData);
    s.on("end", onEnd);
    s.once("error", () => s.destroy());
  }

  private startH1(conn: ConnectionInfo): void {
    const dc = new H1Downstream(this, conn, (d) => this.h1.delete(d));
    this.h1.add(dc);
    conn.socket.resume();
  }

  private startH2(conn: ConnectionInfo): void {
    const d = serveH2(this, conn, (x) => this.h2.delete(x));
    this.h2.add(d);
  }

  drain(): void {
    this.draining = true;
    for (const d of this.h1) d.drain();
    for (const d of this.h2) d.drain();
  }

  get activeConnections(): number {
    return this.h1.size + this.h2.size;
  }
}

export const httpConnectionManagerFactory: NetworkFilterFactory = {
  typeUrl: HCM_TYPE_URL,
  create(typedConfig: EnvoyJson, services: ProxyServices): NetworkFilter {
    return new HttpConnectionManager(compileHcmConfig(typedConfig), services);
  },
};

/** Closes the shared upstream pool (process shutdown, tests). */
export function closeSharedUpstreamPool(): void {
  sharedPool.closeAll();
}
