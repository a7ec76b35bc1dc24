// envoy.filters.network.rbac: evaluated once per connection before tcp_proxy (or the HCM);
// a denied connection is closed before any later filter sees it. Only connection attributes
// exist here, so HTTP-only permissions and principals never match (as in Envoy).
import type { ConnectionInfo, NetworkFilter, NetworkFilterFactory, ProxyServices } from "../../contracts.js";
import { compileRbacConfig, type RbacConfig } from "../../http/filters/rbac/rbac-engine.js";
import type { RbacRequest } from "../../http/filters/rbac/rbac-request.js";
import { setConnectionMetadata } from "../connection-metadata.js";

export const NETWORK_RBAC_TYPE = "type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC";
/** The filter name its dynamic metadata is filed under. */
export const NETWORK_RBAC_NAME = "envoy.filters.network.rbac";

const NO_METADATA: RbacRequest["metadata"] = new Map();

export function connectionRbacRequest(c: ConnectionInfo): RbacRequest {
  const sans = c.tls?.peerUriSans ?? [];
  return {
    headers: null, method: "", path: "", authority: "",
    directRemoteIp: c.remoteAddress, remoteIp: c.remoteAddress,
    destinationIp: c.destinationAddress, destinationPort: c.destinationPort,
    peerUriSans: sans, authenticated: sans.length > 0, sni: c.tls?.sni ?? "",
    metadata: NO_METADATA,
  };
}

export class NetworkRbacFilter implements NetworkFilter {
  allowed = 0;
  denied = 0;
  shadowAllowed = 0;
  shadowDenied = 0;

  constructor(private readonly config: RbacConfig, private readonly services?: ProxyServices) {}

  onConnection(conn: ConnectionInfo): void {
    const cfg = this.config;
    if (cfg.rules === null && cfg.shadow === null) return;
    const req = connectionRbacRequest(conn);
    const prefix = `${cfg.statPrefix}rbac.`;
    if (cfg.shadow !== null) {
      const d = cfg.shadow.evaluate(req);
      if (d.allowed) { this.shadowAllowed++; this.services?.stats?.inc(`${prefix}shadow_allowed`); }
      else { this.shadowDenied++; this.services?.stats?.inc(`${prefix}shadow_denied`); }
      // Envoy's dynamic metadata for later filters (Istio's CUSTOM: ext_authz's filter_enabled_metadata).
      if (d.policy !== null) setConnectionMetadata(conn.socket, NETWORK_RBAC_NAME, `${cfg.shadowPrefix}shadow_effective_policy_id`, d.policy);
    }
    if (cfg.rules === null || cfg.rules.evaluate(req).allowed) {
      this.allowed++;
      this.services?.stats?.inc(`${prefix}allowed`);
      return;
    }
    this.denied++;
    this.services?.stats?.inc(`${prefix}denied`);
    conn.socket.destroy();
  }

  drain(): void { /* nothing held per connection */ }
}

export const networkRbacFactory: NetworkFilterFactory = {
  typeUrl: NETWORK_RBAC_TYPE,
  create: (typedConfig, services) => new NetworkRbacFilter(compileRbacConfig(typedConfig, "typed_config"), services),
};
