import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import net from "node:net";
import { createDnsProxy, type DnsProxy } from "./dns-proxy.js";
import { buildQuery, buildResponse, parseQuery, parseResponse, RCODE_FORMERR, RCODE_NOERROR, RCODE_NXDOMAIN, TYPE_A, TYPE_AAAA } from "./dns-message.js";

/** A loopback "host resolver": answers every A query with 203.0.113.7, over UDP only. */
async function startUpstream(): Promise<{ port: number; seen: string[]; close(): void }> {
  const sock = dgram.createSocket("udp4");
  const seen: string[] = [];
  sock.on("message", (msg, rinfo) => {
    const p = parseQuery(msg);
    if (!p.ok) return;
    seen.push(p.query.question.name);
    sock.send(buildResponse(p.query, RCODE_NOERROR, ["203.0.113.7"]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
  return { port: sock.address().port, seen, close: () => sock.close() };
}

function udpAsk(port: number, msg: Buffer, timeoutMs = 3000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket("udp4");
    const timer = setTimeout(() => { sock.close(); resolve(undefined); }, timeoutMs);
    sock.on("message", (m) => { clearTimeout(timer); sock.close(); resolve(m); });
    sock.send(msg, port, "127.0.0.1");
  });
}

function tcpAsk(port: number, msgs: Buffer[]): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    const out: Buffer[] = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error("tcp timeout")); }, 5000);
    sock.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === msgs.length) { clearTimeout(timer); sock.destroy(); resolve(out); }
    });
    sock.on("error", reject);
    for (const m of msgs) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(m.length, 0);
      sock.write(Buffer.concat([len, m]));
    }
  });
}

const TABLE = {
  namespace: "default",
  hosts: {
    "reviews.default.svc.cluster.local": ["10.96.0.10"],
    "ratings.prod.svc.cluster.local": ["10.96.0.11"],
    "api.external.example": ["240.240.0.1"],
  },
};

