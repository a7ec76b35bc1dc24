// Istio's semantic checks for traffic policies (pkg/config/validation: validateTrafficPolicy and friends).
import { checkFqdn, checkIstioDuration, isIP, parseDurationMs } from "../../schema/index.js";
import type { Scope } from "./scope.js";
import type { ClientTlsSettings, ConnectionPoolSettings, LoadBalancerSettings, OutlierDetection, TrafficPolicy } from "./traffic-policy.js";

function duration(scope: Scope, value: string | undefined, field: string): void {
  if (value !== undefined) scope.check(checkIstioDuration(value), field);
}

export function checkTrafficPolicy(scope: Scope, tp: TrafficPolicy | undefined): void {
  if (!tp) return;
  if (Object.values(tp).every((v) => v === undefined)) {
    scope.error("traffic policy must have at least one field");
    return;
  }
  if (tp.tunnel && tp.proxyProtocol) scope.error("tunnel and proxyProtocol must not be set together");
  checkOutlierDetection(scope.at("outlierDetection"), tp.outlierDetection);
  checkConnectionPool(scope.at("connectionPool"), tp.connectionPool);
  checkLoadBalancer(scope.at("loadBalancer"), tp.loadBalancer, tp.outlierDetection);
  checkClientTls(scope.at("tls"), tp.tls);
  (tp.portLevelSettings ?? []).forEach((p, i) => {
    const s = scope.at("portLevelSettings", i);
    if (!p.port) s.error("port traffic policy must have a port", "port");
    else if (p.port.number === undefined || p.port.number < 1 || p.port.number > 65535) s.error("port number must be in the range 1..65535", "port", "number");
    if (!p.outlierDetection && !p.connectionPool && !p.loadBalancer && !p.tls) s.error("port traffic policy must have at least one field");
    checkOutlierDetection(s.at("outlierDetection"), p.outlierDetection);
    checkConnectionPool(s.at("connectionPool"), p.connectionPool);
    checkLoadBalancer(s.at("loadBalancer"), p.loadBalancer, p.outlierDetection);
    checkClientTls(s.at("tls"), p.tls);
  });
  if (tp.tunnel) {
    const t = tp.tunnel;
    if (t.protocol !== undefined && t.protocol !== "" && t.protocol !== "CONNECT" && t.protocol !== "POST") {
      scope.error('tunnel protocol must be "CONNECT" or "POST"', "tunnel", "protocol");
    }
    if (checkFqdn(t.targetHost) !== undefined && !isIP(t.targetHost)) scope.error("tunnel target host must be a valid FQDN or IP address", "tunnel", "targetHost");
    if (t.targetPort < 1 || t.targetPort > 65535) scope.error("tunnel target port must be in the range 1..65535", "tunnel", "targetPort");
  }
  if (tp.retryBudget) duration(scope.at("retryBudget"), tp.retryBudget.budgetInterval, "budgetInterval");
}

export function checkOutlierDetection(scope: Scope, o: OutlierDetection | undefined): void {
  if (!o) return;
  duration(scope, o.baseEjectionTime, "baseEjectionTime");
  duration(scope, o.interval, "interval");
  if (o.consecutiveErrors !== undefined && o.consecutiveErrors !== 0) {
    scope.warn("consecutiveErrors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead", "consecutiveErrors");
  }
  if (!o.splitExternalLocalOriginErrors && (o.consecutiveLocalOriginFailures ?? 0) > 0) {
    scope.error("consecutiveLocalOriginFailures is set, but splitExternalLocalOriginErrors is false", "consecutiveLocalOriginFailures");
  }
}

