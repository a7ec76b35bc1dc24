// Deployments applied to a running mesh (`mizzen apply`) become pods: the config directory is read
// every interval and Deployments not seen before (by namespace/name and template) are started.
// Stopping the pods of a removed or changed Deployment needs the launcher to stop single pods,
// which it cannot yet; that is logged.
import type { Deployment } from "../../../config/kinds/core/index.js";
import { errorMessage } from "../../../errors.js";
import { templateHash } from "../pod-names.js";
import { deploymentsOf, readConfigDir } from "./config-dir.js";

export function deploymentKey(d: Deployment): string {
  return `${d.metadata.namespace ?? "default"}/${d.metadata.name}@${templateHash(d.spec.template)}/${d.spec.replicas ?? 1}`;
}

export class DeploymentWatch {
  private readonly known = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly configDir: string,
    initial: readonly Deployment[],
    private readonly start: (d: Deployment) => Promise<void>,
    private readonly log: (line: string) => void,
    private readonly intervalMs = 2000,
  ) {
    for (const d of initial) this.known.add(deploymentKey(d));
  }

  begin(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** One look at the config directory; returns the keys of the Deployments it started. */
  async check(): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    const started: string[] = [];
    try {
      const now = deploymentsOf(await readConfigDir(this.configDir));
      const keys = new Set(now.map(deploymentKey));
      for (const d of now) {
        const key = deploymentKey(d);
        if (this.known.has(key)) continue;
        this.known.add(key);
        try {
          await this.start(d);
          started.push(key);
          this.log(`deployment ${key.split("@")[0] ?? key} applied: starting its pods`);
        } catch (e) {
          this.log(`deployment ${key}: ${errorMessage(e)}`);
        }
      }
      for (const key of [...this.known]) {
        if (keys.has(key)) continue;
        this.known.delete(key);
        this.log(`deployment ${key.split("@")[0] ?? key} removed or changed: its old pods keep running until "mizzen down" (single pods cannot be stopped yet)`);
      }
    } finally {
      this.running = false;
    }
    return started;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
