// The local platform's pod launcher: planned pods get addresses, a network (REDIRECT: their own
// namespace on a bridge, capture installed by an init step; NONE: loopback addresses), a sidecar
// when the caller provides one, and their app containers, all under PodRuntime supervision.
// Pod status is mirrored to <stateDir>/pods.json for `mizzen status` and friends.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MizzenError } from "../../errors.js";
import type { WorkloadInput } from "../../registry/index.js";
import { AddressPool, type PodAddresses } from "./address-pool.js";
import type { BackoffPolicy } from "./backoff.js";
import type { ContainerSpec } from "./container-process.js";
import { hostUpstream } from "../../agent/dns/upstream.js";
import { createPodNetwork, DEFAULT_BRIDGE, podResolvConf, ensureBridge, inPodNetwork, podNetworkUnavailableReason, removeBridge, removePodNetwork, type BridgeSpec } from "./pod-network.js";
import type { PodPlan } from "./pod-plan.js";
import { PodRuntime, type PodRunSpec, type PodStatus } from "./pod-runtime.js";

export type CaptureMode = "REDIRECT" | "NONE";

const MIZZEN_BIN = new URL("../../../../bin/mizzen.js", import.meta.url).pathname;

/** `auto` picks REDIRECT when this host can (root, ip, iptables), else NONE with the reason. */
export function resolveCaptureMode(requested: "auto" | "redirect" | "none"): { mode: CaptureMode; reason?: string } {
  if (requested === "none") return { mode: "NONE" };
  const why = podNetworkUnavailableReason();
  if (requested === "redirect") {
    if (why) throw new MizzenError("MIZZEN_ERR_CAPTURE_UNAVAILABLE", `--capture redirect is not possible here: ${why}`);
    return { mode: "REDIRECT" };
  }
  return why ? { mode: "NONE", reason: `${why}; using capture mode none` } : { mode: "REDIRECT" };
}

/** What the caller knows about the pod when it builds its sidecar. */
export interface SidecarContext {
  pod: PodPlan;
  addresses: PodAddresses;
  captureMode: CaptureMode;
}

export interface LocalPlatformOptions {
  captureMode: CaptureMode;
  /** State directory (logs, pods.json); default .mizzen in the working directory. */
  stateDir?: string;
  /** The sidecar of a pod (e.g. `mizzen proxy …`); none when undefined (the pod runs unmeshed, without capture). */
  sidecar?: (ctx: SidecarContext) => ContainerSpec | undefined;
  /** The proxy's uid and gid in REDIRECT mode (default 1337, as Istio). */
  proxyUid?: number;
  /** NONE mode: the sidecar port the app's HTTP_PROXY points at (default 15001). */
  forwardProxyPort?: number;
  bridge?: BridgeSpec;
  /** Where pod addresses come from; default the bridge's /24 (REDIRECT) or all of 127.18.0.0/16 (NONE). */
  pool?: AddressPool;
  /** Working directory of containers (relative commands in manifests resolve here); default process.cwd(). */
  cwd?: string;
  backoff?: BackoffPolicy;
  appGraceMs?: number;
  sidecarGraceMs?: number;
  onChange?: (pods: PodStatus[]) => void;
}

/** The init step of a REDIRECT pod: `mizzen init-capture` inside its namespace (Istio's istio-init). */
export function initCaptureArgv(proxyUid: number): string[] {
  return [process.execPath, MIZZEN_BIN, "init-capture", "-p", "15001", "-z", "15006", "-u", String(proxyUid), "-m", "REDIRECT", "-i", "*", "-b", "*", "-d", "15090,15021,15020"];
}

export class LocalPlatform {
  private readonly pods = new Map<string, { runtime: PodRuntime; addresses: PodAddresses; plan: PodPlan; meshed: boolean }>();
  private readonly pool: AddressPool;
  private readonly bridge: BridgeSpec;
  readonly stateDir: string;
  private bridgeUp = false;

