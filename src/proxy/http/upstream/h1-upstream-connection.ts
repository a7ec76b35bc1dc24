// One HTTP/1.1 connection to an upstream host. It parses the response head minimally and hands
// the response (head, then body bytes untouched) to the exchange that owns it; afterwards it
// goes back to its pool when both directions ended cleanly.
import { Buffer } from "node:buffer"; // the global `Buffer` is a getter: each use in hot code is a call
import { connect as netConnect, type Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Cluster, UpstreamHost } from "../../contracts.js";
import { ResponseHead, parseResponseHead } from "../h1/response-head.js";
import { ChunkedFraming, CHUNKED_ERROR, CHUNKED_NEED_MORE } from "../h1/chunked-framing.js";
import { findHeadEnd } from "../h1/head-syntax.js";
import { logger } from "../../server/logger.js";
import { setWriteWatermark } from "../h1/buffer-limit.js";
import { pendingWriteBytes } from "../h1/direct-write.js";
import { readLean } from "../h1/own-read-buffer.js";
import { nodeTls } from "../../lazy-builtins.js";

/** What an upstream connection reports to the request using it. */
export interface UpstreamUser {
  /** The client socket response bytes go to (null: none): bytes it has not written yet keep the read buffer busy. */
  readonly peerSocket: Socket | null;
  /**
   * One upstream read was relayed: write out anything held back (a response head is held until
   * the body bytes of the same read arrive, so head and body leave in one write).
   */
  onUpstreamReadEnd(conn: H1UpstreamConnection): void;
  /** A full response head arrived (1xx included). `raw` is the head's bytes as received. */
  onUpstreamHead(conn: H1UpstreamConnection, head: ResponseHead, raw: Buffer): void;
  /** Body bytes, forwarded as they are (framing included); `last` when the response ended. */
  onUpstreamBody(conn: H1UpstreamConnection, bytes: Buffer, last: boolean): void;
  /**
   * Optional, instead of onUpstreamHead and onUpstreamBody when one read holds exactly one whole
   * final response: its head in buf[0, headEnd), its body up to `end`. The user may change the
   * bytes in `buf` up to buf.length (the read buffer; a write still queued keeps it busy).
   */
  onUpstreamResponse?(conn: H1UpstreamConnection, head: ResponseHead, buf: Buffer, headEnd: number, end: number): void;
  /** Connect failure (`connected` false), reset, or malformed response before completion. */
  onUpstreamFailure(conn: H1UpstreamConnection, connected: boolean, malformed: boolean): void;
  /** After a 101: bytes that followed the head; from now on the connection is a byte pipe. */
  onUpstreamUpgraded(conn: H1UpstreamConnection, rest: Buffer | null): void;
  /** The upstream socket drained after write() returned false. */
  onUpstreamDrain(conn: H1UpstreamConnection): void;
}

const S_IDLE = 0, S_HEAD = 1, S_BODY_LENGTH = 2, S_BODY_CHUNKED = 3, S_BODY_CLOSE = 4, S_UPGRADED = 5, S_DEAD = 6;
const MAX_RESPONSE_HEAD = 96 * 1024;
/** Plaintext connections read into a buffer of their own (no allocation and no stream machinery per read). */
const READ_BUFFER_SIZE = 64 * 1024;

export interface PoolRelease {
  release(conn: H1UpstreamConnection, now: number): void;
  forget(conn: H1UpstreamConnection): void;
}

