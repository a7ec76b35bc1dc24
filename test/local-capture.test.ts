// REDIRECT capture for real: two pods in network namespaces on a test bridge, `mizzen
// init-capture` in pod A. A's outbound lands on its 15001 with the original destination
// recoverable, inbound to A lands on 15006, excluded ports and the proxy's uid pass untouched,
// DNS goes to A's DNS proxy on 15053; --cleanup and teardown leave nothing behind.
// Needs root, iproute2 and iptables; skipped with the reason otherwise.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { originalDstAvailable } from "../src/proxy/listener/original-dst.js";
import { freeTestBridge } from "./local-helpers.js";
import { createPodNetwork, ensureBridge, inPodNetwork, netnsName, podNetworkUnavailableReason, removeBridge, removePodNetwork, type BridgeSpec } from "../src/platform/local/pod-network.js";

const BIN = new URL("../../bin/mizzen.js", import.meta.url).pathname;
const DIST = new URL("../", import.meta.url).pathname; // dist/
const BRIDGE: BridgeSpec = podNetworkUnavailableReason() ? { name: "mzt-none", gateway: "198.19.0.1", prefix: 24 } : freeTestBridge("mzt", 0);
const NET = BRIDGE.gateway.slice(0, BRIDGE.gateway.lastIndexOf("."));
const POD_A = `cap-a-${process.pid}`;
const POD_B = `cap-b-${process.pid}`;
const IP_A = `${NET}.10`;
const IP_B = `${NET}.11`;

function reason(): string | undefined {
  const r = podNetworkUnavailableReason();
  if (r) return `${r} (apt-get install -y iptables iproute2, run as root)`;
  if (!originalDstAvailable()) return "the original-destination addon did not build (npm rebuild)";
  return undefined;
}

// Pod A's "sidecar": 15001 and 15006 report the original destination, 15021 answers directly,
// 15053 is the real DNS proxy with one mesh name.
const SIDECAR = `
import net from "node:net";
const { getOriginalDst } = await import(${JSON.stringify(DIST + "src/proxy/listener/original-dst.js")});
const { createDnsProxy } = await import(${JSON.stringify(DIST + "src/agent/dns/index.js")});
const listen = (port, name) => new Promise((r) => net.createServer((s) => {
  s.on("error", () => {});
  const o = getOriginalDst(s);
  s.end(name + " " + (o ? o.address + ":" + o.port : "none") + "\\n");
}).listen(port, "0.0.0.0", r));
await listen(15001, "outbound");
await listen(15006, "inbound");
await listen(15021, "health");
await createDnsProxy({ table: { namespace: "default", hosts: { "reviews.default.svc.cluster.local": ["10.96.7.7"] } }, port: 15053, address: "0.0.0.0", upstream: { address: "127.0.0.1", port: 9 } });
console.log("ready");
setInterval(() => {}, 1000);`;

const APP_B = `
require("node:net").createServer((s) => { s.on("error", () => {}); s.end("pod-b\\n"); }).listen(8080, "0.0.0.0", () => console.log("ready"));
setInterval(() => {}, 1000);`;

const CLIENT = `
const [host, port, uid] = process.argv.slice(1);
if (uid) { process.setgid(Number(uid)); process.setuid(Number(uid)); }
const c = require("node:net").connect(Number(port), host);
let got = "";
c.on("data", (b) => { got += b; });
c.on("close", () => { process.stdout.write(got); });
c.on("error", (e) => { process.stdout.write("error " + e.code); });
setTimeout(() => { process.stdout.write("timeout"); process.exit(0); }, 5000).unref();`;

const RESOLVE = `
const { buildQuery, parseResponse } = await import(${JSON.stringify(DIST + "src/agent/dns/index.js")});
const s = (await import("node:dgram")).createSocket("udp4");
s.on("message", (m) => { const r = parseResponse(m); console.log(r ? r.addresses.join(",") || "rcode " + r.rcode : "bad"); process.exit(0); });
s.send(buildQuery(5, "reviews", 1), 53, "203.0.113.53");
setTimeout(() => { console.log("timeout"); process.exit(0); }, 5000).unref();`;

function sh(argv: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, out: r.stdout ?? "", err: r.stderr ?? "" };
}

