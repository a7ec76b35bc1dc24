// Parses a TLS ClientHello from the first bytes of a connection (the TLS inspector), without
// consuming them: returns SNI and ALPN, "more" when more bytes are needed, or "not-tls".

/** Envoy reads at most this much while looking for a ClientHello. */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

export type ClientHelloResult =
  | { kind: "more" }
  | { kind: "not-tls" }
  | { kind: "tls"; sni?: string; alpn: string[] };

/** Joins the handshake fragments of consecutive handshake records; null when more bytes are needed. */
function handshakeBytes(buf: Buffer): Buffer | null | "bad" {
  const parts: Buffer[] = [];
  let off = 0;
  let have = 0;
  let need = -1;
  while (true) {
    if (off + 5 > buf.length) return null;
    if (buf[off] !== 0x16) return "bad";
    const len = buf.readUInt16BE(off + 3);
    if (off + 5 + len > buf.length) return null;
    parts.push(buf.subarray(off + 5, off + 5 + len));
    have += len;
    off += 5 + len;
    if (need < 0 && have >= 4) {
      const hs = Buffer.concat(parts);
      if (hs[0] !== 0x01) return "bad";
      need = 4 + ((hs[1] ?? 0) << 16 | (hs[2] ?? 0) << 8 | (hs[3] ?? 0));
    }
    if (need >= 0 && have >= need) return Buffer.concat(parts).subarray(0, need);
  }
}

export function parseClientHello(buf: Buffer): ClientHelloResult {
  if (buf.length === 0) return { kind: "more" };
  // A TLS record starts with 0x16 (handshake) and major version 3.
  if (buf[0] !== 0x16) return { kind: "not-tls" };
  if (buf.length >= 2 && buf[1] !== 0x03) return { kind: "not-tls" };
  const hs = handshakeBytes(buf);
  if (hs === "bad") return { kind: "not-tls" };
  if (hs === null) return buf.length >= MAX_CLIENT_HELLO_BYTES ? { kind: "not-tls" } : { kind: "more" };
  try {
    return parseBody(hs.subarray(4));
  } catch {
    return { kind: "not-tls" }; // malformed: treat as opaque bytes, the TLS handshake will fail on its own
  }
}

function parseBody(b: Buffer): ClientHelloResult {
  let p = 2 + 32; // version + random
  p += 1 + b.readUInt8(p); // session id
  p += 2 + b.readUInt16BE(p); // cipher suites
  p += 1 + b.readUInt8(p); // compression methods
  const out: { kind: "tls"; sni?: string; alpn: string[] } = { kind: "tls", alpn: [] };
  if (p >= b.length) return out; // no extensions
  const extEnd = p + 2 + b.readUInt16BE(p);
  p += 2;
  if (extEnd > b.length) throw new RangeError("extensions overflow");
  while (p + 4 <= extEnd) {
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    const body = b.subarray(p + 4, p + 4 + len);
    if (body.length !== len) throw new RangeError("extension overflow");
    if (type === 0) out.sni = parseSni(body);
    else if (type === 16) out.alpn = parseAlpn(body);
    p += 4 + len;
  }
  if (out.sni === undefined) delete out.sni;
  return out;
}

function parseSni(b: Buffer): string | undefined {
  let p = 2;
  const end = Math.min(b.length, 2 + b.readUInt16BE(0));
  while (p + 3 <= end) {
    const type = b.readUInt8(p);
    const len = b.readUInt16BE(p + 1);
    if (type === 0) return b.subarray(p + 3, p + 3 + len).toString("latin1").toLowerCase();
    p += 3 + len;
  }
  return undefined;
}

function parseAlpn(b: Buffer): string[] {
  const out: string[] = [];
  let p = 2;
  const end = Math.min(b.length, 2 + b.readUInt16BE(0));
  while (p < end) {
    const len = b.readUInt8(p);
    out.push(b.subarray(p + 1, p + 1 + len).toString("latin1"));
    p += 1 + len;
  }
  return out;
}
