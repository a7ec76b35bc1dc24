// Runs the byte-reading listener filters (TLS inspector, HTTP inspector) over the first bytes of a
// connection. The bytes read are not lost: they are returned as `preread` for the next stage.
import type { Socket } from "node:net";
import { parseClientHello } from "./client-hello.js";
import { sniffHttp } from "./http-sniff.js";

export interface Inspection {
  transportProtocol: string;
  sni: string;
  alpn: string[];
  applicationProtocols: string[];
}

export interface InspectorSet {
  readonly tls: boolean;
  readonly http: boolean;
  readonly timeoutMs: number;
  readonly continueOnTimeout: boolean;
}

export type InspectOutcome =
  | { ok: true; inspection: Inspection; preread: Buffer }
  | { ok: false; reason: "timeout" | "closed" | "error" };

/** Applies the inspectors to `buf`; true when every inspector has its answer. */
function apply(set: InspectorSet, buf: Buffer, out: Inspection, eof: boolean): boolean {
  let done = true;
  if (set.tls && out.transportProtocol === "") {
    const r = parseClientHello(buf);
    if (r.kind === "tls") {
      out.transportProtocol = "tls";
      out.sni = r.sni ?? "";
      out.alpn = r.alpn;
      out.applicationProtocols = [...r.alpn];
    } else if (r.kind === "not-tls" || eof) out.transportProtocol = "raw_buffer";
    else done = false;
  }
  // The HTTP inspector only looks at plaintext (Envoy skips it once TLS was detected).
  if (set.http && out.transportProtocol !== "tls" && out.applicationProtocols.length === 0 && buf[0] !== 0x16) {
    const r = sniffHttp(buf);
    if (r.kind === "http") out.applicationProtocols = [r.protocol];
    else if (r.kind === "more" && !eof) done = false;
  }
  return done;
}

function finalize(out: Inspection): Inspection {
  if (out.transportProtocol === "") out.transportProtocol = "raw_buffer";
  return out;
}

/** Reads until the inspectors are done, then pauses the socket and calls `done` once. */
export function inspect(socket: Socket, set: InspectorSet, initial: Buffer | undefined, done: (r: InspectOutcome) => void): void {
  const out: Inspection = { transportProtocol: "", sni: "", alpn: [], applicationProtocols: [] };
  let buf = initial ?? Buffer.alloc(0);
  if ((!set.tls && !set.http) || (buf.length > 0 && apply(set, buf, out, false))) {
    done({ ok: true, inspection: finalize(out), preread: buf });
    return;
  }
  let finished = false;
  const finish = (r: InspectOutcome): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.pause();
    socket.removeListener("data", onData);
    socket.removeListener("end", onEnd);
    socket.removeListener("close", onClose);
    done(r);
  };
  const onData = (chunk: Buffer): void => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (apply(set, buf, out, false)) finish({ ok: true, inspection: finalize(out), preread: buf });
  };
  // A client that half-closes early still gets whatever was detected.
  const onEnd = (): void => {
    apply(set, buf, out, true);
    finish(buf.length > 0 ? { ok: true, inspection: finalize(out), preread: buf } : { ok: false, reason: "closed" });
  };
  const onClose = (): void => finish({ ok: false, reason: "closed" });
  const timer = set.timeoutMs > 0
    ? setTimeout(() => finish(set.continueOnTimeout ? { ok: true, inspection: finalize(out), preread: buf } : { ok: false, reason: "timeout" }), set.timeoutMs)
    : undefined;
  socket.on("data", onData);
  socket.on("end", onEnd);
  socket.on("close", onClose);
  // A socket handed off by another listener was paused by its inspectors.
  socket.resume();
}
