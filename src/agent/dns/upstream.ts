// Forwarding to the host's resolver: the first nameserver of /etc/resolv.conf, queried over UDP
// or TCP with a timeout. Answers are relayed byte for byte (same id, same flags).
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import net from "node:net";

export interface Upstream {
  address: string;
  port: number;
}

/** The first `nameserver` in a resolv.conf text; undefined when there is none. */
export function nameserverFromResolvConf(text: string): Upstream | undefined {
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && net.isIP(m[1] as string)) return { address: m[1] as string, port: 53 };
  }
  return undefined;
}

/** The host's resolver from /etc/resolv.conf (127.0.0.53 style stubs included), undefined if unreadable. */
export function hostUpstream(path = "/etc/resolv.conf"): Upstream | undefined {
  try {
    return nameserverFromResolvConf(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** Sends `query` to `upstream` over UDP; resolves to the reply or undefined on timeout/error. */
export function forwardUdp(upstream: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(upstream.address) ? "udp6" : "udp4");
    const id = query.readUInt16BE(0);
    let done = false;
    const finish = (b: Buffer | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(b);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on("error", () => finish(undefined));
    sock.on("message", (msg) => {
      if (msg.length >= 2 && msg.readUInt16BE(0) === id) finish(msg);
    });
    sock.send(query, upstream.port, upstream.address, (err) => { if (err) finish(undefined); });
  });
}

/** Sends `query` to `upstream` over TCP (2-byte length framing); resolves to the reply or undefined. */
export function forwardTcp(upstream: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect(upstream.port, upstream.address);
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (b: Buffer | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(b);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on("error", () => finish(undefined));
    sock.on("close", () => finish(undefined));
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > 65537) return finish(undefined);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(query.length, 0);
    sock.write(Buffer.concat([len, query]));
  });
}
