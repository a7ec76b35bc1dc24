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

function ignoreError(): void {
  // The exchange (or the session's own handler) deals with the failure; the event needs a listener.
}

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
    // node:http2 emits "stream" on the next tick: a protocol error later in the same read has by
    // then destroyed the session (stream.session is undefined) and queued the stream's 'error'.
    // Without a listener that error would end the process.
    stream.on("error", ignoreError);
    const ctx = stream.session === undefined ? undefined : contexts.get(stream.session);
    if (ctx === undefined) { stream.destroy(); return; }
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
    // Every connection goes through the duplex of preread-socket.ts: it replays bytes already read
    // (codec detection, inspectors), which cannot be unshifted into node:http2, and it closes the
    // connection after a connection error or the client's FIN, where node:http2 keeps it open.
    // (node:http2 also refuses a TLS socket whose ALPN is not h2, answering 403; through the duplex
    // it serves the codec already chosen: HTTP2, or AUTO saw the preface.)
    server.emit("connection", new PrereadSocket(socket, conn.preread ?? EMPTY));
  } finally {
    attaching = null;
  }
  socket.resume();
  return d;
}