  constructor(private readonly opts: LocalPlatformOptions) {
    this.bridge = opts.bridge ?? DEFAULT_BRIDGE;
    this.pool = opts.pool ?? (opts.captureMode === "REDIRECT" ? poolForBridge(this.bridge) : AddressPool.loopback());
    this.stateDir = opts.stateDir ?? join(process.cwd(), ".mizzen");
    mkdirSync(this.stateDir, { recursive: true });
  }

  status(): PodStatus[] {
    return [...this.pods.values()].map((p) => p.runtime.status());
  }

  /** Creates the pods' networks and starts them; returns at once (watch status() or waitReady()). */
  startPods(plans: readonly PodPlan[]): PodStatus[] {
    if (this.opts.captureMode === "REDIRECT" && !this.bridgeUp) {
      ensureBridge(this.bridge);
      this.bridgeUp = true;
    }
    for (const plan of plans) {
      const addresses = this.pool.allocate();
      try {
        if (this.opts.captureMode === "REDIRECT") createPodNetwork(plan.name, addresses.ip, this.bridge, podResolvConf(plan.namespace, this.nameserver()));
        const runtime = new PodRuntime(this.runSpec(plan, addresses), {
          logDir: join(this.stateDir, "logs"),
          ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
          ...(this.opts.appGraceMs !== undefined ? { appGraceMs: this.opts.appGraceMs } : {}),
          ...(this.opts.sidecarGraceMs !== undefined ? { sidecarGraceMs: this.opts.sidecarGraceMs } : {}),
          onChange: () => this.changed(),
        });
        this.pods.set(plan.name, { runtime, addresses, plan, meshed: runtime.spec.sidecar !== undefined });
        runtime.start();
      } catch (e) {
        this.pool.release(addresses.ip);
        if (this.opts.captureMode === "REDIRECT") removePodNetwork(plan.name);
        throw e;
      }
    }
    this.changed();
    return this.status();
  }

