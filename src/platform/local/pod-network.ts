// Network namespaces for REDIRECT pods: a bridge in the host namespace holding the gateway
// address, and per pod a namespace `mzn-<pod>` joined to it by a veth pair (eth0 inside, with the
// pod address and a default route via the bridge). Teardown removes exactly what was made.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { MizzenError } from "../../errors.js";

export interface BridgeSpec {
  /** Bridge device name (≤ 15 characters), default mzn0. */
  name: string;
  /** Gateway address on the bridge, e.g. 198.18.0.1. */
  gateway: string;
  /** Prefix length of the pod subnet, e.g. 24. */
  prefix: number;
}

export const DEFAULT_BRIDGE: BridgeSpec = { name: "mzn0", gateway: "198.18.0.1", prefix: 24 };

/** Rules added to the host's filter table carry this comment (cleanup finds them by it). */
const FORWARD_COMMENT = "mizzen-bridge";

function sh(args: string[], allowFail = false): string {
  const r = spawnSync(args[0] as string, args.slice(1), { encoding: "utf8", timeout: 15_000 });
  if (!allowFail && (r.error || r.status !== 0)) {
    throw new MizzenError("MIZZEN_ERR_POD_NETWORK", `${args.join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`);
  }
  return r.stdout ?? "";
}

/** Whether REDIRECT pods can run here: Linux, root, `ip` and iptables present. */
export function podNetworkUnavailableReason(): string | undefined {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "network namespaces and iptables need root";
  if (spawnSync("ip", ["-V"]).status !== 0) return "the ip command (iproute2) is not installed";
  if (spawnSync("iptables", ["--version"]).status !== 0) return "iptables is not installed";
  return undefined;
}

export const netnsName = (pod: string): string => `mzn-${pod}`;

/** veth names from a hash of the namespace name (interface names are at most 15 characters). */
function vethNames(pod: string): { host: string; peer: string } {
  const h = createHash("sha256").update(pod).digest("hex").slice(0, 10);
  return { host: `mzh${h}`, peer: `mzp${h}` };
}

function linkExists(name: string): boolean {
  return spawnSync("ip", ["link", "show", name]).status === 0;
}

/** Creates the bridge with the gateway address (idempotent) and lets bridged pod traffic through FORWARD. */
export function ensureBridge(b: BridgeSpec): void {
  if (!linkExists(b.name)) {
    sh(["ip", "link", "add", b.name, "type", "bridge"]);
    sh(["ip", "addr", "add", `${b.gateway}/${b.prefix}`, "dev", b.name]);
  }
  sh(["ip", "link", "set", b.name, "up"]);
  // With br_netfilter loaded (Docker hosts), bridged frames traverse FORWARD, whose policy may be DROP.
  const rule = ["FORWARD", "-i", b.name, "-o", b.name, "-m", "comment", "--comment", FORWARD_COMMENT, "-j", "ACCEPT"];
  if (spawnSync("iptables", ["-w", "5", "-C", ...rule]).status !== 0) sh(["iptables", "-w", "5", "-I", ...rule]);
}

/** Removes the bridge and its FORWARD rule; missing pieces are skipped. */
export function removeBridge(b: BridgeSpec): void {
  const rule = ["FORWARD", "-i", b.name, "-o", b.name, "-m", "comment", "--comment", FORWARD_COMMENT, "-j", "ACCEPT"];
  for (let i = 0; i < 8 && spawnSync("iptables", ["-w", "5", "-C", ...rule]).status === 0; i++) sh(["iptables", "-w", "5", "-D", ...rule], true);
  if (linkExists(b.name)) sh(["ip", "link", "del", b.name], true);
}

/** `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf: the pod's own DNS config. */
const netnsEtc = (pod: string): string => `/etc/netns/${netnsName(pod)}`;

/** A pod's resolv.conf as the kubelet writes it (ClusterFirst): search domains of its namespace, ndots 5. */
export function podResolvConf(namespace: string, nameserver: string, domain = "cluster.local"): string {
  return `search ${namespace}.svc.${domain} svc.${domain} ${domain}\nnameserver ${nameserver}\noptions ndots:5\n`;
}

/**
 * Creates the pod's namespace with `ip` on eth0 (bridged) and lo up, and its resolv.conf when
 * given; returns the namespace name.
 */
export function createPodNetwork(pod: string, ip: string, b: BridgeSpec, resolvConf?: string): string {
  const ns = netnsName(pod);
  const { host, peer } = vethNames(pod);
  removePodNetwork(pod); // a leftover from a crashed run would make every step below fail
  sh(["ip", "netns", "add", ns]);
  try {
    sh(["ip", "link", "add", host, "type", "veth", "peer", "name", peer]);
    sh(["ip", "link", "set", peer, "netns", ns]);
    sh(["ip", "link", "set", host, "master", b.name]);
    sh(["ip", "link", "set", host, "up"]);
    sh(["ip", "-n", ns, "link", "set", peer, "name", "eth0"]);
    sh(["ip", "-n", ns, "addr", "add", `${ip}/${b.prefix}`, "dev", "eth0"]);
    sh(["ip", "-n", ns, "link", "set", "eth0", "up"]);
    sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
    sh(["ip", "-n", ns, "route", "add", "default", "via", b.gateway]);
    if (resolvConf !== undefined) {
      mkdirSync(netnsEtc(pod), { recursive: true });
      writeFileSync(`${netnsEtc(pod)}/resolv.conf`, resolvConf);
    }
  } catch (e) {
    removePodNetwork(pod);
    throw e;
  }
  return ns;
}

/** Deletes the pod's namespace (which takes its veth end and the peer with it). */
export function removePodNetwork(pod: string): void {
  const ns = netnsName(pod);
  if (sh(["ip", "netns", "list"], true).split("\n").some((l) => l.split(" ")[0] === ns)) sh(["ip", "netns", "del", ns], true);
  const { host } = vethNames(pod);
  if (linkExists(host)) sh(["ip", "link", "del", host], true);
  rmSync(netnsEtc(pod), { recursive: true, force: true });
}

/** The argv prefix that runs a command inside the pod's namespace. */
export function inPodNetwork(pod: string, argv: string[]): string[] {
  return ["ip", "netns", "exec", netnsName(pod), ...argv];
}