export class H1UpstreamConnection {
  readonly socket: Socket;
  readonly host: UpstreamHost;
  readonly cluster: Cluster;
  /** The TLS this connection uses (the host's from transport_socket_matches, else the cluster's). */
  readonly tls: Cluster["tls"] | undefined;
  user: UpstreamUser | null = null;
  connected = false;
  requests = 0;
  /** The request was written completely (needed before reuse). */
  requestDone = false;
  /** No body expected for the current response (HEAD request). */
  headRequest = false;
  /** The request asked to upgrade (only then may the answer be a 101). */
  upgradeRequest = false;
  /** Monotonic ms at which the pool closes this connection if it stays idle. */
  idleDeadline = Infinity;
  private state = S_IDLE;
  private pending: Buffer | null = null;
  private remaining = 0;
  private readonly framing = new ChunkedFraming();
  private head = new ResponseHead();
  /** A head wholeResponse parsed but left to readHead (same bytes, same read). */
  private parsed: ResponseHead | null = null;
  private readonly pool: PoolRelease;
  /** Where the next plaintext read lands; replaced when bytes read into it are still referenced. */
  private readBuffer: Buffer | null = null;
  /**
   * The read buffer's memory and offset, taken once per buffer: a view made from them skips
   * `subarray`, whose `this.buffer` and `this.byteOffset` are generic property loads (and a method
   * load on a Buffer is one too), about 500 instructions per response.
   */
  private readMemory: ArrayBuffer | null = null;
  private readOffset = 0;
  private readBufferBusy = false;

  constructor(cluster: Cluster, host: UpstreamHost, pool: PoolRelease) {
    this.cluster = cluster;
    this.host = host;
    this.pool = pool;
    // transport_socket_matches (auto mTLS) may give this host its own TLS, or plaintext (null).
    const tls = host.tls === undefined ? cluster.tls : host.tls ?? undefined;
    this.tls = tls;
    if (tls) {
      const s = nodeTls().connect({
        host: host.address, port: host.port, secureContext: tls.context, servername: tls.sni,
        ALPNProtocols: tls.alpn?.includes("istio") === true ? ["istio-http/1.1", "istio"] : ["http/1.1"], rejectUnauthorized: true, // mesh mTLS: Istio's ALPN
        checkServerIdentity: () => undefined, // secure naming below checks URI SANs instead of DNS names
      });
      s.setNoDelay(true); // tls.connect ignores a noDelay option
      s.on("secureConnect", () => this.onTlsConnect(s));
      this.socket = s;
    } else {
      const nextBuffer = (): Buffer => this.nextReadBuffer();
      const onRead = (n: number, buf: Uint8Array): boolean => this.onRead(buf as Buffer, n);
      this.socket = netConnect({
        host: host.address, port: host.port, noDelay: true,
        onread: { buffer: nextBuffer, callback: onRead },
      });
      // Its connect timeout is cleared on connect, before any read: reads refresh no timer.
      readLean(this.socket, nextBuffer, onRead);
      this.socket.on("connect", () => this.onConnect());
    }
    // Request bytes queued beyond the cluster's buffer limit stop reading the client.
    setWriteWatermark(this.socket, cluster.bufferLimitBytes);
    this.socket.setTimeout(cluster.connectTimeoutMs > 0 ? cluster.connectTimeoutMs : 10_000);
    this.socket.on("timeout", () => this.onSocketTimeout());
    if (tls) this.socket.on("data", (d: Buffer) => this.onData(d));
    this.socket.on("error", () => this.onEnd());
    this.socket.on("close", () => this.onEnd());
    this.socket.on("end", () => this.onEnd());
    this.socket.on("drain", () => { if (this.user) this.user.onUpstreamDrain(this); });
  }

  private onConnect(): void {
    this.connected = true;
    this.socket.setTimeout(0);
  }

  private onTlsConnect(s: TLSSocket): void {
    const want = this.tls?.matchUriSans ?? [];
    if (want.length > 0) {
      const san = s.getPeerCertificate().subjectaltname ?? "";
      const ok = san.split(", ").some((e) => e.startsWith("URI:") && want.includes(e.slice(4)));
      if (!ok) {
        // Secure naming (Envoy: UF, "TLS_error: SAN mismatch"): the peer is not the expected service.
        logger.warn(`upstream ${this.cluster.name} ${this.host.address}:${this.host.port}: TLS SAN mismatch (UF): peer [${san}] is none of [${want.join(", ")}]`);
        this.socket.destroy();
        return;
      }
    }
    this.onConnect();
  }

  private onSocketTimeout(): void {
    // Connect timeout (idle pooled connections are closed by the pool's sweep).
    if (!this.connected) this.socket.destroy();
  }

