// original_dst with real iptables REDIRECT: a network namespace with 198.18.0.1 on lo, OUTPUT
// rules sending :8080-8082 to the proxy's 15001, the proxy and upstreams running inside it.
// Needs root, `ip netns` and iptables; skipped with the reason otherwise.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { originalDstAvailable } from "../src/proxy/listener/original-dst.js";

const BIN = new URL("../../bin/mizzen.js", import.meta.url).pathname;
const NS = `mzt${process.pid}`;

function skipReason(): string | undefined {
  if (process.platform !== "linux") return "original_dst needs Linux";
  if (process.getuid?.() !== 0) return "needs root to create a network namespace and iptables rules";
  if (spawnSync("iptables", ["--version"]).status !== 0) return "iptables is not installed (apt-get install -y iptables)";
  if (spawnSync("ip", ["-V"]).status !== 0) return "the ip command (iproute2) is not installed";
  if (!originalDstAvailable()) return "the original-destination addon did not build (npm rebuild)";
  return undefined;
}

function sh(args: string[]): void {
  const r = spawnSync(args[0] as string, args.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
}

const TCP = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
const tcp = (cluster: string): unknown => ({ name: "tcp", typed_config: { "@type": TCP, stat_prefix: cluster, cluster } });
const cluster = (name: string, port: number): unknown => ({
  name, type: "STATIC", connect_timeout: "1s",
  load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }] }] },
});

const GREETERS = `
const net = require("node:net");
for (const [name, port] of [["by-port", 9001], ["default", 9002], ["handed-off", 9003]]) {
  net.createServer((s) => { s.on("error", () => {}); s.end(name + "\\n"); }).listen(port, "127.0.0.1");
}
setInterval(() => {}, 1000);`;

const CLIENT = `
const net = require("node:net");
const c = net.connect(Number(process.argv[1]), process.argv[2] || "198.18.0.1");
let got = "";
c.on("data", (b) => { got += b; });
c.on("close", () => { process.stdout.write(got); });
c.on("error", (e) => { process.stdout.write("error " + e.code); });
setTimeout(() => { process.stdout.write("timeout"); process.exit(0); }, 5000).unref();`;

const reason = skipReason();

describe("original_dst under iptables REDIRECT", { skip: reason ?? false }, () => {
  const dir = mkdtempSync(join(tmpdir(), "mizzen-odst-"));
  let ipv6 = false;
  const children: ChildProcess[] = [];
  before(async () => {
    sh(["ip", "netns", "add", NS]);
    sh(["ip", "-n", NS, "link", "set", "lo", "up"]);
    sh(["ip", "-n", NS, "addr", "add", "198.18.0.1/32", "dev", "lo"]);
    sh(["ip", "netns", "exec", NS, "iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "198.18.0.1", "-m", "multiport", "--dports", "8080:8082", "-j", "REDIRECT", "--to-ports", "15001"]);
    // IPv6 too, when the kernel has ip6tables NAT (IP6T_SO_ORIGINAL_DST).
    ipv6 = spawnSync("ip", ["-n", NS, "addr", "add", "fd00:198:18::1/128", "dev", "lo", "nodad"]).status === 0
      && spawnSync("ip", ["netns", "exec", NS, "ip6tables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "fd00:198:18::1", "--dport", "8080", "-j", "REDIRECT", "--to-ports", "15001"]).status === 0;
    const bootstrap = {
      node: { id: "sidecar~198.18.0.1~odst.default~default.svc.cluster.local", cluster: "odst" },
      admin: { address: { socket_address: { address: "127.0.0.1", port_value: 15000 } } },
      static_resources: {
        listeners: [
          {
            name: "virtualOutbound", address: { socket_address: { address: "0.0.0.0", port_value: 15001 } }, use_original_dst: true,
            listener_filters: [{ name: "envoy.filters.listener.original_dst", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst" } }],
            filter_chains: [{ filter_chain_match: { destination_port: 8080 }, filters: [tcp("by-port")] }],
            default_filter_chain: { filters: [tcp("default")] },
          },
          ...(ipv6 ? [{
            name: "virtualOutbound6", address: { socket_address: { address: "::", port_value: 15001 } },
            listener_filters: [{ name: "envoy.filters.listener.original_dst", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst" } }],
            filter_chains: [{ filter_chain_match: { destination_port: 8080 }, filters: [tcp("by-port")] }],
            default_filter_chain: { filters: [tcp("default")] },
          }] : []),
          { name: "198.18.0.1_8081", address: { socket_address: { address: "198.18.0.1", port_value: 8081 } }, bind_to_port: false, filter_chains: [{ filters: [tcp("handed-off")] }] },
        ],
        clusters: [cluster("by-port", 9001), cluster("default", 9002), cluster("handed-off", 9003)],
      },
    };
    const path = join(dir, "bootstrap.json");
    writeFileSync(path, JSON.stringify(bootstrap));
    children.push(spawn("ip", ["netns", "exec", NS, process.execPath, "-e", GREETERS], { stdio: "ignore" }));
    const proxy = spawn("ip", ["netns", "exec", NS, process.execPath, BIN, "proxy", "--bootstrap", path, "--drain-time-s", "0"], { stdio: ["ignore", "ignore", "pipe"] });
    children.push(proxy);
    await new Promise<void>((resolve, reject) => {
      let err = "";
      proxy.stderr?.on("data", (b: Buffer) => {
        err += b.toString();
        if (err.includes(" LIVE")) resolve();
      });
      proxy.once("exit", (code) => reject(new Error(`proxy exited ${code}: ${err}`)));
    });
  });
  after(() => {
    for (const c of children) c.kill("SIGKILL");
    spawnSync("ip", ["netns", "del", NS]);
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = (port: number, host = "198.18.0.1"): string => {
    const r = spawnSync("ip", ["netns", "exec", NS, process.execPath, "-e", CLIENT, String(port), host], { encoding: "utf8", timeout: 10_000 });
    return r.stdout.trim();
  };

  it("matches the filter chain on the pre-REDIRECT destination port", () => {
    assert.equal(ask(8080), "by-port");
  });

  it("hands the connection to the listener bound to the original destination (use_original_dst)", () => {
    assert.equal(ask(8081), "handed-off");
  });

  it("reads the original destination of IPv6 connections", (t) => {
    if (!ipv6) return t.skip("no IPv6 NAT (ip6tables) in this kernel");
    assert.equal(ask(8080, "fd00:198:18::1"), "by-port");
  });

  it("keeps connections whose destination has no listener on the virtual listener's default chain", () => {
    assert.equal(ask(8082), "default");
  });
});

if (reason) {
  describe("original_dst under iptables REDIRECT", () => {
    it(`skipped: ${reason}`, { skip: reason }, () => undefined);
  });
}
