// A running local mesh: manifests validated, written to <stateDir>/config, the control plane as a
// child process, the Deployments' pods with sidecars and the gateways under LocalPlatform, the
// pods registered as live workloads, the ingress gateway on 127.0.0.1:<ingress port>.
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Resource } from "../../../config/resource.js";
import { MizzenError, errorMessage } from "../../../errors.js";
import { AddressPool } from "../address-pool.js";
import type { BackoffPolicy } from "../backoff.js";
import { LocalPlatform, resolveCaptureMode, type CaptureMode } from "../local-platform.js";
import { DEFAULT_BRIDGE, type BridgeSpec } from "../pod-network.js";
import type { PodStatus } from "../pod-runtime.js";
import { probeHttp } from "../readiness.js";
import { deploymentsOf, loadValidated, writeResources } from "./config-dir.js";
import { nonePortMapper } from "./none-ports.js";
import { DeploymentWatch } from "./deployment-watch.js";
import { egressGatewayService } from "./egress-gateway.js";
import { writeGatewaySecrets } from "./gateway-credentials.js";
import { freePort, startControlPlane, type ControlPlaneHandle } from "./control-plane-process.js";
import { forwardPort, type PortForward } from "./port-forward.js";
import { deploymentPlans, EGRESS_GATEWAY, gatewayPlan, INGRESS_GATEWAY, isGatewayPod, needsEgressGateway, setProxyArgs, sidecarFor } from "./pods.js";
import { identityArgs, identityEnv, issueTokens, publishRootCert, TLS_MODE_LABEL, type MeshIdentity } from "./identity.js";
import type { PodPlan } from "../pod-plan.js";
import { notReadyReport } from "./pod-report.js";
import { processAlive, readMeshState, writeMeshState, type MeshState } from "./state.js";
import { cleanupStale } from "./teardown.js";
import { WorkloadSync } from "./workload-sync.js";
import { istioStatsMatcher, meshDefaultConfig } from "./stats-matcher.js";
import { withProxyDrain } from "./drain.js";

/** waitReady gave up because the mesh is stopping (not a failure of the mesh). */
export const MESH_STOPPED = "MIZZEN_ERR_MESH_STOPPED";

export interface MeshOptions {
  /** Manifest files or directories (Kubernetes kinds and Istio config). */
  paths: string[];
  stateDir: string;
  capture: "auto" | "redirect" | "none";
  ingressPort: number;
  /** Host port for the gateway's HTTPS servers (port 443); none when undefined. */
  ingressHttpsPort?: number;
  /** Where relative container commands resolve. */
  cwd: string;
  bridge?: BridgeSpec;
  /** MeshConfig file for the control plane (demo profile). */
  meshConfigFile?: string;
  /** The built-in trace store's port on the host: REDIRECT pods relay their 127.0.0.1:<port> to it. */
  traceStorePort?: number;
  readyTimeoutMs: number;
  /** NONE: pods get 127.18.<n>.x (apps 127.19.<n>.x); default from the pid, so meshes side by side differ. */
  loopbackSubnet?: number;
  backoff?: BackoffPolicy;
  log: (line: string) => void;
}

const STEADY_MS = 2000;

export class Mesh {
  private constructor(
    readonly state: MeshState,
    private readonly cp: ControlPlaneHandle,
    readonly platform: LocalPlatform,
    private readonly sync: WorkloadSync,
    private readonly forward: PortForward | undefined,
    private readonly watch?: DeploymentWatch,
    private readonly httpsForward?: PortForward,
  ) {}

