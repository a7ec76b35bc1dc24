// Deployments applied to a running mesh (`mizzen apply`, `mizzen delete`) become pods: the config
// directory is read every interval. A Deployment not seen before (by namespace/name, template and
// replicas) starts its pods; the pods of a Deployment that was deleted or changed are stopped, after
// the changed Deployment's new pods were started (replace, as a rollout that surges first).
import type { Deployment } from "../../../config/kinds/core/index.js";
import type { Resource } from "../../../config/resource.js";
import { errorMessage } from "../../../errors.js";
import { templateHash } from "../pod-names.js";
import { deploymentsOf, readConfigDir } from "./config-dir.js";

export function deploymentKey(d: Deployment): string {
  return `${deploymentName(d)}@${templateHash(d.spec.template)}/${d.spec.replicas ?? 1}`;
}

function deploymentName(d: Deployment): string {
  return `${d.metadata.namespace ?? "default"}/${d.metadata.name}`;
}

/** What the watch does to the platform. */
export interface DeploymentActions {
  start(d: Deployment): Promise<void>;
  /** Names of the pods a Deployment has now. */
  podsOf(namespace: string, name: string): string[];
  stopPod(name: string): Promise<unknown>;
  /** Sees every read of the config directory (e.g. to start the egress gateway once config needs it). */
  configRead?(resources: readonly Resource[]): Promise<void>;
}

export interface DeploymentChanges {
  started: string[];
  stoppedPods: string[];
}

export class DeploymentWatch {
  private readonly known = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly configDir: string,
    initial: readonly Deployment[],
    private readonly actions: DeploymentActions,
    private readonly log: (line: string) => void,
    private readonly intervalMs = 2000,
  ) {
    for (const d of initial) this.known.add(deploymentKey(d));
  }

  begin(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** One look at the config directory; returns the Deployments it started and the pods it stopped. */
  async check(): Promise<DeploymentChanges> {
    const out: DeploymentChanges = { started: [], stoppedPods: [] };
    if (this.running) return out;
    this.running = true;
    try {
      const resources = await readConfigDir(this.configDir);
      try {
        await this.actions.configRead?.(resources);
      } catch (e) {
        this.log(`config: ${errorMessage(e)}`);
      }
      const now = deploymentsOf(resources);
      const keys = new Set(now.map(deploymentKey));
      // The pods to retire are the ones the old version has before the new one starts.
      const retired: { key: string; pods: string[] }[] = [];
      for (const key of [...this.known]) {
        if (keys.has(key)) continue;
        this.known.delete(key);
        const [ns = "default", name = ""] = (key.split("@")[0] ?? "").split("/");
        retired.push({ key, pods: this.actions.podsOf(ns, name) });
      }
      for (const d of now) {
        const key = deploymentKey(d);
        if (this.known.has(key)) continue;
        this.known.add(key);
        try {
          await this.actions.start(d);
          out.started.push(key);
          this.log(`deployment ${deploymentName(d)} applied: starting its pods`);
        } catch (e) {
          this.log(`deployment ${key}: ${errorMessage(e)}`);
        }
      }
      for (const { key, pods } of retired) {
        if (pods.length > 0) this.log(`deployment ${key.split("@")[0] ?? key} removed or changed: stopping ${pods.join(", ")}`);
        await Promise.all(pods.map(async (p) => {
          try {
            await this.actions.stopPod(p);
            out.stoppedPods.push(p);
          } catch (e) {
            this.log(`pod ${p}: ${errorMessage(e)}`);
          }
        }));
      }
    } finally {
      this.running = false;
    }
    return out;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
