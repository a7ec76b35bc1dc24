// The registry: services, workloads and endpoints built from the config store and the platform's
// live workload updates. snapshot() gives an immutable view for one push.
import type { ConfigStore } from "../config/store/index.js";
import type { Pod, Service } from "../config/kinds/core/index.js";
import type { ServiceEntry, WorkloadEntry, WorkloadGroup } from "../config/kinds/networking/index.js";
import { kubernetesEndpoints, serviceEntryEndpoints } from "./endpoints.js";
import { workloadKey, type Endpoint, type MeshService, type Workload, type WorkloadInput } from "./model.js";
import { autoVipKey, DEFAULT_DOMAIN_SUFFIX, explicitClusterIp, isHeadless, serviceEntryAddress, serviceFromKubernetes, servicesFromServiceEntry, wantsAutoVip } from "./services.js";
import { SERVICE_ENTRY_VIP_BASE, SERVICE_VIP_BASE, VipAllocator } from "./vip-allocator.js";
import { workloadFromEntry, workloadFromInput, workloadFromPod } from "./workloads.js";

export interface RegistryOptions {
  domainSuffix?: string;
}

export type RegistryListener = (change: { kind: "workload"; key: string }) => void;

/** An immutable view of the registry at one moment. */
export class RegistrySnapshot {
  private readonly byHost = new Map<string, MeshService>();
  private readonly endpointsByKey = new Map<string, Endpoint[]>();
  private readonly workloadsByAddress = new Map<string, Workload>();

  constructor(
    /** Sorted by namespace, then kind (Services first), then name. */
    readonly services: readonly MeshService[],
    readonly workloads: readonly Workload[],
    endpoints: readonly Endpoint[],
  ) {
    // When two entries declare one host, the first in order wins (Istio keeps the oldest).
    for (const s of services) if (!this.byHost.has(s.hostname)) this.byHost.set(s.hostname, s);
    for (const e of endpoints) {
      const key = `${e.hostname}|${e.servicePort}`;
      const list = this.endpointsByKey.get(key);
      if (list) list.push(e);
      else this.endpointsByKey.set(key, [e]);
    }
    for (const w of workloads) this.workloadsByAddress.set(w.address, w);
  }

  service(hostname: string): MeshService | undefined {
    return this.byHost.get(hostname);
  }

  endpoints(hostname: string, port: number): readonly Endpoint[] {
    return this.endpointsByKey.get(`${hostname}|${port}`) ?? [];
  }

  workloadByAddress(address: string): Workload | undefined {
    return this.workloadsByAddress.get(address);
  }

  workload(namespace: string, name: string): Workload | undefined {
    return this.workloads.find((w) => w.namespace === namespace && w.name === name);
  }

  /** Services whose endpoints include the workload (the services it serves). */
  servicesOf(w: Workload): MeshService[] {
    const key = workloadKey(w.namespace, w.name);
    return this.services.filter((s) => s.ports.some((p) => this.endpoints(s.hostname, p.port).some((e) => e.workload === key)));
  }
}

export class Registry {
  private readonly live = new Map<string, WorkloadInput>();
  private readonly serviceVips = new VipAllocator(SERVICE_VIP_BASE);
  private readonly entryVips = new VipAllocator(SERVICE_ENTRY_VIP_BASE);
  private readonly listeners = new Set<RegistryListener>();
  private readonly domainSuffix: string;

  constructor(
    private readonly store: ConfigStore,
    options: RegistryOptions = {},
  ) {
    this.domainSuffix = options.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
  }

  /** Adds or replaces a workload the platform runs (it overrides a stored Pod of the same name). */
  upsertWorkload(input: WorkloadInput): void {
    const key = workloadKey(input.namespace, input.name);
    this.live.set(key, { ...input });
    this.emit(key);
  }

  removeWorkload(namespace: string, name: string): boolean {
    const key = workloadKey(namespace, name);
    const had = this.live.delete(key);
    if (had) this.emit(key);
    return had;
  }

  /** Calls `listener` on every live workload change; returns the function that stops it. */
  subscribe(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  snapshot(): RegistrySnapshot {
    const workloads = this.collectWorkloads();
    const k8s = this.store.list("Service") as unknown as Service[];
    const entries = this.store.list("ServiceEntry") as unknown as ServiceEntry[];
    const reserved = new Set<string>();
    for (const s of k8s) {
      const ip = explicitClusterIp(s);
      if (ip !== undefined) reserved.add(ip);
    }
    for (const se of entries) {
      const ip = serviceEntryAddress(se);
      if (ip !== undefined) reserved.add(ip);
    }
    const wantServiceVip = k8s.filter((s) => explicitClusterIp(s) === undefined && !isHeadless(s)).map((s) => `${s.metadata.namespace ?? "default"}/${s.metadata.name}`);
    const serviceVips = this.serviceVips.allocate(wantServiceVip, reserved);
    const wantEntryVip = entries.flatMap((se) => se.spec.hosts.filter((h) => wantsAutoVip(se, h)).map((h) => autoVipKey(se.metadata.namespace ?? "default", h)));
    const entryVips = this.entryVips.allocate(wantEntryVip, reserved);

    // Selectors only reach workloads of their own namespace: index once instead of scanning all.
    const byNamespace = new Map<string, Workload[]>();
    for (const w of workloads) {
      const list = byNamespace.get(w.namespace);
      if (list) list.push(w);
      else byNamespace.set(w.namespace, [w]);
    }
    const services: MeshService[] = [];
    const endpoints: Endpoint[] = [];
    for (const s of k8s) {
      const vip = explicitClusterIp(s) ?? serviceVips.get(`${s.metadata.namespace ?? "default"}/${s.metadata.name}`);
      const svc = serviceFromKubernetes(s, vip, this.domainSuffix);
      services.push(svc);
      endpoints.push(...kubernetesEndpoints(svc, s, byNamespace.get(svc.namespace) ?? []));
    }
    for (const se of entries) {
      for (const svc of servicesFromServiceEntry(se, entryVips)) {
        services.push(svc);
        endpoints.push(...serviceEntryEndpoints(svc, se, byNamespace.get(svc.namespace) ?? []));
      }
    }
    return new RegistrySnapshot(services, workloads, endpoints);
  }

  private collectWorkloads(): Workload[] {
    const byKey = new Map<string, Workload>();
    for (const p of this.store.list("Pod") as unknown as Pod[]) {
      const w = workloadFromPod(p);
      if (w) byKey.set(workloadKey(w.namespace, w.name), w);
    }
    for (const we of this.store.list("WorkloadEntry") as unknown as WorkloadEntry[]) {
      const w = workloadFromEntry(we);
      if (w) byKey.set(`we:${workloadKey(w.namespace, w.name)}`, w);
    }
    for (const [key, input] of this.live) {
      // Resolved at snapshot time, so a WorkloadGroup edited later reaches its members.
      const group = input.group === undefined ? undefined : (this.store.get("WorkloadGroup", input.namespace, input.group) as unknown as WorkloadGroup | undefined);
      byKey.set(key, workloadFromInput(input, group));
    }
    return [...byKey.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }

  private emit(key: string): void {
    for (const l of [...this.listeners]) {
      try {
        l({ kind: "workload", key });
      } catch {
        // A failing watcher must not stop the others.
      }
    }
  }
}