  /** Validates, then starts everything; resolves once started (see waitReady). Throws before starting anything on bad input. */
  static async start(o: MeshOptions): Promise<Mesh> {
    const resources = await loadValidated(o.paths);
    const { mode, reason } = resolveCaptureMode(o.capture);
    o.log(`capture mode ${mode.toLowerCase()}${reason ? ` (${reason})` : ""}`);
    const prev = readMeshState(o.stateDir);
    if (prev && processAlive(prev.pid)) {
      throw new MizzenError("MIZZEN_ERR_MESH_RUNNING", `a mesh is already running from ${o.stateDir} (pid ${prev.pid}); run "mizzen down" first`);
    }
    if (prev) {
      o.log(`cleaning up a stale mesh in ${o.stateDir}`);
      cleanupStale(o.stateDir);
    }
    mkdirSync(o.stateDir, { recursive: true });
    // The sidecars run as uid 1337 in REDIRECT mode and read nothing here, but keep it traversable.
    chmodSync(o.stateDir, 0o755);
    const configDir = join(o.stateDir, "config");
    rmSync(configDir, { recursive: true, force: true });
    const egressHttpPort = mode === "NONE" ? await freePort() : undefined;
    const nonePorts = { ingressPort: o.ingressPort, ingressHttpsPort: o.ingressHttpsPort, egressHttpPort };
    writeResources(configDir, resources, mode === "NONE" ? nonePortMapper(nonePorts, resources) : undefined);
    const gatewaySecretsFile = writeGatewaySecrets(o.stateDir, resources);
    const bridge = o.bridge ?? DEFAULT_BRIDGE;
    const state: MeshState = {
      pid: process.pid, phase: "starting", captureMode: mode, stateDir: o.stateDir, configDir, ingressPort: o.ingressPort, ...(o.ingressHttpsPort ? { ingressHttpsPort: o.ingressHttpsPort } : {}),
      ...(egressHttpPort ? { egressHttpPort } : {}),
      ...(mode === "REDIRECT" ? { bridge } : {}), startedAt: new Date().toISOString(),
    };
    writeMeshState(state);
    const caDataDir = join(o.stateDir, "ca");
    const withIdentity = process.env["MIZZEN_MESH_MTLS"] !== "0";
    const cp = await startControlPlane({
      configDir, logDir: join(o.stateDir, "logs"), podFacingHost: mode === "REDIRECT" ? bridge.gateway : "127.0.0.1",
      ...(o.meshConfigFile ? { meshFile: o.meshConfigFile } : {}),
      ...(withIdentity ? { caDataDir } : {}),
    });
    const identity: MeshIdentity | undefined = cp.securePort
      ? { caAddress: `${cp.host}:${cp.securePort}`, relay: mode === "REDIRECT", rootCertFile: publishRootCert(caDataDir, o.stateDir), tokenDir: join(o.stateDir, "tokens"), dataDir: caDataDir }
      : undefined;
    const prepare = async (plans: PodPlan[]): Promise<PodPlan[]> => {
      if (!identity) return plans;
      await issueTokens(identity, plans, (p) => (mode === "REDIRECT" && !isGatewayPod(p.labels) ? 1337 : undefined));
      for (const p of plans) if (isGatewayPod(p.labels)) setProxyArgs(p, identityArgs(identity, p), identityEnv(identity));
      return plans;
    };
    // Spans go to 127.0.0.1:<trace store port>; a pod in its own network namespace relays that to the host.
    const traceEnv: Record<string, string> = mode === "REDIRECT" && o.traceStorePort ? { MIZZEN_TRACE_RELAY: `${bridge.gateway}:${o.traceStorePort}` } : {};
    // Every proxy's bootstrap gets Istio's stats_matcher (ProxyConfig as the pods start, as in Istio).
    const meshDefaults = meshDefaultConfig(o.meshConfigFile, resources);
    const statsEnv = (annotations: Readonly<Record<string, string>> | undefined): Record<string, string> => ({ MIZZEN_STATS_MATCHER: JSON.stringify(istioStatsMatcher(meshDefaults, annotations)) });
    // Gateway pods run the pod agent as their only container: it gets what a sidecar gets.
    const withGatewayEnv = (plans: PodPlan[]): PodPlan[] => {
      for (const p of plans) {
        if (!isGatewayPod(p.labels)) continue;
        for (const c of p.containers) {
          c.env = { ...c.env, ...traceEnv, ...statsEnv(p.annotations), MIZZEN_STATIC_SECRETS: gatewaySecretsFile };
          withProxyDrain(c, meshDefaults, p.annotations);
        }
      }
      return plans;
    };
    state.controlPlane = { pid: cp.pid, xdsPort: cp.xdsPort, monitoringPort: cp.monitoringPort, host: cp.host };
    writeMeshState(state);
    const xds = `${cp.host}:${cp.xdsPort}`;
    // The pods are read when a change is reported, after the platform exists.
    // Meshed pods carry Istio's tlsMode label once they have certificates: auto mTLS picks them by it.
    // The egress gateway is a workload (the mesh routes to it); the ingress gateway is reached from the host only.
    const sync: WorkloadSync = new WorkloadSync(cp.monitoringPort, () => platform.workloadInputs()
      .filter((w) => w.labels?.["istio"] !== "ingressgateway")
      .map((w) => (identity && w.sidecar ? { ...w, labels: { ...(w.labels ?? {}), [TLS_MODE_LABEL]: "istio" } } : w)));
    const platform = new LocalPlatform({
      captureMode: mode, stateDir: o.stateDir, cwd: o.cwd, ...(mode === "REDIRECT" ? { bridge } : {}),
      sidecar: (ctx) => {
        const spec = sidecarFor(ctx, xds, identity ? identityArgs(identity, ctx.pod) : [], { ...(identity ? identityEnv(identity) : {}), ...traceEnv, ...statsEnv(ctx.pod.annotations) });
        return spec && withProxyDrain(spec, meshDefaults, ctx.pod.annotations);
      },
      appGraceMs: 3000,
      ...(o.backoff ? { backoff: o.backoff } : {}),
      ...(mode === "NONE" ? { pool: AddressPool.loopbackSubnet(o.loopbackSubnet ?? loopbackSubnetFor(process.pid)) } : {}),
      onChange: () => sync.changed(),
    });
    let forward: PortForward | undefined;
    let httpsForward: PortForward | undefined;
    const mesh = new Mesh(state, cp, platform, sync, undefined);
    let egressStarted = false;
    const startEgress = async (config: readonly Resource[]): Promise<void> => {
      if (egressStarted || !needsEgressGateway(config)) return;
      egressStarted = true;
      const service = [egressGatewayService()];
      writeResources(configDir, service, mode === "NONE" ? nonePortMapper(nonePorts, service) : undefined);
      platform.startPods(await prepare(withGatewayEnv([gatewayPlan(EGRESS_GATEWAY, xds, mode)])));
      o.log("egress gateway: starting istio-egressgateway (istio-system)");
    };
    try {
      platform.startPods(await prepare(withGatewayEnv(podPlans(resources, xds, mode))));
      await startEgress(resources);
      if (mode === "REDIRECT") {
        forward = await forwardPort("127.0.0.1", o.ingressPort, () => {
          const gw = platform.status().find((p) => p.labels["istio"] === "ingressgateway");
          return gw ? { host: gw.ip, port: 80 } : undefined;
        });
        if (o.ingressHttpsPort) {
          httpsForward = await forwardPort("127.0.0.1", o.ingressHttpsPort, () => {
            const gw = platform.status().find((p) => p.labels["istio"] === "ingressgateway");
            return gw ? { host: gw.ip, port: 443 } : undefined;
          });
        }
      }
    } catch (e) {
      await mesh.stop();
      throw e;
    }
    const watch = new DeploymentWatch(configDir, deploymentsOf(resources), {
      start: async (d) => { platform.startPods(await prepare(withGatewayEnv(deploymentPlans([d], mode)))); },
      podsOf: (ns, name) => platform.podsOf(ns, name),
      stopPod: (name) => platform.stopPod(name),
      configRead: startEgress,
    }, o.log);
    watch.begin();
    return new Mesh(state, cp, platform, sync, forward, watch, httpsForward);
  }