  /** Starts one request/response cycle for `user`. */
  begin(user: UpstreamUser, headRequest: boolean, upgradeRequest = false): void {
    this.user = user;
    this.requests++;
    this.requestDone = false;
    this.headRequest = headRequest;
    this.upgradeRequest = upgradeRequest;
    this.state = S_HEAD;
    this.parsed = null;
    if (this.socket.isPaused()) this.socket.resume(); // a previous response paused it for a slow client
  }

  /** buf[0, len) as a view: cheaply when buf is this connection's read buffer (it is, in onUpstreamResponse). */
  view(buf: Buffer, len: number): Uint8Array {
    return buf === this.readBuffer ? new Uint8Array(this.readMemory as ArrayBuffer, this.readOffset, len) : buf.subarray(0, len);
  }

  /** Detaches the user and closes (abandoned attempt: timeout, downstream gone, retry). */
  abort(): void {
    this.user = null;
    this.state = S_DEAD;
    this.pool.forget(this);
    this.socket.destroy();
  }

  get reusable(): boolean {
    return this.state === S_IDLE && !this.socket.destroyed && this.socket.writable;
  }

  private nextReadBuffer(): Buffer {
    if (this.readBuffer === null || this.readBufferBusy) {
      this.readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
      this.readMemory = this.readBuffer.buffer as ArrayBuffer;
      this.readOffset = this.readBuffer.byteOffset;
      this.readBufferBusy = false;
    }
    return this.readBuffer;
  }

  /** A plaintext read of `n` bytes into the connection's read buffer; true = keep reading. */
  private onRead(buf: Buffer, n: number): boolean {
    // A tunnel pipes 'data' events; give it bytes of its own.
    if (this.state === S_UPGRADED) { this.socket.emit("data", Buffer.from(buf.subarray(0, n))); return true; }
    const user = this.user;
    if (this.pending !== null || this.state !== S_HEAD || user === null || user.onUpstreamResponse === undefined || !this.wholeResponse(user, buf, n)) {
      this.onData(buf.subarray(0, n));
      if (this.pending !== null && this.pending.buffer === buf.buffer) this.pending = Buffer.from(this.pending);
    }
    const peer = user?.peerSocket;
    // Bytes the client socket could not write at once are referenced by it until written.
    if (peer && pendingWriteBytes(peer) > 0) this.readBufferBusy = true;
    // The next read may land in buf: a head parsed from it keeps what may still be asked of it.
    const head = this.head;
    if (head !== null) head.detach(this.user !== null);
    return true;
  }

  /**
   * The common case without views or stream state: the read is exactly one final response with a
   * content-length (or no) body, handed over whole. False, with nothing consumed, otherwise (a
   * head parsed here is kept for readHead).
   */
  private wholeResponse(user: UpstreamUser, buf: Buffer, n: number): boolean {
    const end = findHeadEnd(buf, 0, n);
    if (end < 0) return false;
    const head = new ResponseHead();
    if (!parseResponseHead(buf, end - 4, head)) return false; // readHead fails it
    this.parsed = head;
    const status = head.status;
    if (status < 200 || head.chunked) return false;
    const bodyLength = this.headRequest || status === 204 || status === 304 ? 0 : head.contentLength;
    if (bodyLength < 0 || end + bodyLength !== n) return false;
    this.parsed = null;
    this.head = head;
    this.state = head.close ? S_DEAD : S_IDLE;
    this.user = null;
    (user.onUpstreamResponse as NonNullable<UpstreamUser["onUpstreamResponse"]>)(this, head, buf, end, n);
    return true;
  }

  private onData(d: Buffer): void {
    if (this.state === S_UPGRADED) return;
    if (this.user === null || this.state === S_IDLE || this.state === S_DEAD) { this.abort(); return; }
    this.pending = this.pending === null ? d : Buffer.concat([this.pending, d]);
    const user = this.user;
    while (this.pending !== null && this.user !== null) {
      if (this.state === S_HEAD) { if (!this.readHead()) break; }
      else this.readBody();
    }
    user.onUpstreamReadEnd(this);
  }

