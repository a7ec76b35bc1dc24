// A small dig-like DNS client for the DNS tests, written apart from the proxy's own codec so the
// two check each other: A queries over UDP or TCP, the reply's rcode and A addresses.
import dgram from "node:dgram";
import net from "node:net";

export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

export interface DnsAnswer {
  rcode: number;
  addresses: string[];
}

let nextId = 1;

export function encodeQuery(id: number, name: string, qtype = 1): Buffer {
  const labels = name.replace(/\.$/, "").split(".").filter((l) => l !== "");
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  parts.push(header);
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, "ascii"));
  parts.push(Buffer.from([0, 0, qtype, 0, 1]));
  return Buffer.concat(parts);
}

/** Skips a (possibly compressed) name; returns the offset after it. */
function skipName(buf: Buffer, pos: number): number {
  for (let guard = 0; guard < 128; guard++) {
    const len = buf[pos];
    if (len === undefined) throw new Error("truncated name");
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2;
    pos += 1 + len;
  }
  throw new Error("name too long");
}

export function decodeAnswer(buf: Buffer, id: number): DnsAnswer {
  if (buf.length < 12 || buf.readUInt16BE(0) !== id) throw new Error("reply id mismatch or short reply");
  if ((buf.readUInt16BE(2) & 0x8000) === 0) throw new Error("not a response");
  const rcode = buf.readUInt16BE(2) & 0xf;
  let pos = 12;
  for (let i = 0; i < buf.readUInt16BE(4); i++) pos = skipName(buf, pos) + 4;
  const addresses: string[] = [];
  for (let i = 0; i < buf.readUInt16BE(6); i++) {
    pos = skipName(buf, pos);
    const type = buf.readUInt16BE(pos);
    const rdlen = buf.readUInt16BE(pos + 8);
    if (type === 1 && rdlen === 4) addresses.push([...buf.subarray(pos + 10, pos + 14)].join("."));
    pos += 10 + rdlen;
  }
  return { rcode, addresses };
}

/** One A query to host:port over UDP; rejects after timeoutMs without a reply. */
export function queryUdp(host: string, port: number, name: string, timeoutMs = 3000): Promise<DnsAnswer> {
  const id = (nextId++ % 65000) + 1;
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(host) ? "udp6" : "udp4");
    const timer = setTimeout(() => { sock.close(); reject(new Error(`no DNS reply for ${name} from ${host}:${port}`)); }, timeoutMs);
    sock.on("error", (e) => { clearTimeout(timer); sock.close(); reject(e); });
    sock.on("message", (msg) => {
      clearTimeout(timer);
      sock.close();
      try { resolve(decodeAnswer(msg, id)); } catch (e) { reject(e as Error); }
    });
    sock.send(encodeQuery(id, name), port, host);
  });
}

/** One A query over TCP (2-byte length framing). */
export function queryTcp(host: string, port: number, name: string, timeoutMs = 3000): Promise<DnsAnswer> {
  const id = (nextId++ % 65000) + 1;
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, host);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no DNS reply over TCP for ${name}`)); }, timeoutMs);
    sock.on("error", (e) => { clearTimeout(timer); reject(e); });
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      clearTimeout(timer);
      sock.destroy();
      try { resolve(decodeAnswer(buf.subarray(2, 2 + buf.readUInt16BE(0)), id)); } catch (e) { reject(e as Error); }
    });
    const q = encodeQuery(id, name);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(q.length, 0);
    sock.write(Buffer.concat([len, q]));
  });
}
