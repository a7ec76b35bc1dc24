// The config store: typed resources by kind/namespace/name, a monotonically increasing revision,
// and change events for watchers (the control plane, the console, the analyzer).
import { MizzenError } from "../../errors.js";
import type { Resource } from "../resource.js";
import { matchesSelector, type LabelSelector } from "./label-selector.js";

export type StoreEventType = "added" | "updated" | "deleted";

export interface StoreEvent {
  type: StoreEventType;
  /** The resource after the change (for "deleted", the last stored version). */
  resource: Resource;
  /** The store's revision right after this change. */
  revision: number;
}

export type StoreListener = (event: StoreEvent) => void;

export const StoreErrorCode = {
  Exists: "MIZZEN_ERR_STORE_EXISTS",
  NotFound: "MIZZEN_ERR_STORE_NOT_FOUND",
} as const;

function nameKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

/** Content equality that ignores where a resource came from and the version the store stamped. */
function sameContent(a: Resource, b: Resource): boolean {
  const strip = (r: Resource): unknown => {
    const { source: _source, metadata, ...rest } = r;
    const { resourceVersion: _rv, ...meta } = metadata;
    return { ...rest, metadata: meta };
  };
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

export class ConfigStore {
  private readonly byKind = new Map<string, Map<string, Resource>>();
  private readonly listeners = new Set<StoreListener>();
  private rev = 0;

  /** Increases by one on every add, update and delete; never decreases. */
  get revision(): number {
    return this.rev;
  }

  /** Adds a new resource; a resource with the same kind/namespace/name must not exist. */
  add(resource: Resource): StoreEvent {
    if (this.get(resource.kind, resource.metadata.namespace, resource.metadata.name)) {
      throw new MizzenError(StoreErrorCode.Exists, `${describe(resource)} already exists`);
    }
    return this.put("added", resource);
  }

  /** Replaces an existing resource. */
  update(resource: Resource): StoreEvent {
    if (!this.get(resource.kind, resource.metadata.namespace, resource.metadata.name)) {
      throw new MizzenError(StoreErrorCode.NotFound, `${describe(resource)} does not exist`);
    }
    return this.put("updated", resource);
  }

  /**
   * Adds or updates. Returns undefined (and emits nothing) when the content did not change; the
   * stored copy still takes the new source location.
   */
  apply(resource: Resource): StoreEvent | undefined {
    const existing = this.get(resource.kind, resource.metadata.namespace, resource.metadata.name);
    if (!existing) return this.put("added", resource);
    if (sameContent(existing, resource)) {
      const kept = { ...resource, metadata: { ...resource.metadata, resourceVersion: existing.metadata.resourceVersion } };
      this.kindMap(resource.kind).set(nameKey(resource.metadata.namespace, resource.metadata.name), kept);
      return undefined;
    }
    return this.put("updated", resource);
  }

  /** Deletes a resource; returns undefined when there was none. */
  delete(kind: string, namespace: string | undefined, name: string): StoreEvent | undefined {
    const map = this.byKind.get(kind);
    const key = nameKey(namespace, name);
    const existing = map?.get(key);
    if (!map || !existing) return undefined;
    map.delete(key);
    this.rev += 1;
    return this.emit({ type: "deleted", resource: existing, revision: this.rev });
  }

  get(kind: string, namespace: string | undefined, name: string): Resource | undefined {
    return this.byKind.get(kind)?.get(nameKey(namespace, name));
  }

  /** Resources of one kind, optionally in one namespace, sorted by namespace then name. */
  list(kind: string, namespace?: string): Resource[] {
    const all = [...(this.byKind.get(kind)?.values() ?? [])];
    const picked = namespace === undefined ? all : all.filter((r) => r.metadata.namespace === namespace);
    return picked.sort(compareResources);
  }

  /** Every resource, sorted by kind, namespace, name. */
  listAll(): Resource[] {
    const out: Resource[] = [];
    for (const kind of [...this.byKind.keys()].sort()) out.push(...this.list(kind));
    return out;
  }

  /** Resources of a kind whose metadata.labels satisfy the selector (Kubernetes semantics). */
  selectByLabels(kind: string, selector: LabelSelector, namespace?: string): Resource[] {
    return this.list(kind, namespace).filter((r) => matchesSelector(selector, r.metadata.labels));
  }

  /** Calls `listener` for every later change; returns the function that stops it. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private kindMap(kind: string): Map<string, Resource> {
    let map = this.byKind.get(kind);
    if (!map) {
      map = new Map();
      this.byKind.set(kind, map);
    }
    return map;
  }

  private put(type: StoreEventType, resource: Resource): StoreEvent {
    this.rev += 1;
    const stored: Resource = { ...resource, metadata: { ...resource.metadata, resourceVersion: String(this.rev) } };
    this.kindMap(resource.kind).set(nameKey(resource.metadata.namespace, resource.metadata.name), stored);
    return this.emit({ type, resource: stored, revision: this.rev });
  }

  private emit(event: StoreEvent): StoreEvent {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // A failing watcher must not stop the others nor undo the change.
      }
    }
    return event;
  }
}

function describe(r: Resource): string {
  return r.metadata.namespace ? `${r.kind} ${r.metadata.namespace}/${r.metadata.name}` : `${r.kind} ${r.metadata.name}`;
}

function compareResources(a: Resource, b: Resource): number {
  const ns = (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "");
  return ns !== 0 ? ns : a.metadata.name.localeCompare(b.metadata.name);
}