  private readHead(): boolean {
    const buf = this.pending as Buffer;
    const end = findHeadEnd(buf, 0);
    if (end < 0) {
      if (buf.length > MAX_RESPONSE_HEAD) this.fail(true);
      return false;
    }
    let head = this.parsed;
    this.parsed = null;
    if (head === null) {
      head = new ResponseHead();
      if (!parseResponseHead(buf, end - 4, head)) { this.fail(true); return false; }
    }
    this.head = head;
    const raw = buf.subarray(0, end);
    this.pending = end === buf.length ? null : buf.subarray(end);
    const user = this.user as UpstreamUser;
    const status = head.status;
    if (status === 101) {
      // A switch the client did not ask for is a protocol error (RFC 9110 §15.2.2): 502 UPE.
      if (!this.upgradeRequest) { this.fail(true); return false; }
      this.state = S_UPGRADED;
      user.onUpstreamHead(this, head, raw);
      const rest = this.pending;
      this.pending = null;
      if (this.user) this.user.onUpstreamUpgraded(this, rest);
      return false;
    }
    if (status < 200) { user.onUpstreamHead(this, head, raw); return true; }
    if (this.headRequest || status === 204 || status === 304) { this.state = S_BODY_LENGTH; this.remaining = 0; }
    else if (head.chunked) { this.state = S_BODY_CHUNKED; this.framing.reset(); }
    else if (head.contentLength >= 0) { this.state = S_BODY_LENGTH; this.remaining = head.contentLength; }
    else { this.state = S_BODY_CLOSE; head.close = true; }
    user.onUpstreamHead(this, head, raw);
    if (this.state === S_BODY_LENGTH && this.remaining === 0 && this.user !== null) this.finish(Buffer.alloc(0));
    return true;
  }

  private readBody(): void {
    const buf = this.pending as Buffer;
    if (this.state === S_BODY_CLOSE) {
      this.pending = null;
      (this.user as UpstreamUser).onUpstreamBody(this, buf, false);
      return;
    }
    let n: number;
    if (this.state === S_BODY_LENGTH) n = Math.min(this.remaining, buf.length);
    else {
      const r = this.framing.feed(buf, 0, buf.length);
      if (r === CHUNKED_ERROR) { this.fail(true); return; }
      n = r === CHUNKED_NEED_MORE ? buf.length : r;
    }
    const last = this.state === S_BODY_LENGTH ? (this.remaining -= n) === 0 : this.framing.done;
    const bytes = n === buf.length ? buf : buf.subarray(0, n);
    this.pending = n === buf.length ? null : buf.subarray(n);
    if (last) {
      if (this.pending !== null) { this.head.close = true; this.pending = null; } // bytes after a response: never reuse
      this.finish(bytes);
    } else (this.user as UpstreamUser).onUpstreamBody(this, bytes, false);
  }

  private finish(bytes: Buffer): void {
    const user = this.user as UpstreamUser;
    const reuse = !this.head.close;
    this.state = reuse ? S_IDLE : S_DEAD;
    this.user = null;
    user.onUpstreamBody(this, bytes, true);
  }

  /** Called by the exchange once it no longer needs the connection after a complete response (at `now`, monotonic ms). */
  done(now: number): void {
    const max = this.cluster.maxRequestsPerConnection;
    if (this.state === S_IDLE && this.requestDone && (max === 0 || this.requests < max)) this.pool.release(this, now);
    else { this.state = S_DEAD; this.pool.forget(this); this.socket.destroy(); }
  }

  private fail(malformed: boolean): void {
    const user = this.user;
    this.user = null;
    const connected = this.connected;
    this.state = S_DEAD;
    this.pending = null;
    this.socket.destroy();
    if (user) user.onUpstreamFailure(this, connected, malformed);
  }

  private onEnd(): void {
    if (this.state === S_DEAD) return;
    this.pool.forget(this);
    if (this.state === S_BODY_CLOSE && this.user !== null) {
      const user = this.user;
      this.state = S_DEAD;
      this.user = null;
      user.onUpstreamBody(this, Buffer.alloc(0), true);
      return;
    }
    if (this.state === S_UPGRADED) { this.state = S_DEAD; return; }
    if (this.user !== null) this.fail(false);
    else { this.state = S_DEAD; this.socket.destroy(); }
  }
}