describe("DNS proxy", () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let dns: DnsProxy;
  before(async () => {
    upstream = await startUpstream();
    dns = await createDnsProxy({ table: TABLE, upstream: { address: "127.0.0.1", port: upstream.port }, port: 0, address: "127.0.0.1", upstreamTimeoutMs: 1000 });
  });
  after(async () => {
    await dns.close();
    upstream.close();
  });
  const askA = async (name: string, id = 4242): Promise<ReturnType<typeof parseResponse>> => {
    const reply = await udpAsk(dns.port, buildQuery(id, name, TYPE_A));
    assert.ok(reply, `no reply for ${name}`);
    return parseResponse(reply);
  };

  it("answers service names in every Kubernetes form from the pod's namespace", async () => {
    for (const name of ["reviews", "reviews.default", "reviews.default.svc", "reviews.default.svc.cluster.local", "REVIEWS.default.svc.cluster.local."]) {
      const r = await askA(name);
      assert.equal(r?.rcode, RCODE_NOERROR, name);
      assert.deepEqual(r?.addresses, ["10.96.0.10"], name);
      assert.equal(r?.aa, true);
      assert.equal(r?.id, 4242);
    }
  });

  it("answers names a stub resolver expanded with the search domains", async () => {
    assert.deepEqual((await askA("reviews.default.svc.cluster.local.default.svc.cluster.local"))?.addresses, ["10.96.0.10"]);
    assert.deepEqual((await askA("ratings.prod.default.svc.cluster.local"))?.addresses, ["10.96.0.11"]);
    assert.deepEqual((await askA("ratings.prod.svc.cluster.local"))?.addresses, ["10.96.0.11"]);
  });

  it("does not answer another namespace's short name, and says NXDOMAIN for unknown cluster names", async () => {
    const r = await askA("ratings.default.svc.cluster.local");
    assert.equal(r?.rcode, RCODE_NXDOMAIN);
    assert.deepEqual(r?.addresses, []);
    assert.equal((await askA("nothing.default.svc.cluster.local"))?.rcode, RCODE_NXDOMAIN);
  });

  it("answers ServiceEntry hosts and gives no data for AAAA of mesh names", async () => {
    assert.deepEqual((await askA("api.external.example"))?.addresses, ["240.240.0.1"]);
    const aaaa = parseResponse((await udpAsk(dns.port, buildQuery(7, "reviews", TYPE_AAAA))) as Buffer);
    assert.equal(aaaa?.rcode, RCODE_NOERROR);
    assert.deepEqual(aaaa?.addresses, []);
  });

  it("forwards other names to the upstream resolver", async () => {
    const before = upstream.seen.length;
    const r = await askA("www.example.org");
    assert.deepEqual(r?.addresses, ["203.0.113.7"]);
    assert.equal(upstream.seen[before], "www.example.org");
    assert.equal(upstream.seen.includes("reviews"), false);
  });

  it("answers over TCP, several queries on one connection", async () => {
    const replies = await tcpAsk(dns.port, [buildQuery(1, "reviews", TYPE_A), buildQuery(2, "x.default.svc.cluster.local", TYPE_A)]);
    const parsed = replies.map((b) => parseResponse(b));
    assert.deepEqual(parsed.map((p) => p?.id).sort(), [1, 2]);
    assert.deepEqual(parsed.find((p) => p?.id === 1)?.addresses, ["10.96.0.10"]);
    assert.equal(parsed.find((p) => p?.id === 2)?.rcode, RCODE_NXDOMAIN);
  });

  it("takes a new table with update()", async () => {
    dns.update({ namespace: "default", hosts: { "details.default.svc.cluster.local": ["10.96.0.12"] } });
    try {
      assert.deepEqual((await askA("details"))?.addresses, ["10.96.0.12"]);
      assert.equal((await askA("reviews.default.svc.cluster.local"))?.rcode, RCODE_NXDOMAIN);
    } finally {
      dns.update(TABLE);
    }
  });

  it("survives a corpus of malformed packets and keeps answering", async () => {
    const good = buildQuery(9, "reviews", TYPE_A);
    const corpus: Buffer[] = [Buffer.alloc(0), Buffer.from([1]), Buffer.alloc(11), Buffer.alloc(12)];
    for (let cut = 1; cut < good.length; cut++) corpus.push(good.subarray(0, cut));
    const withCount = Buffer.from(good);
    withCount.writeUInt16BE(2, 4);
    corpus.push(withCount);
    const loop = Buffer.from(good);
    loop[12] = 0xc0;
    loop[13] = 12; // a pointer to itself
    corpus.push(loop);
    const longLabel = Buffer.from(good);
    longLabel[12] = 63;
    corpus.push(longLabel);
    const response = Buffer.from(good);
    response[2] = 0x81;
    corpus.push(response);
    const opcode = Buffer.from(good);
    opcode[2] = 0x28;
    corpus.push(opcode);
    let seed = 12345;
    const rand = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    for (let i = 0; i < 200; i++) {
      const b = Buffer.alloc(rand() % 80);
      for (let j = 0; j < b.length; j++) b[j] = rand() & 0xff;
      corpus.push(b);
      const mutated = Buffer.from(good);
      mutated[12 + (rand() % (good.length - 12))] = rand() & 0xff;
      corpus.push(mutated);
    }
    const sock = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
    for (const b of corpus) sock.send(b, dns.port, "127.0.0.1");
    sock.close();
    const formerr = parseResponse((await udpAsk(dns.port, withCount)) as Buffer);
    assert.equal(formerr?.rcode, RCODE_FORMERR);
    const garbageTcp = await new Promise<boolean>((resolve) => {
      const s = net.connect(dns.port, "127.0.0.1", () => s.end(Buffer.from([0, 5, 1, 2, 3, 4, 5, 0xff, 0xff, 9])));
      s.on("close", () => resolve(true));
      s.on("error", () => resolve(true));
      s.resume();
    });
    assert.equal(garbageTcp, true);
    assert.deepEqual((await askA("reviews", 77))?.addresses, ["10.96.0.10"]);
    assert.ok(dns.stats.malformed > 0);
  });
});
