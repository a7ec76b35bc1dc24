// Telemetry for the proxy process: one call installs Istio's metrics for this node and gives
// the hooks the proxy server wires (see README.md).
import { ProxyTelemetry, setProxyTelemetry, type ProxyTelemetryOptions } from "./proxy-telemetry.js";
import { recordHttpTelemetry } from "./stats/http-stats.js";
import { recordTcpTelemetry } from "./stats/tcp-stats.js";
import { startMergedMetricsServer, type AppScrapeTarget, type MergedMetricsServer } from "./merged-metrics-server.js";
import { setCollectorResolver, type CollectorAddress } from "./tracing/collector-resolver.js";
import type { HttpRequestRecord } from "../proxy/http/request-record.js";
import type { TcpConnectionRecord } from "../proxy/tcp/access-log.js";

export { ProxyTelemetry, setProxyTelemetry, getProxyTelemetry } from "./proxy-telemetry.js";
export { startMergedMetricsServer, appScrapeFromAnnotations, type MergedMetricsServer, type AppScrapeTarget } from "./merged-metrics-server.js";
export { recordHttpTelemetry } from "./stats/http-stats.js";
export { recordTcpTelemetry } from "./stats/tcp-stats.js";
export { TraceStore, startTraceStoreServer, type TraceStoreServer } from "./tracing/trace-store.js";
export { setSpanSinkOverride } from "./tracing/hcm-tracing.js";
export { flushAllExporters } from "./tracing/exporter.js";
export { closeAccessLogFiles } from "./access-log/http-access-log.js";

export interface InstalledTelemetry {
  readonly telemetry: ProxyTelemetry;
  /** ProxyServices.onHttpRequest. */
  readonly onHttpRequest: (r: HttpRequestRecord) => void;
  /** Call with each finished TCP proxy connection record (and the peer's SPIFFE id under mTLS). */
  readonly onTcpConnection: (r: TcpConnectionRecord, peerPrincipal?: string) => void;
  /** Starts the merged endpoint (15020 /stats/prometheus): Istio metrics + `envoyStats` + the app's. */
  startMergedMetrics(o: { port: number; host?: string; appScrape?: AppScrapeTarget; envoyStats?: () => string }): Promise<MergedMetricsServer>;
}

export interface InstallOptions extends ProxyTelemetryOptions {
  /** Resolves a tracing collector's cluster name to an address (the proxy's cluster manager). */
  collectorResolver?: (cluster: string) => CollectorAddress | null;
}

export function installProxyTelemetry(o: InstallOptions): InstalledTelemetry {
  const telemetry = new ProxyTelemetry(o);
  setProxyTelemetry(telemetry);
  if (o.collectorResolver !== undefined) setCollectorResolver(o.collectorResolver);
  return {
    telemetry,
    onHttpRequest: recordHttpTelemetry,
    onTcpConnection: (r, p) => recordTcpTelemetry(r, telemetry, p),
    startMergedMetrics: (m) => startMergedMetricsServer({
      port: m.port, host: m.host, appScrape: m.appScrape,
      proxyStats: () => {
        const own = telemetry.metrics.expose();
        const envoy = m.envoyStats?.() ?? "";
        return envoy === "" ? own : `${own}${envoy.endsWith("\n") ? envoy : `${envoy}\n`}`;
      },
    }),
  };
}
