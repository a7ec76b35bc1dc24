// All listeners of the proxy, by name. Each Listener resource is compiled and bound on its own: an
// invalid one or one whose bind fails is rejected alone and the previous version keeps serving.
import { MizzenError, errorMessage } from "../../errors.js";
import type { EnvoyJson, ProxyServices, ProxyStats } from "../contracts.js";
import type { SecretStore } from "../tls/secret-store.js";
import { ActiveListener, type Destination, type ListenerHost } from "./active-listener.js";
import { allChains, compileListener, type CompiledChain } from "./compile.js";
import type { NetworkFilterRegistry } from "./filter-registry.js";

export interface ListenerManagerOptions {
  readonly registry: NetworkFilterRegistry;
  readonly services: ProxyServices;
  readonly secrets: SecretStore;
  readonly drainTimeMs: number;
}

export interface AppliedListener {
  readonly name: string;
  readonly json: EnvoyJson;
  readonly versionInfo: string;
  readonly lastUpdated: Date;
}

export interface ApplyResult {
  readonly name: string;
  readonly error?: string;
}

const WILDCARDS = new Set(["0.0.0.0", "::"]);

export class ListenerManager implements ListenerHost {
  private readonly active = new Map<string, ActiveListener>();
  private readonly applied = new Map<string, AppliedListener>();
  readonly drainTimeMs: number;
  readonly stats?: ProxyStats;

  constructor(private readonly opts: ListenerManagerOptions) {
    this.drainTimeMs = opts.drainTimeMs;
    if (opts.services.stats) this.stats = opts.services.stats;
  }

  /** Adds or updates one listener; throws MizzenError and keeps the old version on failure. */
  async apply(json: unknown, versionInfo = ""): Promise<ActiveListener> {
    const prev = typeof json === "object" && json !== null ? this.active.get(String((json as EnvoyJson).name)) : undefined;
    const reuse = new Map<string, CompiledChain>();
    if (prev) for (const c of allChains(prev.config)) reuse.set(c.key, c);
    const compiled = compileListener(json, { registry: this.opts.registry, services: this.opts.services, secrets: this.opts.secrets, reuse });
    const sameSocket = prev && prev.config.address === compiled.address && prev.config.port === compiled.port
      && prev.config.bindToPort === compiled.bindToPort && prev.config.ipv4Compat === compiled.ipv4Compat;
    if (prev && sameSocket) {
      prev.update(compiled);
    } else {
      const next = new ActiveListener(compiled, this);
      await next.listen();
      if (prev) {
        await prev.stopAccepting();
        prev.drain(this.drainTimeMs);
      }
      this.active.set(compiled.name, next);
    }
    this.applied.set(compiled.name, { name: compiled.name, json: compiled.json, versionInfo, lastUpdated: new Date() });
    return this.active.get(compiled.name) as ActiveListener;
  }

  /** Stops accepting on a removed listener and drains its connections. */
  async remove(name: string): Promise<boolean> {
    const l = this.active.get(name);
    if (!l) return false;
    this.active.delete(name);
    this.applied.delete(name);
    await l.stopAccepting();
    l.drain(this.drainTimeMs);
    return true;
  }

  /** State-of-the-world update: applies each resource alone and removes listeners not listed. */
  async replaceAll(resources: readonly unknown[], versionInfo = ""): Promise<ApplyResult[]> {
    const results: ApplyResult[] = [];
    const names = new Set<string>();
    for (const r of resources) {
      const name = typeof r === "object" && r !== null ? String((r as EnvoyJson).name ?? "") : "";
      names.add(name);
      try {
        await this.apply(r, versionInfo);
        results.push({ name });
      } catch (e) {
        results.push({ name, error: e instanceof MizzenError ? e.message : errorMessage(e) });
      }
    }
    for (const name of [...this.active.keys()]) if (!names.has(name)) await this.remove(name);
    return results;
  }

  get(name: string): ActiveListener | undefined {
    return this.active.get(name);
  }

  list(): ActiveListener[] {
    return [...this.active.values()];
  }

  appliedConfigs(): AppliedListener[] {
    return [...this.applied.values()];
  }

  /** Envoy's use_original_dst: the listener bound to the exact destination, else a wildcard one on its port. */
  handOffTarget(dest: Destination, from: ActiveListener): ActiveListener | undefined {
    let wildcard: ActiveListener | undefined;
    for (const l of this.active.values()) {
      if (l === from || l.port !== dest.port) continue;
      if (l.config.address === dest.address) return l;
      if (WILDCARDS.has(l.config.address) && !wildcard) wildcard = l;
    }
    return wildcard;
  }

  /** /drain_listeners: stop accepting now, or (graceful) drain filters first and stop after the drain time. */
  async drainListeners(graceful: boolean): Promise<void> {
    if (!graceful) {
      await Promise.all(this.list().map((l) => l.stopAccepting()));
      return;
    }
    for (const l of this.list()) if (l.config.drainType === "DEFAULT") l.drain(this.drainTimeMs);
    const t = setTimeout(() => void Promise.all(this.list().map((l) => l.stopAccepting())), this.drainTimeMs);
    t.unref();
  }

  /** Shutdown: stop accepting everywhere, drain, wait up to `timeMs` for connections to finish, close. */
  async shutdown(timeMs: number): Promise<void> {
    const all = this.list();
    await Promise.all(all.map((l) => l.stopAccepting()));
    for (const l of all) l.drain(timeMs);
    const deadline = Date.now() + timeMs;
    while (Date.now() < deadline && all.some((l) => l.openConnections() > 0)) {
      await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
    await Promise.all(all.map((l) => l.close()));
    this.active.clear();
  }
}
