// DNS capture end to end on loopback: the control plane (Bookinfo Services + ServiceEntries) serves
// Istio's NDS NameTable over ADS; real `mizzen proxy` processes (one with --dns-proxy-port in
// namespace default, one with node metadata DNS_CAPTURE=true in namespace other) answer DNS from
// it: short names and search-domain forms, ServiceEntry hosts (given and auto-allocated VIPs),
// NXDOMAIN for unknown cluster names, and a Service added at run time after the push.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { adsBootstrap, BIN, startControlPlane, type StartedControlPlane } from "./controlplane-helpers.js";
import { RCODE, queryTcp, queryUdp, type DnsAnswer } from "./dns-client.js";
import { eventually, freePort } from "./local-helpers.js";
import { NDS_TYPE_URL, decodeNameTable, type NameTable } from "../src/api/istio/nds.js";
import type { EnvoyJson } from "../src/proxy/contracts.js";
import { AdsClient } from "../src/proxy/xds/index.js";

const BOOKINFO = new URL("../../samples/bookinfo/platform/bookinfo.yaml", import.meta.url).pathname;
const NET = `127.${60 + (process.pid % 100)}.${process.pid % 250}`;

const SERVICE_ENTRIES = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external-api, namespace: default}
spec:
  hosts: [api.example.com]
  addresses: [192.0.2.10]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: internal-db, namespace: default}
spec:
  hosts: [db.internal.example]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 5432, name: tcp-db, protocol: TCP}]
`;

const PAYMENTS = `apiVersion: v1
kind: Service
metadata: {name: payments, namespace: default}
spec:
  selector: {app: payments}
  ports: [{name: http, port: 8080}]
