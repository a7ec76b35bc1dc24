// DNS wire format, only what the DNS proxy needs (RFC 1035): parse a query's header and its one
// question, build responses with A records or an error code. Strict: anything malformed is
// reported as such, never thrown past parseQuery.

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;

const HEADER_LEN = 12;
const MAX_NAME_LEN = 255;
const MAX_POINTER_HOPS = 16;

export interface DnsQuestion {
  /** Lower-cased, without the trailing dot ("" for the root). */
  name: string;
  type: number;
  class: number;
}

export interface DnsQuery {
  id: number;
  flags: number;
  question: DnsQuestion;
  /** The question section's raw bytes, echoed in the response. */
  questionBytes: Buffer;
}

/** A parsed query, or why it is not one; `id`/`flags` are set when the header was readable (for FORMERR/NOTIMP replies). */
export type ParseResult =
  | { ok: true; query: DnsQuery }
  | { ok: false; rcode: number; id?: number; flags?: number };

function readName(buf: Buffer, start: number): { name: string; end: number } | undefined {
  const labels: string[] = [];
  let pos = start;
  let end = -1;
  let hops = 0;
  let length = 0;
  for (;;) {
    if (pos >= buf.length) return undefined;
    const len = buf[pos] as number;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length || ++hops > MAX_POINTER_HOPS) return undefined;
      if (end < 0) end = pos + 2;
      const target = ((len & 0x3f) << 8) | (buf[pos + 1] as number);
      if (target >= pos) return undefined; // pointers only point backwards: no loops
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) return undefined; // extended label types are not supported
    if (pos + 1 + len > buf.length) return undefined;
    length += len + 1;
    if (length > MAX_NAME_LEN) return undefined;
    const label = buf.toString("latin1", pos + 1, pos + 1 + len);
    if (label.includes(".")) return undefined;
    labels.push(label.toLowerCase());
    pos += 1 + len;
  }
  return { name: labels.join("."), end };
}

/** Parses a DNS query message. */
export function parseQuery(buf: Buffer): ParseResult {
  if (buf.length < HEADER_LEN) return { ok: false, rcode: RCODE_FORMERR };
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return { ok: false, rcode: RCODE_FORMERR }; // a response, not a query: drop
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return { ok: false, rcode: RCODE_NOTIMP, id, flags };
  if (buf.readUInt16BE(4) !== 1) return { ok: false, rcode: RCODE_FORMERR, id, flags };
  const name = readName(buf, HEADER_LEN);
  if (!name || name.end + 4 > buf.length) return { ok: false, rcode: RCODE_FORMERR, id, flags };
  const type = buf.readUInt16BE(name.end);
  const cls = buf.readUInt16BE(name.end + 2);
  return { ok: true, query: { id, flags, question: { name: name.name, type, class: cls }, questionBytes: buf.subarray(HEADER_LEN, name.end + 4) } };
}

/** Encodes a name as labels (for building queries in tests and upstream probes). */
export function encodeName(name: string): Buffer {
  const parts = name.split(".").filter((p) => p !== "");
  const out: Buffer[] = [];
  for (const p of parts) {
    const b = Buffer.from(p, "latin1");
    out.push(Buffer.from([b.length]), b);
  }
  out.push(Buffer.from([0]));
  return Buffer.concat(out);
}

/** A standard query for `name` of `type` (RD set). */
export function buildQuery(id: number, name: string, type: number): Buffer {
  const header = Buffer.alloc(HEADER_LEN);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, encodeName(name), q]);
}

function ipv4Bytes(ip: string): Buffer | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : -1));
  if (bytes.some((b) => b < 0 || b > 255)) return undefined;
  return Buffer.from(bytes);
}

/**
 * A response to `query`: authoritative when we answer ourselves, A records for `addresses`
 * (IPv4 only; anything else is skipped) with `ttl`.
 */
export function buildResponse(query: DnsQuery, rcode: number, addresses: readonly string[] = [], ttl = 30): Buffer {
  const answers: Buffer[] = [];
  for (const ip of addresses) {
    const rdata = ipv4Bytes(ip);
    if (!rdata) continue;
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc000 | HEADER_LEN, 0); // pointer to the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    answers.push(rr, rdata);
  }
  const header = Buffer.alloc(HEADER_LEN);
  header.writeUInt16BE(query.id, 0);
  // QR=1, AA=1, RD copied, RA=1, rcode.
  header.writeUInt16BE(0x8000 | 0x0400 | (query.flags & 0x0100) | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length / 2, 6);
  return Buffer.concat([header, query.questionBytes, ...answers]);
}

/** An error reply carrying only a header (for queries whose question could not be read). */
export function buildHeaderOnlyError(id: number, flags: number, rcode: number): Buffer {
  const header = Buffer.alloc(HEADER_LEN);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8000 | (flags & 0x7900) | 0x0080 | (rcode & 0xf), 2);
  return header;
}

/** The A-record addresses and rcode of a response (for tests and diagnostics); undefined when malformed. */
export function parseResponse(buf: Buffer): { id: number; rcode: number; addresses: string[]; aa: boolean } | undefined {
  if (buf.length < HEADER_LEN) return undefined;
  const flags = buf.readUInt16BE(2);
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let pos = HEADER_LEN;
  for (let i = 0; i < qd; i++) {
    const n = readName(buf, pos);
    if (!n) return undefined;
    pos = n.end + 4;
  }
  const addresses: string[] = [];
  for (let i = 0; i < an; i++) {
    const n = readName(buf, pos);
    if (!n || n.end + 10 > buf.length) return undefined;
    const type = buf.readUInt16BE(n.end);
    const rdlen = buf.readUInt16BE(n.end + 8);
    const rdStart = n.end + 10;
    if (rdStart + rdlen > buf.length) return undefined;
    if (type === TYPE_A && rdlen === 4) addresses.push([...buf.subarray(rdStart, rdStart + 4)].join("."));
    pos = rdStart + rdlen;
  }
  return { id: buf.readUInt16BE(0), rcode: flags & 0xf, addresses, aa: (flags & 0x0400) !== 0 };
}
