// HTTP/2 client connections (h2c prior knowledge or TLS with ALPN "h2"): node:http2 sessions on
// sockets the listener hands over; each stream becomes an H2Exchange.
import type { Http2Server, Http2Session, ServerHttp2Stream, IncomingHttpHeaders } from "node:http2";
import type { Socket } from "node:net";
import type { ConnectionInfo } from "../../contracts.js";
import type { HcmRuntime } from "../hcm-runtime.js";
import { H2Exchange } from "./exchange.js";
import { PrereadSocket } from "./preread-socket.js";
import { nodeHttp2 } from "../../lazy-builtins.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
export const H2_PREFACE_LENGTH = PREFACE.length;
const EMPTY = Buffer.alloc(0);

/** True when `b` is (a prefix of) the HTTP/2 client connection preface. */
export function isH2Preface(b: Buffer): boolean {
  const n = Math.min(b.length, PREFACE.length);
  return n > 0 && PREFACE.compare(b, 0, n, 0, n) === 0;
}

export interface H2Downstream {
  drain(): void;
}

interface SessionContext { rt: HcmRuntime; conn: ConnectionInfo; d: H2Connection }

const servers = new WeakMap<HcmRuntime, Http2Server>();
const contexts = new WeakMap<Http2Session, SessionContext>();
/** Set while server.emit("connection") runs: node:http2 emits "session" synchronously. */
let attaching: SessionContext | null = null;

function serverFor(rt: HcmRuntime): Http2Server {
  let s = servers.get(rt);
  if (s !== undefined) return s;
  s = nodeHttp2().createServer({ maxSessionMemory: 64, settings: { maxHeaderListSize: rt.config.maxRequestHeadersBytes } });
  s.on("session", (session: Http2Session) => {
    const ctx = attaching;
    if (ctx === null) { session.destroy(); return; }
    contexts.set(session, ctx);
    ctx.d.session = session;
    session.on("error", () => session.destroy());
    session.setTimeout(rt.config.idleTimeoutMs, () => session.close());
  });
  s.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const ctx = stream.session === undefined ? undefined : contexts.get(stream.session);
    if (ctx === undefined) { stream.close(); return; }
    new H2Exchange(ctx.rt, stream, headers, ctx.conn).start();
  });
  s.on("sessionError", () => undefined);
  servers.set(rt, s);
  return s;
}

class H2Connection implements H2Downstream {
  session: Http2Session | null = null;
  constructor(private readonly socket: Socket) {}
  drain(): void {
    if (this.session !== null && !this.session.closed) this.session.close();
    else this.socket.end();
  }
}

export function serveH2(rt: HcmRuntime, conn: ConnectionInfo, onClosed: (d: H2Downstream) => void): H2Downstream {
  const socket = conn.socket;
  const d = new H2Connection(socket);
  const server = serverFor(rt);
  socket.once("close", () => onClosed(d));
  attaching = { rt, conn, d };
  try {
    // Bytes already read (codec detection, inspectors) cannot be unshifted into node:http2, so
    // such connections go through a stream that replays them first.
    // node:http2 also refuses a TLS socket whose ALPN is not h2 (it answers 403); the codec was
    // already chosen (HTTP2, or AUTO saw the preface), so such a socket goes through the wrapper too.
    const pre = conn.preread;
    const alpn = (socket as Socket & { alpnProtocol?: string | false }).alpnProtocol;
    const tlsNotH2 = alpn === false || alpn === "http/1.1";
    server.emit("connection", (pre !== undefined && pre.length > 0) || tlsNotH2 ? new PrereadSocket(socket, pre ?? EMPTY) : socket);
  } finally {
    attaching = null;
  }
  socket.resume();
  return d;
}
