// What each proxy was last sent, per type, in Envoy's /config_dump shape (so proxy-config reads the
// control plane's copy and a proxy's own admin dump the same way).
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL, SDS_TYPE_URL } from "../api/envoy/type-urls.js";
import type { EnvoyJson } from "../proxy/contracts.js";
import type { GeneratedResource } from "./proxyless/generator.js";

const ADMIN = "type.googleapis.com/envoy.admin.v3.";

interface Recorded {
  readonly version: string;
  readonly resources: readonly GeneratedResource[];
}

export class ConfigDumps {
  private readonly byProxy = new Map<string, Map<string, Recorded>>();

  record(proxyId: string, typeUrl: string, version: string, resources: readonly GeneratedResource[]): void {
    let m = this.byProxy.get(proxyId);
    if (!m) {
      m = new Map();
      this.byProxy.set(proxyId, m);
    }
    m.set(typeUrl, { version, resources });
  }

  forget(liveProxyIds: ReadonlySet<string>): void {
    for (const id of this.byProxy.keys()) if (!liveProxyIds.has(id)) this.byProxy.delete(id);
  }

  has(proxyId: string): boolean {
    return this.byProxy.has(proxyId);
  }

  /** Envoy's ConfigDump JSON for a proxy (empty sections for types it was never sent); versions from the ADS tracking. */
  dump(proxyId: string, sentVersions: Readonly<Record<string, string>> = {}): EnvoyJson {
    const m = this.byProxy.get(proxyId) ?? new Map<string, Recorded>();
    const of = (t: string): Recorded => {
      const r = m.get(t) ?? { version: "", resources: [] };
      return { version: sentVersions[t] ?? r.version, resources: r.resources };
    };
    const cds = of(CDS_TYPE_URL);
    const eds = of(EDS_TYPE_URL);
    const lds = of(LDS_TYPE_URL);
    const rds = of(RDS_TYPE_URL);
    const sds = of(SDS_TYPE_URL);
    return {
      configs: [
        { "@type": `${ADMIN}ClustersConfigDump`, version_info: cds.version, dynamic_active_clusters: cds.resources.map((r) => ({ version_info: cds.version, cluster: r.json })) },
        { "@type": `${ADMIN}ListenersConfigDump`, version_info: lds.version, dynamic_listeners: lds.resources.map((r) => ({ name: r.resource.name, active_state: { version_info: lds.version, listener: r.json } })) },
        { "@type": `${ADMIN}RoutesConfigDump`, dynamic_route_configs: rds.resources.map((r) => ({ version_info: rds.version, route_config: r.json })) },
        { "@type": `${ADMIN}SecretsConfigDump`, dynamic_active_secrets: sds.resources.map((r) => ({ name: r.resource.name, version_info: sds.version, secret: r.json })) },
        { "@type": `${ADMIN}EndpointsConfigDump`, dynamic_endpoint_configs: eds.resources.map((r) => ({ version_info: eds.version, endpoint_config: r.json })) },
      ],
    };
  }
}
