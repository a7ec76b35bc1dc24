// A client's HTTP/1.1 connection: finds request heads in the byte stream, frames request bodies
// (content-length / chunked) without decoding them, serves one request at a time (pipelined
// requests wait, the socket paused) and turns into a byte pipe after a WebSocket 101.
import { Buffer } from "node:buffer"; // the global `Buffer` is a getter: each use in hot code is a call
import type { Socket } from "node:net";
import type { ConnectionInfo } from "../../contracts.js";
import { RequestHead, parseRequestHead } from "./request-head.js";
import { ChunkedFraming, CHUNKED_ERROR, CHUNKED_NEED_MORE } from "./chunked-framing.js";
import { findHeadEnd } from "./head-syntax.js";
import { h1LocalReply } from "../local-reply.js";
import { setsServer } from "../envoy-response-headers.js";
import { HttpExchange } from "../exchange.js";
import { HttpRequestRecord } from "../request-record.js";
import type { HcmRuntime } from "../hcm-runtime.js";
import type { H1UpstreamConnection } from "../upstream/h1-upstream-connection.js";
import { readIntoOwnBuffer } from "./own-read-buffer.js";
import { setWriteWatermark } from "./buffer-limit.js";
import { ReusableTimeout } from "./reusable-timeout.js";
import { monotonicNow, wallClockAt } from "../request-clock.js";

const R_HEAD = 0, R_BODY_LENGTH = 1, R_BODY_CHUNKED = 2, R_TUNNEL = 3, R_CLOSED = 4;
/** Plaintext clients read into a buffer of their own (reused while no read's bytes are still referenced). */
const READ_BUFFER_SIZE = 32 * 1024;

function onHeadTimeout(dc: H1Downstream): void { dc.headTimeout(); }
function onRouteTimeout(ex: HttpExchange): void { ex.timeout(false); }
function onIdleExpiry(dc: H1Downstream): void { dc.idleExpired(); }

export class H1Downstream {
  readonly socket: Socket;
  readonly remoteAddress: string;
  readonly tls: boolean;
  readonly info: ConnectionInfo;
  draining = false;
  /** Close once the current response is out (client asked, upstream closes, body unread …). */
  closeAfterResponse = false;
  private state = R_HEAD;
  private pending: Buffer | null = null;
  private scanFrom = 0;
  private exchange: HttpExchange | null = null;
  private remaining = 0;
  private readonly framing = new ChunkedFraming();
  private pausedByUpstream = false;
  private blocked = false;
  private driving = false;
  private headTimer: NodeJS.Timeout | null = null;
  /** The route timeout of the request in flight. */
  readonly routeTimeout = new ReusableTimeout<HttpExchange>(onRouteTimeout);
  /**
   * The stream idle timeout while a request is open or a head is being read, the connection's
   * idle_timeout while none is. Activity moves its deadline (a number) instead of refreshing a
   * socket timer on every read and write, which cost about 1,000 instructions each.
   */
  private readonly idleTimer = new ReusableTimeout<H1Downstream>(onIdleExpiry);
  /** The current route's idle_timeout (0 = disabled), -1 when the route has none. */
  private routeIdleMs = -1;
  /** Where the next plaintext read lands (own-read-buffer mode). */
  private readBuffer: Buffer | null = null;
  /** Body bytes of the last read went to the exchange (an upstream write queue or a retry buffer may hold them). */
  private readBufferLent = false;
  /**
   * While the exchange that `rawHead` belongs to starts (in the read that brought its head), the
   * read buffer holding that head, its length without the final CRLF CRLF, and the exchange.
   * Its first attempt may forward those bytes (raw-request-head.ts).
   */
  rawHeadOwner: HttpExchange | null = null;
  rawHead: Buffer | null = null;
  rawHeadLen = 0;
  /** The last view made by rawHeadView(): clients repeat heads of one length, and a view costs a typed-array construction. */
  private rawView: Uint8Array | null = null;
  private rawViewOf: Buffer | null = null;

