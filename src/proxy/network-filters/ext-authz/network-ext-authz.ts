// envoy.filters.network.ext_authz: for each connection the filter is enabled for
// (filter_enabled_metadata: Istio's CUSTOM selection by the network rbac shadow engine), asks the
// gRPC authorizer and holds the chain until it answers. OK lets the later filters (tcp_proxy) run;
// a denial closes the connection; an unreachable authorizer closes it too unless
// failure_mode_allow. Envoy asks on the client's first bytes; asking at hand-over is stricter: no
// byte reaches an upstream before the verdict, and server-first protocols are checked as well.
import type { ConnectionInfo, NetworkFilter, NetworkFilterFactory, ProxyServices } from "../../contracts.js";
import { testMetadataMatch } from "../../http/filters/rbac/metadata-matcher.js";
import { logger } from "../../server/logger.js";
import { connectionMetadataOf } from "../connection-metadata.js";
import { checkConnection, type ConnectionVerdict } from "./connection-check.js";
import { compileNetworkExtAuthz, NETWORK_EXT_AUTHZ_TYPE, type NetworkExtAuthzConfig } from "./network-ext-authz-config.js";

export class NetworkExtAuthzFilter implements NetworkFilter {
  /** Envoy's ext_authz.<stat_prefix>.* counters, also kept here for tests and admin (the `active` gauge is in the stats only). */
  readonly counts = { total: 0, ok: 0, denied: 0, error: 0, failure_mode_allowed: 0, disabled: 0, cx_closed: 0 };
  private readonly prefix: string;

  constructor(readonly config: NetworkExtAuthzConfig, private readonly services?: ProxyServices) {
    this.prefix = `ext_authz.${config.statPrefix}.`;
  }

  onConnection(conn: ConnectionInfo): Promise<void> | undefined {
    const gate = this.config.enabledMetadata;
    if (gate !== null && !testMetadataMatch(gate, connectionMetadataOf(conn.socket))) {
      this.count("disabled");
      return undefined;
    }
    this.count("total");
    const stats = this.services?.stats;
    stats?.add(`${this.prefix}active`, 1); // checks in flight, as Envoy's gauge
    return checkConnection(this.config, conn).then((v) => {
      stats?.add(`${this.prefix}active`, -1);
      this.apply(conn, v);
    });
  }

  private apply(conn: ConnectionInfo, v: ConnectionVerdict): void {
    if (v.kind === "allow") { this.count("ok"); return; }
    const who = `${conn.remoteAddress}:${conn.remotePort} → ${conn.destinationAddress}:${conn.destinationPort}`;
    if (v.kind === "error") {
      this.count("error");
      if (this.config.failureModeAllow) {
        this.count("failure_mode_allowed");
        logger.debug(`ext_authz ${this.config.statPrefix}: ${v.why}; failure_mode_allow lets ${who} through`);
        return;
      }
      logger.debug(`ext_authz ${this.config.statPrefix}: ${v.why}; closing ${who}`);
    } else {
      this.count("denied");
      logger.debug(`ext_authz ${this.config.statPrefix}: denied ${who}: ${v.why}`);
    }
    this.count("cx_closed");
    conn.socket.destroy();
  }

  private count(name: keyof NetworkExtAuthzFilter["counts"]): void {
    this.counts[name]++;
    this.services?.stats?.inc(`${this.prefix}${name}`);
  }

  drain(): void { /* nothing held beyond the connection itself */ }
}

export const networkExtAuthzFactory: NetworkFilterFactory = {
  typeUrl: NETWORK_EXT_AUTHZ_TYPE,
  create: (typedConfig, services) => new NetworkExtAuthzFilter(compileNetworkExtAuthz(typedConfig, "typed_config"), services),
};