`;

function bootstrap(xdsPort: number, ip: string, ns: string, metadata: Record<string, string>): object {
  return adsBootstrap({
    nodeId: `sidecar~${ip}~client.${ns}~${ns}.svc.cluster.local`, cluster: `client.${ns}`,
    metadata: { INTERCEPTION_MODE: "NONE", NAMESPACE: ns, ...metadata }, xdsPort,
  });
}

interface RunningProxy {
  child: ChildProcess;
  output: () => string;
}

function startProxy(file: string, extra: string[]): RunningProxy {
  const child = spawn(process.execPath, [BIN, "proxy", "--bootstrap", file, "--drain-time-s", "0", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (b: Buffer) => { out += b.toString(); });
  child.stderr?.on("data", (b: Buffer) => { out += b.toString(); });
  return { child, output: () => out };
}

function stopProxy(p: RunningProxy | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => p.child.kill("SIGKILL"), 5000);
    p.child.once("exit", () => { clearTimeout(kill); resolve(); });
    p.child.kill("SIGTERM");
  });
}

/** Polls until `name` answers with addresses (the proxy has its first NameTable), bounded. */
function resolved(port: number, name: string): Promise<DnsAnswer> {
  return eventually(`${name} to resolve on ${port}`, async () => {
    const a = await queryUdp("127.0.0.1", port, name, 1000).catch(() => undefined);
    return a && a.rcode === RCODE.NOERROR && a.addresses.length > 0 ? a : undefined;
  }, 15_000);
}

describe("DNS proxy fed by NDS", () => {
  let cp: StartedControlPlane;
  let defaultProxy: RunningProxy | undefined;
  let otherProxy: RunningProxy | undefined;
  let dnsDefault = 0;
  let dnsOther = 0;
  const vip = (host: string): string => {
    const a = cp.cp.registry.snapshot().service(host)?.address;
    assert.ok(a, `registry has a VIP for ${host}`);
    return a;
  };

  before(async () => {
    cp = await startControlPlane({ "bookinfo.yaml": await readFile(BOOKINFO, "utf8"), "service-entries.yaml": SERVICE_ENTRIES });
    [dnsDefault, dnsOther] = [await freePort(), await freePort()];
    const fileDefault = join(cp.dir, "..", `dns-nds-default-${process.pid}.json`);
    const fileOther = join(cp.dir, "..", `dns-nds-other-${process.pid}.json`);
    await writeFile(fileDefault, JSON.stringify(bootstrap(cp.xdsPort, `${NET}.2`, "default", {})));
    await writeFile(fileOther, JSON.stringify(bootstrap(cp.xdsPort, `${NET}.3`, "other", { DNS_CAPTURE: "true", DNS_PROXY_PORT: String(dnsOther) })));
    defaultProxy = startProxy(fileDefault, ["--dns-proxy-port", String(dnsDefault)]);
    otherProxy = startProxy(fileOther, []);
    try {
      await resolved(dnsDefault, "reviews.default.svc.cluster.local");
      await resolved(dnsOther, "reviews.default.svc.cluster.local");
    } finally {
      await rm(fileDefault, { force: true });
      await rm(fileOther, { force: true });
    }
  });

  after(async () => {
    await stopProxy(defaultProxy);
    await stopProxy(otherProxy);
    await cp?.stop();
  });

  it("answers every Kubernetes form of a Service's name in the pod's namespace with its VIP", async () => {
    const reviews = vip("reviews.default.svc.cluster.local");
    for (const name of ["reviews", "reviews.default", "reviews.default.svc", "reviews.default.svc.cluster.local", "REVIEWS.default.svc.cluster.local."]) {
      assert.deepEqual(await queryUdp("127.0.0.1", dnsDefault, name), { rcode: RCODE.NOERROR, addresses: [reviews] }, name);
    }
    // The forms a stub resolver makes from "reviews.default" with the pod's search domains.
    assert.deepEqual((await queryUdp("127.0.0.1", dnsDefault, "reviews.default.default.svc.cluster.local")).addresses, [reviews]);
    assert.deepEqual(await queryTcp("127.0.0.1", dnsDefault, "productpage"), { rcode: RCODE.NOERROR, addresses: [vip("productpage.default.svc.cluster.local")] });
  });

  it("answers reviews.default from another namespace, but not the bare short name's cluster form there", async () => {
    const reviews = vip("reviews.default.svc.cluster.local");
    assert.deepEqual((await queryUdp("127.0.0.1", dnsOther, "reviews.default")).addresses, [reviews]);
    assert.deepEqual((await queryUdp("127.0.0.1", dnsOther, "reviews.default.other.svc.cluster.local")).addresses, [reviews]);
    assert.equal((await queryUdp("127.0.0.1", dnsOther, "reviews.other.svc.cluster.local")).rcode, RCODE.NXDOMAIN);
  });

  it("answers ServiceEntry hosts with their addresses and auto-allocated VIPs", async () => {
    assert.deepEqual(await queryUdp("127.0.0.1", dnsDefault, "api.example.com"), { rcode: RCODE.NOERROR, addresses: ["192.0.2.10"] });
    const auto = vip("db.internal.example");
    assert.match(auto, /^240\.240\./);
    assert.deepEqual(await queryUdp("127.0.0.1", dnsDefault, "db.internal.example"), { rcode: RCODE.NOERROR, addresses: [auto] });
    assert.deepEqual((await queryUdp("127.0.0.1", dnsOther, "db.internal.example")).addresses, [auto]);
  });

  it("answers NXDOMAIN for unknown names under the cluster domain", async () => {
    // "nosuch.default" with the pod's first search domain, and names no Service has.
    for (const name of ["nosuch.default.svc.cluster.local", "nosuch.default.default.svc.cluster.local", "nosuch.svc.cluster.local", "cluster.local"]) {
      assert.equal((await queryUdp("127.0.0.1", dnsDefault, name)).rcode, RCODE.NXDOMAIN, name);
    }
    assert.equal((await queryTcp("127.0.0.1", dnsDefault, "gone.default.svc.cluster.local")).rcode, RCODE.NXDOMAIN);
  });

  it("resolves a Service added at run time once the control plane pushes NDS", async () => {
    assert.equal((await queryUdp("127.0.0.1", dnsDefault, "payments.default.svc.cluster.local")).rcode, RCODE.NXDOMAIN);
    await cp.write("payments.yaml", PAYMENTS);
    const answer = await resolved(dnsDefault, "payments");
    assert.deepEqual(answer.addresses, [vip("payments.default.svc.cluster.local")]);
    assert.deepEqual((await resolved(dnsOther, "payments.default")).addresses, answer.addresses);
  });

  it("shows the NDS subscription ACKed in the control plane's sync status", async () => {
    // The proxies ACK after applying; the last push may still be in flight, so wait (bounded).
    const synced = await eventually("both proxies SYNCED on NDS", () => {
      const conns = cp.cp.ads.connections();
      const nds = conns.map((c) => c.types["type.googleapis.com/istio.networking.nds.v1.NameTable"]?.status);
      return conns.length === 2 && nds.every((s) => s === "SYNCED") ? nds : undefined;
    }, 10_000);
    assert.deepEqual(synced, ["SYNCED", "SYNCED"]);
  });

  it("serves the NameTable over delta ADS too, named, to a client that asks for it", async () => {
    const tables: NameTable[] = [];
    const client = new AdsClient({
      address: `127.0.0.1:${cp.xdsPort}`, delta: true, backoff: { initialMs: 50, maxMs: 200 },
      node: { id: `sidecar~${NET}.4~delta.default~default.svc.cluster.local`, cluster: "delta.default", metadata: { NAMESPACE: "default" } },
      extraTypes: { [NDS_TYPE_URL]: (v) => decodeNameTable(v) as unknown as EnvoyJson },
      applier: (typeUrl, resources) => {
        if (typeUrl === NDS_TYPE_URL) for (const r of resources) tables.push(r.resource as unknown as NameTable);
        return [];
      },
    });
    client.start();
    try {
      const table = await eventually("a NameTable over delta", () => tables[0], 10_000);
      assert.deepEqual(table.table["reviews.default.svc.cluster.local"], { ips: [vip("reviews.default.svc.cluster.local")], registry: "Kubernetes", shortname: "reviews", namespace: "default", alt_hosts: [] });
      assert.equal(table.table["api.example.com"]?.registry, "External");
      assert.deepEqual(Object.keys(client.state()[NDS_TYPE_URL]?.resources ?? {}), ["nds"]);
    } finally {
      client.stop();
    }
  });
});