  constructor(readonly rt: HcmRuntime, info: ConnectionInfo, private readonly onClosed: (dc: H1Downstream) => void) {
    const s = info.socket;
    this.socket = s;
    this.info = info;
    this.remoteAddress = info.remoteAddress;
    this.tls = info.tls !== undefined;
    // Response bytes queued beyond the listener's buffer limit stop reading the upstream.
    setWriteWatermark(s, info.bufferLimitBytes);
    this.armConnectionIdle(monotonicNow());
    if (!readIntoOwnBuffer(s, () => this.nextReadBuffer(), (n, buf) => this.onOwnRead(n, buf))) s.on("data", (d: Buffer) => this.onData(d));
    s.on("drain", () => { const up = this.exchange?.upstream; if (up) up.socket.resume(); });
    s.on("error", () => this.onGone());
    s.on("close", () => this.onGone());
    s.on("end", () => this.peerEnded());
    if (info.preread !== undefined && info.preread.length > 0) this.onData(info.preread);
    // A listener inspector may have seen the client's FIN before this stage.
    if (s.readableEnded) this.peerEnded();
  }

  /** Half-close: fine once a request is complete; mid-request the request can never finish. */
  private peerEnded(): void {
    const ex = this.exchange;
    if (ex === null) this.socket.end();
    else if (!ex.requestComplete) { this.exchange = null; ex.onDownstreamReset(); this.abort(); }
    else this.closeAfterResponse = true; // answer, then close (needs allowHalfOpen on the listener socket)
  }

  /** Bytes already read from the socket (e.g. by codec detection) are processed first. */
  onData(d: Buffer): void {
    if (this.state === R_CLOSED) return;
    this.streamActivity(monotonicNow());
    this.pending = this.pending === null ? d : Buffer.concat([this.pending, d]);
    if (!this.driving) this.drive();
  }

  private nextReadBuffer(): Buffer {
    if (this.readBuffer === null || this.readBufferLent) {
      this.readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
      this.readBufferLent = false;
    }
    return this.readBuffer;
  }

  /** rawHead[0, n) as a view (the same object as last time when it fits). */
  rawHeadView(n: number): Uint8Array {
    const buf = this.rawHead as Buffer;
    const v = this.rawView;
    if (v !== null && this.rawViewOf === buf && v.length === n) return v;
    this.rawViewOf = buf;
    return (this.rawView = new Uint8Array(buf.buffer, buf.byteOffset, n));
  }

  /** A write still references the read buffer: the next read goes to a new one. */
  lendReadBuffer(): void {
    this.readBufferLent = true;
  }

  /** A read into the connection's own buffer: its bytes must be copied by whatever keeps them. */
  private onOwnRead(n: number, buf: Buffer): void {
    // A tunnel pipes 'data' events; give it bytes of its own.
    if (this.state === R_TUNNEL) { this.socket.emit("data", Buffer.from(buf.subarray(0, n))); return; }
    // The common case, without a view: the read is exactly one request head, and none is open.
    if (this.pending === null && this.state === R_HEAD && this.exchange === null && !this.closeAfterResponse && !this.driving
      && findHeadEnd(buf, 0, n) === n) {
      this.driving = true;
      try {
        this.takeHead(buf, n, n, true); // nothing is left pending: the head ends the read
      } finally {
        this.driving = false;
      }
      return;
    }
    this.onData(buf.subarray(0, n));
    const p = this.pending;
    if (p !== null && p.buffer === buf.buffer) this.pending = Buffer.from(p);
  }

  private drive(): void {
    this.driving = true;
    try {
      while (this.pending !== null && this.state !== R_CLOSED && this.state !== R_TUNNEL) {
        if (this.state === R_HEAD) { if (!this.readHead()) break; }
        else if (!this.readBody()) break;
      }
    } finally {
      this.driving = false;
    }
  }

  private readHead(): boolean {
    if (this.exchange !== null || this.closeAfterResponse) {
      // A pipelined request: wait for the current response before reading it.
      if (!this.blocked) { this.blocked = true; this.socket.pause(); }
      return false;
    }
    const buf = this.pending as Buffer;
    const max = this.rt.config.maxRequestHeadersBytes;
    const end = findHeadEnd(buf, this.scanFrom);
    if (end < 0) {
      if (buf.length > max) { this.reject(431, "request headers too large"); return false; }
      if (buf.indexOf("\n\n", this.scanFrom > 0 ? this.scanFrom - 1 : 0, "latin1") >= 0) { this.reject(400, "bare LF line endings"); return false; }
      this.scanFrom = buf.length;
      if (this.headTimer === null) this.headTimer = setTimeout(onHeadTimeout, this.rt.config.requestHeadersTimeoutMs, this);
      return false;
    }
    return this.takeHead(buf, end, buf.length);
  }

