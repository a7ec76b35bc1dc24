// The agent's DNS proxy (Istio's on 15053): UDP and TCP, answers A records for mesh names from a
// table the control plane provides, NXDOMAIN for unknown cluster names, forwards the rest to the
// host's resolver. Malformed packets get FORMERR or are dropped; nothing a client sends throws.
import dgram from "node:dgram";
import net from "node:net";
import { MizzenError } from "../../errors.js";
import {
  buildHeaderOnlyError, buildResponse, CLASS_IN, parseQuery, RCODE_NOERROR, RCODE_NXDOMAIN, RCODE_SERVFAIL, TYPE_A,
} from "./dns-message.js";
import { DnsTable, type DnsTableInput } from "./dns-table.js";
import { forwardTcp, forwardUdp, hostUpstream, type Upstream } from "./upstream.js";

export interface DnsProxyOptions {
  table: DnsTableInput;
  /** Where unknown names go; default the host's /etc/resolv.conf nameserver; null: none (SERVFAIL). */
  upstream?: Upstream | null;
  port?: number;
  address?: string;
  /** Upstream timeout (default 2 s). */
  upstreamTimeoutMs?: number;
}

export interface DnsProxy {
  /** The bound port (UDP and TCP share it). */
  readonly port: number;
  readonly address: string;
  /** Replaces the name table (a new push from the control plane). */
  update(table: DnsTableInput): void;
  close(): Promise<void>;
  /** Counters for diagnostics and tests. */
  readonly stats: { queries: number; answered: number; nxdomain: number; forwarded: number; malformed: number };
}

const MAX_TCP_BUFFER = 65_537;
const TCP_IDLE_MS = 10_000;

export async function createDnsProxy(opts: DnsProxyOptions): Promise<DnsProxy> {
  let table = new DnsTable(opts.table);
  const upstream = opts.upstream === null ? undefined : opts.upstream ?? hostUpstream();
  const address = opts.address ?? "127.0.0.1";
  const timeoutMs = opts.upstreamTimeoutMs ?? 2000;
  const stats = { queries: 0, answered: 0, nxdomain: 0, forwarded: 0, malformed: 0 };

  /** The reply to one message; undefined means drop it. */
  async function handle(msg: Buffer, overTcp: boolean): Promise<Buffer | undefined> {
    stats.queries++;
    const parsed = parseQuery(msg);
    if (!parsed.ok) {
      stats.malformed++;
      return parsed.id === undefined || parsed.flags === undefined ? undefined : buildHeaderOnlyError(parsed.id, parsed.flags, parsed.rcode);
    }
    const { query } = parsed;
    const found = query.question.class === CLASS_IN ? table.lookup(query.question.name) : { kind: "forward" as const };
    if (found.kind === "answer") {
      stats.answered++;
      // Known mesh name: A records for A, no data (NOERROR, empty) for AAAA and other types.
      return buildResponse(query, RCODE_NOERROR, query.question.type === TYPE_A ? found.addresses : []);
    }
    if (found.kind === "nxdomain") {
      stats.nxdomain++;
      return buildResponse(query, RCODE_NXDOMAIN);
    }
    stats.forwarded++;
    if (!upstream) return buildResponse(query, RCODE_SERVFAIL);
    const reply = overTcp ? await forwardTcp(upstream, msg, timeoutMs) : await forwardUdp(upstream, msg, timeoutMs);
    return reply ?? buildResponse(query, RCODE_SERVFAIL);
  }

  const udp = dgram.createSocket(net.isIPv6(address) ? "udp6" : "udp4");
  udp.on("error", () => undefined); // per-datagram send errors; the socket stays up
  udp.on("message", (msg, rinfo) => {
    handle(msg, false).then(
      (reply) => { if (reply) udp.send(reply, rinfo.port, rinfo.address); },
      () => undefined,
    );
  });

  const tcpSockets = new Set<net.Socket>();
  const tcp = net.createServer((sock) => {
    tcpSockets.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on("error", () => undefined);
    sock.on("close", () => tcpSockets.delete(sock));
    let buf = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_TCP_BUFFER) {
        sock.destroy();
        return;
      }
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        handle(msg, true).then((reply) => {
          if (!reply) {
            sock.destroy();
            return;
          }
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length, 0);
          if (!sock.destroyed) sock.write(Buffer.concat([len, reply]));
        }, () => sock.destroy());
      }
    });
  });

  const port = await bindBoth(udp, tcp, address, opts.port ?? 15053);
  return {
    port,
    address,
    stats,
    update(next) {
      table = new DnsTable(next);
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of tcpSockets) s.destroy();
      udp.close();
      tcp.close(() => resolve());
    }),
  };
}

/** Binds UDP then TCP on the same port (port 0: the port the kernel picks for UDP). */
async function bindBoth(udp: dgram.Socket, tcp: net.Server, address: string, port: number): Promise<number> {
  const bindUdp = (p: number): Promise<number> => new Promise((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(p, address, () => { udp.removeListener("error", reject); resolve(udp.address().port); });
  });
  const bindTcp = (p: number): Promise<void> => new Promise((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(p, address, () => { tcp.removeListener("error", reject); resolve(); });
  });
  try {
    const udpPort = await bindUdp(port);
    await bindTcp(udpPort);
    return udpPort;
  } catch (e) {
    try { udp.close(); } catch { /* not bound */ }
    throw new MizzenError("MIZZEN_ERR_DNS_BIND", `DNS proxy cannot listen on ${address}:${port}: ${(e as Error).message}`, { cause: e });
  }
}