  pods(): PodStatus[] {
    return this.platform.status();
  }

  private steady: { since: number; restarts: number } | undefined;

  /**
   * Every pod ready and every gateway's proxy LIVE, steadily: an app without a readiness probe is
   * ready as soon as it starts, so a crash right after start must not count as ready. The state
   * has to hold for STEADY_MS with no restart in between.
   */
  async ready(): Promise<boolean> {
    const pods = this.pods();
    let ok = pods.length > 0 && pods.every((p) => p.ready);
    for (const gw of pods.filter((p) => isGatewayPod(p.labels))) {
      if (ok && !(await probeHttp(`http://${gw.ip}:15021/healthz/ready`))) ok = false;
    }
    const restarts = pods.reduce((n, p) => n + p.restarts, 0);
    if (!ok || (this.steady && this.steady.restarts !== restarts)) {
      this.steady = ok ? { since: Date.now(), restarts } : undefined;
      return false;
    }
    this.steady ??= { since: Date.now(), restarts };
    return Date.now() - this.steady.since >= STEADY_MS;
  }

  /**
   * Waits until ready(); at the deadline throws MIZZEN_ERR_MESH_NOT_READY naming the pods that are
   * not ready with the tail of their logs. `progress` sees each change of the pods' state. Once
   * stop() has begun it throws MIZZEN_ERR_MESH_STOPPED: stopped pods never become ready, and the
   * wait would otherwise hold the supervisor until the deadline.
   */
  async waitReady(timeoutMs: number, progress: (pods: PodStatus[]) => void = () => undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.state.phase === "stopping") throw new MizzenError(MESH_STOPPED, "the mesh was stopped before every pod was ready");
      const pods = this.pods();
      progress(pods);
      if (await this.ready()) {
        this.state.phase = "ready";
        writeMeshState(this.state);
        return;
      }
      if (Date.now() > deadline) {
        const report = notReadyReport(pods);
        this.state.phase = "failed";
        this.state.error = report;
        writeMeshState(this.state);
        throw new MizzenError("MIZZEN_ERR_MESH_NOT_READY", report);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops the pods (apps, then sidecars), the forward, the control plane; removes networks and the state file. */
  async stop(): Promise<void> {
    this.state.phase = "stopping";
    try {
      writeMeshState(this.state);
    } catch {
      // The state dir may be gone already; stopping goes on.
    }
    this.watch?.stop();
    this.sync.close();
    await this.forward?.close();
    await this.httpsForward?.close();
    try {
      await this.platform.shutdown();
    } catch (e) {
      console.error(`mizzen: pod teardown: ${errorMessage(e)}`);
    }
    await this.cp.stop();
    rmSync(join(this.state.stateDir, "mesh.json"), { force: true });
  }
}

export function loopbackSubnetFor(seed: number): number {
  return 1 + (seed % 250);
}

function podPlans(resources: readonly Resource[], xds: string, mode: CaptureMode): ReturnType<typeof deploymentPlans> {
  const plans = deploymentPlans(resources, mode);
  plans.push(gatewayPlan(INGRESS_GATEWAY, xds, mode));
  return plans;
}