  /**
   * A whole head in buf[0, end) (CRLF CRLF included): parses it and starts its exchange; bytes up
   * to `len` stay pending. `ownRead`: buf is the read buffer and the head is all of the read.
   */
  private takeHead(buf: Buffer, end: number, len: number, ownRead = false): boolean {
    if (end - 4 > this.rt.config.maxRequestHeadersBytes) { this.reject(431, "request headers too large"); return false; }
    if (this.headTimer !== null) { clearTimeout(this.headTimer); this.headTimer = null; }
    const head = new RequestHead();
    const err = parseRequestHead(buf, end - 4, head);
    this.pending = end === len ? null : buf.subarray(end, len);
    this.scanFrom = 0;
    if (err !== 0) { this.reject(err, head.error); return false; }
    if (this.draining) head.close = true;
    let bodyless = true;
    if (head.chunked) { this.state = R_BODY_CHUNKED; this.framing.reset(); bodyless = false; }
    else if (head.contentLength > 0) { this.state = R_BODY_LENGTH; this.remaining = head.contentLength; bodyless = false; }
    const ex = new HttpExchange(this, head, bodyless);
    this.exchange = ex;
    this.streamActivity(ex.record.startMono);
    if (ownRead && head.rawEdits >= 0) {
      this.rawHeadOwner = ex;
      this.rawHead = buf;
      this.rawHeadLen = end - 4;
      try {
        ex.start();
      } finally {
        this.rawHeadOwner = null;
        this.rawHead = null;
      }
    } else ex.start();
    return true;
  }

  private readBody(): boolean {
    const buf = this.pending as Buffer;
    const ex = this.exchange as HttpExchange;
    let n: number;
    let last: boolean;
    if (this.state === R_BODY_LENGTH) {
      n = Math.min(this.remaining, buf.length);
      this.remaining -= n;
      last = this.remaining === 0;
    } else {
      const r = this.framing.feed(buf, 0, buf.length);
      if (r === CHUNKED_ERROR) {
        this.pending = null;
        if (!ex.responseStarted) ex.localReply(400, "DPE", "bad chunked request body");
        this.abort();
        return false;
      }
      n = r === CHUNKED_NEED_MORE ? buf.length : r;
      last = r !== CHUNKED_NEED_MORE;
    }
    this.pending = n === buf.length ? null : buf.subarray(n);
    if (last) this.state = R_HEAD;
    this.readBufferLent = true;
    ex.onRequestBody(n === buf.length ? buf : buf.subarray(0, n), last);
    return true;
  }

  /** Called by the exchange when its response is complete (or it gave up), at monotonic time `now`. */
  exchangeDone(ex: HttpExchange, now: number): void {
    if (this.exchange !== ex) return;
    this.exchange = null;
    this.routeIdleMs = -1;
    this.armConnectionIdle(now);
    if (this.state === R_TUNNEL) return;
    if (this.closeAfterResponse || this.state !== R_HEAD || ex.head.close) {
      // Unread body or close requested: the stream's boundaries are gone, so end the connection.
      this.state = R_CLOSED;
      this.pending = null;
      this.socket.end();
      return;
    }
    if (this.blocked || this.pausedByUpstream) {
      // The previous request's upstream is gone: nothing holds this client back any more.
      this.blocked = false;
      this.pausedByUpstream = false;
      this.socket.resume();
    }
    if (this.pending !== null && !this.driving) this.drive();
  }

  pauseForUpstream(): void {
    if (!this.pausedByUpstream) { this.pausedByUpstream = true; this.socket.pause(); }
  }

  resumeFromUpstream(): void {
    if (this.pausedByUpstream) { this.pausedByUpstream = false; if (!this.blocked) this.socket.resume(); }
  }

