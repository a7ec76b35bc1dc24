// HTTP/1.1 clients to HTTP/2-only clusters: an upstream "connection" for the HTTP/1.1 exchange that
// speaks HTTP/2. It takes the HTTP/1.1 request bytes the exchange writes (head, then the body with
// its framing), opens a stream on the host's shared h2 session, and hands the response back as
// HTTP/1.1 (a parsed head plus chunk-framed body bytes), so the exchange's response path (filters,
// header mutations, keep-alive, backpressure, failures) stays the same for both protocols.
import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import type { Cluster, UpstreamHost } from "../../contracts.js";
import { ResponseHead } from "../h1/response-head.js";
import { reasonPhrase } from "../local-reply.js";
import type { H1UpstreamConnection, UpstreamUser } from "../upstream/h1-upstream-connection.js";
import { ChunkDecoder } from "./chunk-decoder.js";
import { h2Request } from "./upstream-sessions.js";
import { H2_CANCEL } from "../../lazy-builtins.js";

const DROP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "te", "http2-settings", "expect"]);
const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");
const EMPTY = Buffer.alloc(0);

/** The socket-like side the exchange writes the request to and pauses for backpressure. */
class BridgeWriter {
  constructor(private readonly b: H1ToH2Bridge) {}
  write(data: string | Buffer, enc?: BufferEncoding): boolean { return this.b.onRequestBytes(typeof data === "string" ? Buffer.from(data, enc ?? "latin1") : data); }
  pause(): void { this.b.stream?.pause(); }
  resume(): void { this.b.stream?.resume(); }
}

export class H1ToH2Bridge {
  readonly socket = new BridgeWriter(this);
  stream: ClientHttp2Stream | null = null;
  private user: UpstreamUser | null = null;
  private headRequest = false;
  private headText = "";
  private chunked: ChunkDecoder | null = null;
  private ended = false;
  private connected = false;
  private responseChunked = false;
  private finished = false;

  constructor(private readonly cluster: Cluster, readonly host: UpstreamHost) {}

  /** As H1UpstreamConnection: the exchange that gets the response. */
  begin(user: UpstreamUser, headRequest: boolean): void {
    this.user = user;
    this.headRequest = headRequest;
  }

  set requestDone(v: boolean) {
    if (v && !this.ended) { this.ended = true; this.stream?.end(); }
  }

  get requestDone(): boolean { return this.ended; }

  /** The exchange gave up on this attempt. */
  abort(): void {
    this.finished = true;
    const s = this.stream;
    if (s !== null && !s.closed) s.close(H2_CANCEL);
  }

  /** Response complete: the session stays pooled. */
  done(): void {
    this.finished = true;
  }

  onRequestBytes(b: Buffer): boolean {
    const s = this.stream;
    if (s === null) {
      // The first write is the request head (the exchange writes it whole).
      this.headText += b.toString("latin1");
      if (!this.headText.endsWith("\r\n\r\n")) return true;
      return this.open();
    }
    if (this.chunked === null) return s.write(b);
    const payload = this.chunked.decode(b);
    return payload.length === 0 ? true : s.write(payload);
  }

  private open(): boolean {
    const lines = this.headText.split("\r\n");
    const [method = "GET", path = "/"] = (lines[0] ?? "").split(" ");
    const h: OutgoingHttpHeaders = { ":method": method, ":path": path, ":scheme": this.cluster.tls ? "https" : "http" };
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const c = line.indexOf(":");
      if (c <= 0) continue;
      const name = line.slice(0, c).trim().toLowerCase();
      const value = line.slice(c + 1).trim();
      if (name === "host") h[":authority"] = value;
      else if (name === "transfer-encoding") { if (value.toLowerCase().includes("chunked")) this.chunked = new ChunkDecoder(); }
      else if (!DROP.has(name)) {
        const prev = h[name];
        h[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
      }
    }
    let s: ClientHttp2Stream;
    try {
      s = h2Request(this.cluster, this.host, h, { endStream: false });
    } catch {
      queueMicrotask(() => this.fail());
      return true;
    }
    this.stream = s;
    if (this.ended) s.end();
    s.on("ready", () => { this.connected = true; });
    s.on("response", (rh: IncomingHttpHeaders) => this.onResponse(rh));
    s.on("data", (d: Buffer) => this.onData(d));
    s.on("end", () => this.onEnd());
    s.on("drain", () => this.user?.onUpstreamDrain(this as unknown as H1UpstreamConnection));
    s.on("error", () => undefined);
    s.on("close", () => { if (!this.finished) this.fail(); });
    return true;
  }

  private onResponse(rh: IncomingHttpHeaders): void {
    const user = this.user;
    if (user === null || this.finished) return;
    this.connected = true;
    const head = new ResponseHead();
    head.status = Number(rh[":status"] ?? 502);
    let hasLength = false;
    for (const [k, v] of Object.entries(rh)) {
      if (k.startsWith(":") || v === undefined) continue;
      if (k === "content-length") hasLength = true;
      if (k === "server") head.serverLines++;
      else if (k === "date") head.dateLines++;
      for (const x of Array.isArray(v) ? v : [String(v)]) head.headers.push(k, x);
    }
    const bodyless = this.headRequest || head.status === 204 || head.status === 304;
    this.responseChunked = !bodyless && !hasLength;
    if (this.responseChunked) { head.chunked = true; head.headers.push("transfer-encoding", "chunked"); }
    // Rebuilt by the exchange as needed; `raw` is what an HTTP/1.1 upstream would have sent.
    head.hopByHop = true;
    let raw = `HTTP/1.1 ${head.status} ${reasonPhrase(head.status)}\r\n`;
    for (let i = 0; i < head.headers.length; i++) raw += `${head.headers.names[i] as string}: ${head.headers.values[i] as string}\r\n`;
    const conn = this as unknown as H1UpstreamConnection;
    user.onUpstreamHead(conn, head, Buffer.from(`${raw}\r\n`, "latin1"));
    // The exchange holds a head until the same read's body bytes: h2 delivers them separately.
    if (!this.finished) user.onUpstreamReadEnd(conn);
  }

  private onData(d: Buffer): void {
    if (this.finished || this.user === null || d.length === 0) return;
    const out = this.responseChunked ? Buffer.concat([Buffer.from(`${d.length.toString(16)}\r\n`, "latin1"), d, Buffer.from("\r\n", "latin1")]) : d;
    const conn = this as unknown as H1UpstreamConnection;
    this.user.onUpstreamBody(conn, out, false);
    // Like each read of an HTTP/1.1 upstream: response bytes moved (the stream idle clock restarts).
    if (!this.finished && this.user !== null) this.user.onUpstreamReadEnd(conn);
  }

  private onEnd(): void {
    if (this.finished || this.user === null) return;
    this.finished = true;
    this.user.onUpstreamBody(this as unknown as H1UpstreamConnection, this.responseChunked ? LAST_CHUNK : EMPTY, true);
  }

  private fail(): void {
    if (this.finished || this.user === null) return;
    this.finished = true;
    this.user.onUpstreamFailure(this as unknown as H1UpstreamConnection, this.connected, false);
  }
}

/** An upstream for an HTTP/1.1 exchange routed to an HTTP/2-only cluster. */
export function openH1ToH2Bridge(cluster: Cluster, host: UpstreamHost): H1UpstreamConnection {
  return new H1ToH2Bridge(cluster, host) as unknown as H1UpstreamConnection;
}