function startReady(argv: string[]): Promise<ChildProcess> {
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`not ready: ${out}`)); }, 15_000);
    const on = (b: Buffer): void => {
      out += b.toString();
      if (out.includes("ready")) { clearTimeout(timer); resolve(child); }
    };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${out}`)); });
  });
}

const why = reason();

describe("REDIRECT capture in network namespaces", { skip: why ?? false }, () => {
  const children: ChildProcess[] = [];
  before(async () => {
    ensureBridge(BRIDGE);
    createPodNetwork(POD_A, IP_A, BRIDGE);
    createPodNetwork(POD_B, IP_B, BRIDGE);
    children.push(await startReady(inPodNetwork(POD_A, [process.execPath, "--input-type=module", "-e", SIDECAR])));
    children.push(await startReady(inPodNetwork(POD_B, [process.execPath, "-e", APP_B])));
    const init = sh(inPodNetwork(POD_A, [process.execPath, BIN, "init-capture", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-b", "*", "-d", "15090,15021,15020"]));
    assert.equal(init.status, 0, init.err);
  });
  after(() => {
    for (const c of children) c.kill("SIGKILL");
    removePodNetwork(POD_A);
    removePodNetwork(POD_B);
    removeBridge(BRIDGE);
  });
  const dial = (pod: string, host: string, port: number, uid?: number): string =>
    sh(inPodNetwork(pod, [process.execPath, "-e", CLIENT, host, String(port), ...(uid === undefined ? [] : [String(uid)])])).out.trim();

  it("lists the MIZZEN chains in the pod's nat table", () => {
    const rules = sh(inPodNetwork(POD_A, ["iptables", "-t", "nat", "-L", "-n"])).out;
    for (const chain of ["MIZZEN_OUTPUT", "MIZZEN_REDIRECT", "MIZZEN_IN_REDIRECT", "MIZZEN_INBOUND"]) assert.match(rules, new RegExp(`Chain ${chain}`));
    assert.match(rules, /redir ports 15001/);
    assert.match(rules, /redir ports 15006/);
    assert.match(rules, /redir ports 15053/);
  });

  it("sends pod A's outbound TCP to 15001 with the original destination recoverable", () => {
    assert.equal(dial(POD_A, IP_B, 8080), `outbound ${IP_B}:8080`);
  });

  it("leaves the proxy's own uid (1337) uncaptured", () => {
    assert.equal(dial(POD_A, IP_B, 8080, 1337), "pod-b");
  });

  it("sends inbound TCP to pod A to 15006, except the excluded ports", () => {
    assert.equal(dial(POD_B, IP_A, 9080), `inbound ${IP_A}:9080`);
    assert.match(dial(POD_B, IP_A, 15021), /^health /);
  });

  it("sends DNS from the app to the DNS proxy on 15053", () => {
    const r = sh(inPodNetwork(POD_A, [process.execPath, "--input-type=module", "-e", RESOLVE]));
    assert.equal(r.out.trim(), "10.96.7.7", r.err);
  });

  it("reaches pods from the host through the bridge", () => {
    const r = sh([process.execPath, "-e", CLIENT, IP_B, "8080"]);
    assert.equal(r.out.trim(), "pod-b");
  });

  it("removes every rule and chain with --cleanup, after which traffic flows directly", () => {
    const clean = sh(inPodNetwork(POD_A, [process.execPath, BIN, "init-capture", "--cleanup"]));
    assert.equal(clean.status, 0, clean.err);
    assert.doesNotMatch(sh(inPodNetwork(POD_A, ["iptables-save", "-t", "nat"])).out, /MIZZEN|mizzen/);
    assert.equal(dial(POD_A, IP_B, 8080), "pod-b");
  });

  it("tears down namespaces, veths, bridge and host rules without a trace", () => {
    for (const c of children) c.kill("SIGKILL");
    removePodNetwork(POD_A);
    removePodNetwork(POD_B);
    removeBridge(BRIDGE);
    const netns = sh(["ip", "netns", "list"]).out;
    assert.equal(netns.includes(netnsName(POD_A)) || netns.includes(netnsName(POD_B)), false);
    assert.doesNotMatch(sh(["ip", "link"]).out, new RegExp(`${BRIDGE.name}[:@]`));
    assert.doesNotMatch(sh(["iptables-save"]).out, new RegExp(`-i ${BRIDGE.name} `));
  });
});

if (why) {
  describe("REDIRECT capture in network namespaces", () => {
    it(`skipped: ${why}`, { skip: why }, () => undefined);
  });
}