  /** After a 101 the two sockets are joined byte for byte. */
  startTunnel(up: H1UpstreamConnection, rest: Buffer | null): void {
    this.state = R_TUNNEL;
    const ds = this.socket;
    const us = up.socket;
    if (rest !== null) ds.write(rest);
    if (this.pending !== null) { us.write(this.pending); this.pending = null; }
    ds.removeAllListeners("data");
    us.removeAllListeners("data");
    this.idleTimer.close(); // a tunnel has no streams to time out
    ds.pipe(us);
    us.pipe(ds);
    us.on("close", () => ds.destroy());
    ds.on("close", () => us.destroy());
    this.blocked = false;
    this.pausedByUpstream = false;
    ds.resume();
    us.resume();
  }

  headTimeout(): void {
    this.headTimer = null;
    if (this.state === R_HEAD && this.exchange === null) this.reject(408, "request headers not received in time");
  }

  /** Answers a request that could not be parsed (or whose head never finished), then closes. */
  private reject(status: number, why: string, flag: "DPE" | "SI" = "DPE", body = `bad request: ${why}`): void {
    const r = new HttpRequestRecord();
    r.startTime = wallClockAt(monotonicNow());
    r.status = status;
    r.downstreamRemoteAddress = this.remoteAddress;
    r.addFlag(flag);
    r.details = why;
    r.statPrefix = this.rt.config.statPrefix;
    this.state = R_CLOSED;
    this.pending = null;
    if (this.headTimer !== null) { clearTimeout(this.headTimer); this.headTimer = null; }
    const out = h1LocalReply(status, body, true, setsServer(this.rt.config, false) ? this.rt.config.serverLine : "");
    r.bytesSent = out.length;
    this.socket.end(out);
    this.rt.observer?.(r);
  }

  /** A route's idle_timeout replaces the stream idle timeout for the current request (0 disables it). */
  setRouteIdleTimeout(ms: number): void {
    this.routeIdleMs = ms;
    this.streamActivity(monotonicNow());
  }

  /** Bytes moved for the open request (or a head being read) at monotonic time `now`: its idle time starts again. */
  streamActivity(now: number): void {
    this.armIdle(this.routeIdleMs >= 0 ? this.routeIdleMs : this.rt.config.streamIdleTimeoutMs, now);
  }

  /** No request open from `now` on: the connection's idle_timeout (Envoy's "no active requests") runs. */
  private armConnectionIdle(now: number): void {
    this.armIdle(this.rt.config.idleTimeoutMs, now);
  }

  /** The idle timer fires `ms` after `now`; 0 = that timeout is disabled. */
  private armIdle(ms: number, now: number): void {
    if (ms > 0) this.idleTimer.arm(this, ms, now); else this.idleTimer.release(this);
  }

  /** @internal The idle timer expired. */
  idleExpired(): void {
    const ex = this.exchange;
    if (ex !== null) { ex.idleTimeout(); return; }
    if (this.state === R_CLOSED || this.state === R_TUNNEL) return;
    // A head begun and then left: the stream it opened timed out before it could be routed.
    if (this.pending !== null) { this.reject(408, "stream_idle_timeout", "SI", "stream timeout: stream_idle_timeout"); return; }
    this.socket.destroy(); // idle_timeout: no request for that long
  }

  /** Resets the client connection (failure after the response began). */
  abort(): void {
    this.state = R_CLOSED;
    this.pending = null;
    this.socket.destroy();
  }

  /** Stop taking requests: close now if idle, else after the current response. */
  drain(): void {
    this.draining = true;
    if (this.exchange === null && this.state === R_HEAD) { this.state = R_CLOSED; this.socket.end(); }
    else this.closeAfterResponse = true;
  }

  private onGone(): void {
    if (this.headTimer !== null) { clearTimeout(this.headTimer); this.headTimer = null; }
    this.routeTimeout.close();
    this.idleTimer.close();
    const ex = this.exchange;
    if (this.state !== R_TUNNEL) this.state = R_CLOSED;
    this.pending = null;
    if (ex !== null) { this.exchange = null; ex.onDownstreamReset(); }
    this.onClosed(this);
  }
}
