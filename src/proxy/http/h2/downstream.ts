// HTTP/2 downstream connections (h2c prior knowledge and ALPN h2).
import type { ConnectionInfo } from "../../contracts.js";
import type { HcmRuntime } from "../hcm-runtime.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
export const H2_PREFACE_LENGTH = PREFACE.length;

/** True when `b` is (a prefix of) the HTTP/2 client connection preface. */
export function isH2Preface(b: Buffer): boolean {
  return b.length > 0 && PREFACE.subarray(0, Math.min(b.length, PREFACE.length)).equals(b.subarray(0, Math.min(b.length, PREFACE.length)));
}

export interface H2Downstream {
  drain(): void;
}

export function serveH2(_rt: HcmRuntime, conn: ConnectionInfo, onClosed: (d: H2Downstream) => void): H2Downstream {
  const d: H2Downstream = { drain: () => conn.socket.destroy() };
  conn.socket.destroy();
  onClosed(d);
  return d;
}
