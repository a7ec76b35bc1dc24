// The last accepted Envoy JSON of every resource, with version_info and last_updated, rendered in
// Envoy's /config_dump shape (BootstrapConfigDump, Clusters…, Listeners…, Routes…, Secrets…).
import type { EnvoyJson } from "../contracts.js";

export type DumpKind = "cluster" | "listener" | "route" | "secret";

interface Entry {
  readonly json: EnvoyJson;
  readonly version: string;
  readonly lastUpdated: string;
  readonly dynamic: boolean;
}

interface ErrorEntry {
  readonly json: unknown;
  readonly details: string;
  readonly when: string;
}

const ADMIN = "type.googleapis.com/envoy.admin.v3.";
const RESOURCE_TYPE: Record<DumpKind, string> = {
  cluster: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
  listener: "type.googleapis.com/envoy.config.listener.v3.Listener",
  route: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
  secret: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
};

/** Replaces private keys (inline) with "[redacted]", as Envoy does. */
export function redactSecret(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactSecret);
  if (typeof v !== "object" || v === null) return v;
  const out: EnvoyJson = {};
  for (const [k, x] of Object.entries(v as EnvoyJson)) {
    if ((k === "private_key" || k === "password") && typeof x === "object" && x !== null && !("filename" in x)) out[k] = { inline_string: "[redacted]" };
    else out[k] = redactSecret(x);
  }
  return out;
}

export class ConfigDumpStore {
  private bootstrap: EnvoyJson = {};
  private bootstrapUpdated = new Date().toISOString();
  private readonly entries: Record<DumpKind, Map<string, Entry>> = { cluster: new Map(), listener: new Map(), route: new Map(), secret: new Map() };
  private readonly versions: Record<DumpKind, string> = { cluster: "", listener: "", route: "", secret: "" };
  private readonly listenerErrors = new Map<string, ErrorEntry>();

  setBootstrap(b: EnvoyJson): void {
    this.bootstrap = b;
    this.bootstrapUpdated = new Date().toISOString();
  }

  accepted(kind: DumpKind, name: string, json: EnvoyJson, version: string, dynamic: boolean): void {
    this.entries[kind].set(name, { json, version, lastUpdated: new Date().toISOString(), dynamic });
    if (dynamic) this.versions[kind] = version;
    if (kind === "listener") this.listenerErrors.delete(name);
  }

  rejected(kind: DumpKind, name: string, json: unknown, details: string): void {
    if (kind === "listener") this.listenerErrors.set(name, { json, details, when: new Date().toISOString() });
  }

  removed(kind: DumpKind, name: string): void {
    this.entries[kind].delete(name);
    if (kind === "listener") this.listenerErrors.delete(name);
  }

  private list(kind: DumpKind, dynamic: boolean): [string, Entry][] {
    // Code-unit order: localeCompare would load ICU data (~3 MB) into the proxy.
    return [...this.entries[kind]].filter(([, e]) => e.dynamic === dynamic).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private typed(kind: DumpKind, json: EnvoyJson): EnvoyJson {
    return { "@type": RESOURCE_TYPE[kind], ...(kind === "secret" ? (redactSecret(json) as EnvoyJson) : json) };
  }

  render(): EnvoyJson {
    const listenerNames = new Set([...this.list("listener", true).map(([n]) => n), ...this.listenerErrors.keys()]);
    return {
      configs: [
        { "@type": `${ADMIN}BootstrapConfigDump`, bootstrap: redactSecret(this.bootstrap), last_updated: this.bootstrapUpdated },
        {
          "@type": `${ADMIN}ClustersConfigDump`,
          version_info: this.versions.cluster,
          static_clusters: this.list("cluster", false).map(([, e]) => ({ cluster: this.typed("cluster", e.json), last_updated: e.lastUpdated })),
          dynamic_active_clusters: this.list("cluster", true).map(([, e]) => ({ version_info: e.version, cluster: this.typed("cluster", e.json), last_updated: e.lastUpdated })),
        },
        {
          "@type": `${ADMIN}ListenersConfigDump`,
          version_info: this.versions.listener,
          static_listeners: this.list("listener", false).map(([, e]) => ({ listener: this.typed("listener", e.json), last_updated: e.lastUpdated })),
          dynamic_listeners: [...listenerNames].sort().map((name) => {
            const e = this.entries.listener.get(name);
            const err = this.listenerErrors.get(name);
            return {
              name,
              ...(e?.dynamic ? { active_state: { version_info: e.version, listener: this.typed("listener", e.json), last_updated: e.lastUpdated } } : {}),
              ...(err ? { error_state: { failed_configuration: err.json, last_update_attempt: err.when, details: err.details } } : {}),
            };
          }),
        },
        {
          "@type": `${ADMIN}RoutesConfigDump`,
          static_route_configs: this.list("route", false).map(([, e]) => ({ route_config: this.typed("route", e.json), last_updated: e.lastUpdated })),
          dynamic_route_configs: this.list("route", true).map(([, e]) => ({ version_info: e.version, route_config: this.typed("route", e.json), last_updated: e.lastUpdated })),
        },
        {
          "@type": `${ADMIN}SecretsConfigDump`,
          static_secrets: this.list("secret", false).map(([name, e]) => ({ name, last_updated: e.lastUpdated, secret: this.typed("secret", e.json) })),
          dynamic_active_secrets: this.list("secret", true).map(([name, e]) => ({ name, version_info: e.version, last_updated: e.lastUpdated, secret: this.typed("secret", e.json) })),
        },
      ],
    };
  }
}