export function checkConnectionPool(scope: Scope, cp: ConnectionPoolSettings | undefined): void {
  if (!cp) return;
  if (!cp.http && !cp.tcp) {
    scope.error("connection pool must have at least one field");
    return;
  }
  if (cp.http) {
    const h = scope.at("http");
    duration(h, cp.http.idleTimeout, "idleTimeout");
    if (cp.http.h2UpgradePolicy === "UPGRADE" && cp.http.useClientProtocol) {
      h.error("useClientProtocol must not be true when h2UpgradePolicy is UPGRADE", "useClientProtocol");
    }
    const ka = cp.http.http2KeepAlive;
    if (ka) {
      if (ka.interval === undefined) h.error("http2 keepalive interval is required", "http2KeepAlive");
      else duration(h.at("http2KeepAlive"), ka.interval, "interval");
      if (ka.timeout === undefined) h.error("http2 keepalive timeout is required", "http2KeepAlive");
      else duration(h.at("http2KeepAlive"), ka.timeout, "timeout");
    }
  }
  if (cp.tcp) {
    const t = scope.at("tcp");
    duration(t, cp.tcp.connectTimeout, "connectTimeout");
    duration(t, cp.tcp.maxConnectionDuration, "maxConnectionDuration");
    // "0s" disables the idle timeout entirely.
    if (cp.tcp.idleTimeout !== undefined && parseDurationMs(cp.tcp.idleTimeout) !== 0) duration(t, cp.tcp.idleTimeout, "idleTimeout");
    duration(t.at("tcpKeepalive"), cp.tcp.tcpKeepalive?.time, "time");
    duration(t.at("tcpKeepalive"), cp.tcp.tcpKeepalive?.interval, "interval");
  }
}

function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false;
  return true;
}

export function checkLoadBalancer(scope: Scope, lb: LoadBalancerSettings | undefined, outlier: OutlierDetection | undefined): void {
  if (!lb) return;
  if (lb.simple === "LEAST_CONN") scope.warn("LEAST_CONN is deprecated, use LEAST_REQUEST", "simple");
  const ch = lb.consistentHash;
  if (ch) {
    const s = scope.at("consistentHash");
    if (ch.httpCookie?.name === "") s.error("name required for httpCookie", "httpCookie", "name");
    const seen = new Set<string>();
    (ch.httpCookie?.attributes ?? []).forEach((a, i) => {
      if (a.name === "") s.error("cookie attribute name cannot be empty", "httpCookie", "attributes", i, "name");
      else if (seen.has(a.name)) s.error(`duplicate cookie attribute name: ${a.name}`, "httpCookie", "attributes", i, "name");
      seen.add(a.name);
    });
    if (ch.httpCookie?.ttl !== undefined && parseDurationMs(ch.httpCookie.ttl) !== 0) duration(s.at("httpCookie"), ch.httpCookie.ttl, "ttl");
    if (ch.minimumRingSize !== undefined && ch.minimumRingSize !== 0) {
      s.warn("minimumRingSize is deprecated, use ringHash.minimumRingSize instead", "minimumRingSize");
      if (ch.ringHash || ch.maglev) s.error("only one of minimumRingSize or maglev/ringHash can be specified", "minimumRingSize");
    }
    if (ch.maglev) {
      const size = ch.maglev.tableSize ?? 0;
      if (size === 0) s.error("tableSize must be set for maglev", "maglev");
      else if (size >= 5000011) s.error("tableSize must be less than 5000011 for maglev", "maglev", "tableSize");
      else if (!isPrime(size)) s.error("tableSize must be a prime number for maglev", "maglev", "tableSize");
    }
  }
  if (lb.localityLbSetting && lb.zoneAwareLbSetting) scope.error("only one of localityLbSetting and zoneAwareLbSetting can be set");
  checkLocalityLb(scope.at("localityLbSetting"), lb.localityLbSetting, outlier);
  if (lb.warmupDurationSecs !== undefined) scope.warn("warmupDurationSecs is deprecated, use warmup.duration", "warmupDurationSecs");
  if (lb.warmup) {
    if (lb.warmup.duration === undefined) scope.error("duration is required", "warmup");
    else duration(scope.at("warmup"), lb.warmup.duration, "duration");
    if ((lb.warmup.minimumPercent ?? 0) > 100) scope.error("minimumPercent must be <= 100", "warmup", "minimumPercent");
    if (lb.warmup.aggression !== undefined && lb.warmup.aggression <= 0) scope.error("aggression must be greater than 0", "warmup", "aggression");
  }
}

