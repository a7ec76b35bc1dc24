// Istio's TCP metadata exchange on the wire (the istio.metadata_exchange network filter): when
// mTLS negotiated ALPN "istio-peer-exchange", each side first writes an 8-byte header (magic
// 0x3D230467 and the payload length, both big-endian) and a payload (a protobuf Any holding the
// node's metadata), and reads and strips the peer's before any application byte. A peer that
// does not send the magic sent application bytes: they are passed on untouched.
// The proxy only moves bytes; what the payload means belongs to whoever installs the exchange.
import type { Socket } from "node:net";

export const PEER_EXCHANGE_ALPN = "istio-peer-exchange";
export const EXCHANGE_MAGIC = 0x3d230467;
export const EXCHANGE_HEADER_BYTES = 8;
/** Larger payloads are not metadata: the bytes are treated as application data. */
export const MAX_EXCHANGE_PAYLOAD = 64 * 1024;

/** One connection's exchange, set by the metadata exchange network filter for the TCP proxy. */
export interface PeerExchange {
  /** Header and payload this side writes first; empty to send none (the peer's is still stripped). */
  readonly localFrame: Buffer;
  /** The peer's payload, or null when the peer sent none (then the record keeps unknown peer labels). */
  onPeerPayload(payload: Buffer | null): void;
}

/** Exchanges of connections whose chain runs the metadata exchange filter, keyed by downstream socket. */
export const peerExchanges = new WeakMap<Socket, PeerExchange>();

/** Header + payload as sent on the wire. */
export function exchangeFrame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(EXCHANGE_HEADER_BYTES + payload.length);
  out.writeUInt32BE(EXCHANGE_MAGIC, 0);
  out.writeUInt32BE(payload.length, 4);
  out.set(payload, EXCHANGE_HEADER_BYTES);
  return out;
}

/**
 * Reads the peer's frame from the first bytes of a stream. feed() returns null while more bytes
 * are needed, else the application bytes that followed (or all bytes, when there was no frame);
 * `payload` is then set (null without a frame).
 */
export class ExchangeFrameReader {
  payload: Buffer | null = null;
  done = false;
  private held: Buffer | null = null;

  feed(chunk: Buffer): Buffer | null {
    const buf = this.held === null ? chunk : Buffer.concat([this.held, chunk]);
    this.held = null;
    // A frame is recognised by its magic as soon as 4 bytes are in; anything else is app data.
    const magicBytes = Math.min(4, buf.length);
    for (let i = 0; i < magicBytes; i++) {
      if (buf[i] !== ((EXCHANGE_MAGIC >>> (24 - 8 * i)) & 0xff)) return this.finish(null, buf);
    }
    if (buf.length < EXCHANGE_HEADER_BYTES) { this.held = buf; return null; }
    const size = buf.readUInt32BE(4);
    if (size > MAX_EXCHANGE_PAYLOAD) return this.finish(null, buf);
    if (buf.length < EXCHANGE_HEADER_BYTES + size) { this.held = buf; return null; }
    return this.finish(Buffer.from(buf.subarray(EXCHANGE_HEADER_BYTES, EXCHANGE_HEADER_BYTES + size)), buf.subarray(EXCHANGE_HEADER_BYTES + size));
  }

  /** The stream ended before a whole frame: whatever was held is app data. */
  end(): Buffer {
    const rest = this.held ?? Buffer.alloc(0);
    this.held = null;
    this.done = true;
    return rest;
  }

  private finish(payload: Buffer | null, rest: Buffer): Buffer {
    this.payload = payload;
    this.done = true;
    return rest;
  }
}
