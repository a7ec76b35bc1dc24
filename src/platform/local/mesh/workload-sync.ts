// Keeps the control plane's live workloads (POST /debug/workloads) in step with the pods: every
// change upserts all pods (unchanged upserts cost nothing there) and removes the pods that are gone
// since the last accepted sync; one request in flight at a time, a change during it schedules one more.
import http from "node:http";
import type { WorkloadInput } from "../../../registry/index.js";

export interface WorkloadUpsert {
  op: "upsert";
  workload: { name: string; namespace: string; address: string; labels: Record<string, string>; ports: Record<string, number>; ready: boolean; serviceAccount: string };
}

export interface WorkloadRemove {
  op: "remove";
  namespace: string;
  name: string;
}

/** Remove operations for the workloads in `previous` (namespace/name keys) that `current` no longer has. */
export function removalsFor(previous: ReadonlySet<string>, current: readonly WorkloadInput[]): WorkloadRemove[] {
  const now = new Set(current.map((w) => `${w.namespace}/${w.name}`));
  return [...previous].filter((k) => !now.has(k)).map((k) => {
    const i = k.indexOf("/");
    return { op: "remove", namespace: k.slice(0, i), name: k.slice(i + 1) };
  });
}

export function upsertsFor(inputs: readonly WorkloadInput[]): WorkloadUpsert[] {
  return inputs.map((w) => ({
    op: "upsert",
    workload: { name: w.name, namespace: w.namespace, address: w.address, labels: { ...(w.labels ?? {}) }, ports: { ...(w.namedPorts ?? {}) }, ready: w.ready ?? true, serviceAccount: w.serviceAccount ?? "default" },
  }));
}

export function postWorkloads(port: number, body: unknown): Promise<number> {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: "127.0.0.1", port, path: "/debug/workloads", method: "POST", agent: false, timeout: 5000, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end(data);
  });
}

export class WorkloadSync {
  private inFlight = false;
  private dirty = false;
  private closed = false;
  lastStatus = 0;
  /** What the control plane holds from us (namespace/name), as of the last accepted sync. */
  private sent = new Set<string>();

  constructor(private readonly port: number, private readonly source: () => WorkloadInput[]) {}

  /** Schedules a sync of every pod. */
  changed(): void {
    if (this.closed) return;
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    this.inFlight = true;
    void this.run();
  }

  private async run(): Promise<void> {
    do {
      this.dirty = false;
      const inputs = this.source();
      const body = [...removalsFor(this.sent, inputs), ...upsertsFor(inputs)];
      if (body.length > 0) this.lastStatus = await postWorkloads(this.port, body);
      if (this.lastStatus === 200) this.sent = new Set(inputs.map((w) => `${w.namespace}/${w.name}`));
      // A control plane that did not take it (restarting): try again shortly.
      if (this.lastStatus !== 200 && !this.closed) {
        await new Promise((r) => setTimeout(r, 500));
        this.dirty = true;
      }
    } while (this.dirty && !this.closed);
    this.inFlight = false;
  }

  close(): void {
    this.closed = true;
  }
}