function checkLocalityLb(scope: Scope, lb: LoadBalancerSettings["localityLbSetting"], outlier: OutlierDetection | undefined): void {
  if (!lb) return;
  const distribute = lb.distribute ?? [];
  const failover = lb.failover ?? [];
  if (distribute.length > 0 && failover.length > 0) {
    scope.error("distribute and failover cannot be set together");
    return;
  }
  const sources: string[] = [];
  distribute.forEach((d, i) => {
    if (d.from !== undefined) sources.push(d.from);
    checkLocalities(scope.at("distribute", i, "to"), Object.keys(d.to ?? {}));
    let total = 0;
    for (const [loc, w] of Object.entries(d.to ?? {})) {
      if (w <= 0 || w > 100) scope.error("locality weight must be in range [1, 100]", "distribute", i, "to", loc);
      total += w;
    }
    if (total !== 100) scope.error(`total locality weight ${total} != 100`, "distribute", i, "to");
  });
  checkLocalities(scope.at("distribute"), sources);
  if (failover.length > 0) {
    (lb.failoverPriority ?? []).forEach((label, i) => {
      if (topologyLabels.has(label)) scope.error(`cannot set both failover and topology label "${label}" in failoverPriority`, "failoverPriority", i);
    });
  }
  if ((failover.length > 0 || (lb.failoverPriority ?? []).length > 0) && !outlier) {
    scope.warn("outlier detection policy must be provided for failover");
  }
  failover.forEach((f, i) => {
    if (f.from === f.to) scope.error("locality lb failover settings must specify different regions", "failover", i);
    if (f.from?.includes("/") || f.to?.includes("/")) scope.error("locality lb failover only specifies regions", "failover", i);
    if (f.from?.includes("*") || f.to?.includes("*")) scope.error("locality lb failover region should not contain '*' wildcard", "failover", i);
  });
}

const topologyLabels = new Set(["topology.kubernetes.io/region", "topology.kubernetes.io/zone", "topology.istio.io/subzone"]);

/**
 * Localities are "region[/zone[/subzone]]" with at most one "*", at the end; none may be empty
 * or overlap an earlier one (Istio's validateLocalities).
 */
function checkLocalities(scope: Scope, localities: readonly string[]): void {
  const seen: string[][] = [];
  for (const loc of localities) {
    const stars = loc.split("*").length - 1;
    if (stars > 1 || (stars === 1 && !loc.endsWith("*"))) {
      scope.error(`locality ${loc}: wildcard '*' may appear once, at the end`);
      continue;
    }
    const parts = loc.split("/", 3);
    if (parts.some((p) => p === "")) {
      scope.error(`locality ${loc} must not contain empty region/zone/subzone`);
      continue;
    }
    // "*" matches everything below its level, so compare prefixes up to the shorter locality.
    const covers = (a: string[], b: string[]): boolean => a.every((p, i) => p === "*" || p === b[i]);
    if (seen.some((prev) => covers(prev, parts) || covers(parts, prev))) scope.error(`locality ${loc} overlaps with a previous one`);
    seen.push(parts);
  }
}

export function checkClientTls(scope: Scope, tls: ClientTlsSettings | undefined): void {
  if (!tls) return;
  if (tls.insecureSkipVerify) {
    if (tls.mode === "SIMPLE" && (tls.caCertificates || tls.credentialName || tls.subjectAltNames)) {
      scope.error("cannot specify caCertificates, credentialName or subjectAltNames when insecureSkipVerify is true", "insecureSkipVerify");
    }
    if (tls.mode === "MUTUAL" && (tls.caCertificates || tls.subjectAltNames)) {
      scope.error("cannot specify caCertificates or subjectAltNames when insecureSkipVerify is true", "insecureSkipVerify");
    }
  }
  if ((tls.mode === "SIMPLE" || tls.mode === "MUTUAL") && tls.credentialName) {
    if (tls.clientCertificate || tls.caCertificates || tls.privateKey || tls.caCrl) {
      scope.error("cannot specify client certificates, CA certificate or CA CRL when credentialName is set", "credentialName");
    }
    return;
  }
  if (tls.mode === "MUTUAL") {
    if (!tls.clientCertificate) scope.error("client certificate required for mutual tls", "clientCertificate");
    if (!tls.privateKey) scope.error("private key required for mutual tls", "privateKey");
  }
}