  private runSpec(plan: PodPlan, addresses: PodAddresses): PodRunSpec {
    const redirect = this.opts.captureMode === "REDIRECT";
    const uid = this.opts.proxyUid ?? 1337;
    const wrap = (argv: string[]): string[] => (redirect ? inPodNetwork(plan.name, argv) : argv);
    const sidecar = this.opts.sidecar?.({ pod: plan, addresses, captureMode: this.opts.captureMode });
    const base: Record<string, string> = {
      PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
      HOSTNAME: plan.name,
      POD_NAME: plan.name,
      POD_NAMESPACE: plan.namespace,
      INSTANCE_IP: addresses.ip,
      SERVICE_ACCOUNT: plan.serviceAccount,
    };
    // NONE: the app listens on its own loopback address and reaches others through the sidecar.
    const noneEnv: Record<string, string> = {};
    if (!redirect) {
      noneEnv["HOST"] = addresses.appAddress;
      if (sidecar) noneEnv["HTTP_PROXY"] = `http://${addresses.ip}:${this.opts.forwardProxyPort ?? 15001}`;
    }
    const cwd = this.opts.cwd ?? process.cwd();
    const containers: ContainerSpec[] = plan.containers.map((c) => ({
      name: c.name,
      argv: wrap(c.argv),
      env: { ...base, ...noneEnv, ...c.env },
      cwd,
    }));
    const sidecarSpec: ContainerSpec | undefined = sidecar && {
      ...sidecar,
      argv: redirect ? inPodNetwork(plan.name, ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", ...sidecar.argv]) : sidecar.argv,
      env: { ...base, ...sidecar.env },
      cwd: sidecar.cwd ?? cwd,
    };
    return {
      name: plan.name,
      namespace: plan.namespace,
      labels: plan.labels,
      ip: addresses.ip,
      ...(redirect ? {} : { appAddress: addresses.appAddress }),
      captureMode: this.opts.captureMode,
      // Capture only for meshed pods: a pod without a sidecar must not have its traffic sent to one.
      init: redirect && sidecarSpec ? [{ name: "mizzen-init", argv: inPodNetwork(plan.name, initCaptureArgv(uid)), env: { PATH: base["PATH"] as string }, cwd }] : [],
      ...(sidecarSpec ? { sidecar: sidecarSpec } : {}),
      containers,
    };
  }

  /**
   * The pod's nameserver: the host's, as a ClusterFirst pod's DNS reaches the cluster resolver.
   * Whatever it is, capture sends the app's queries to the sidecar's DNS proxy on 15053.
   */
  private nameserver(): string {
    return hostUpstream()?.address ?? this.bridge.gateway;
  }

  /** The pods as the registry's live workloads (its workload API), with their current readiness. */
  workloadInputs(): WorkloadInput[] {
    return [...this.pods.values()].map(({ runtime, addresses, plan, meshed }) => ({
      name: plan.name,
      namespace: plan.namespace,
      address: addresses.ip,
      labels: { ...plan.labels },
      serviceAccount: plan.serviceAccount,
      ready: runtime.status().ready,
      sidecar: meshed,
      namedPorts: Object.fromEntries(plan.containers.flatMap((c) => c.ports.filter((p) => p.name).map((p) => [p.name as string, p.containerPort]))),
    }));
  }

  /** Resolves true when every pod is ready, false at the deadline. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const pods = this.status();
      if (pods.length > 0 && pods.every((p) => p.ready)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /** Names of the running pods a Deployment made (its PodPlans' `deployment`). */
  podsOf(namespace: string, deployment: string): string[] {
    return [...this.pods.values()].filter((p) => p.plan.namespace === namespace && p.plan.deployment === deployment).map((p) => p.plan.name);
  }

  /**
   * Stops one pod as a deletion would: the app first, then the sidecar drains; in REDIRECT its
   * namespace (and with it the veth and the capture rules) goes; its address is freed. The pod
   * shows as Terminating (not ready) meanwhile and is gone from status() after. False when unknown.
   */
  async stopPod(name: string): Promise<boolean> {
    const pod = this.pods.get(name);
    if (!pod) return false;
    try {
      await pod.runtime.stop();
    } finally {
      if (this.opts.captureMode === "REDIRECT") removePodNetwork(name);
      this.pods.delete(name);
      this.pool.release(pod.addresses.ip);
      this.changed();
    }
    return true;
  }

  /** Stops every pod (apps, then sidecars), removes namespaces, veths, the bridge and its rules. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.pods.values()].map((p) => p.runtime.stop()));
    if (this.opts.captureMode === "REDIRECT") {
      for (const name of this.pods.keys()) removePodNetwork(name);
      if (this.bridgeUp) removeBridge(this.bridge);
      this.bridgeUp = false;
    }
    for (const p of this.pods.values()) this.pool.release(p.addresses.ip);
    this.changed();
  }

  private changed(): void {
    const pods = this.status();
    try {
      const file = join(this.stateDir, "pods.json");
      writeFileSync(`${file}.tmp`, `${JSON.stringify(pods, null, 2)}\n`);
      renameSync(`${file}.tmp`, file);
    } catch {
      // The state file is a convenience for other commands; supervision goes on without it.
    }
    this.opts.onChange?.(pods);
  }
}

function poolForBridge(b: BridgeSpec): AddressPool {
  const p = b.gateway.split(".");
  if (b.prefix !== 24 || p.length !== 4 || p[3] !== "1") {
    throw new MizzenError("MIZZEN_ERR_BRIDGE", `bridge ${b.name}: the pod subnet must be a /24 with the gateway at .1 (got ${b.gateway}/${b.prefix})`);
  }
  const net = `${p[0]}.${p[1]}.${p[2]}`;
  return new AddressPool(`${net}.2`, `${net}.254`);
}
