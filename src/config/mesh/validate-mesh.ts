// Istio's semantic rules for MeshConfig (pkg/config/validation/agent ValidateMeshConfig), over the
// config as written (so paths match the user's text, relative to its root: "outboundTrafficPolicy.mode").
import { checkDns1123Label, checkDurationRange, checkIstioDuration, isIP, parseDurationMs } from "../schema/index.js";
import type { MeshConfig } from "./mesh-config.js";
import type { HttpRetry, LocalityLbSetting } from "./networking-types.js";
import type { ProxyConfig } from "./proxy-config.js";
import { providerKindNames, serviceProviderKinds } from "./extension-providers.js";

export interface MeshProblem {
  severity: "error" | "warning";
  path: string;
  message: string;
}

type Report = (path: string, message: string, severity?: "error" | "warning") => void;

const retryOnPolicies = new Set([
  "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx", "refused-stream",
  "retriable-status-codes", "retriable-headers", "envoy-ratelimited", "http3-post-connect-failure",
  "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
]);

export function checkTrustDomain(domain: string): string | undefined {
  if (domain === "") return "empty domain name not allowed";
  const labels = domain.split(".");
  for (let i = 0; i < labels.length; i++) {
    if (i === labels.length - 1 && labels[i] === "") return undefined; // trailing dot
    if (checkDns1123Label(labels[i] ?? "")) return `trust domain name "${domain}" invalid`;
  }
  return undefined;
}

function checkPort(value: number | undefined, path: string, report: Report): void {
  if (value !== undefined && (value < 1 || value > 65535)) report(path, "port must be between 1 and 65535");
}

function checkHostPort(address: string, path: string, report: Report): void {
  const colon = address.lastIndexOf(":");
  const host = colon < 0 ? "" : address.slice(0, colon).replace(/^\[|\]$/g, "");
  const port = colon < 0 ? NaN : Number(address.slice(colon + 1));
  if (host === "" || !Number.isInteger(port) || port < 1 || port > 65535) {
    report(path, `"${address}" must be host:port with a port between 1 and 65535`);
  } else if (!isIP(host) && host.split(".").some((l) => checkDns1123Label(l.toLowerCase()) !== undefined)) {
    report(path, `"${address}" has an invalid host`);
  }
}

export function checkRetry(retry: HttpRetry, path: string, report: Report): void {
  const attempts = retry.attempts ?? 0;
  if (attempts < 0) report(`${path}.attempts`, "attempts cannot be negative");
  if (attempts === 0 && (retry.perTryTimeout !== undefined || (retry.retryOn ?? "") !== "" || retry.retryRemoteLocalities !== undefined)) {
    report(path, "http retry policy configured when attempts are set to 0 (disabled)");
  }
  for (const [field, value] of [["perTryTimeout", retry.perTryTimeout], ["backoff", retry.backoff]] as const) {
    const err = value === undefined ? undefined : checkIstioDuration(value);
    if (err) report(`${path}.${field}`, err);
  }
  for (const policy of (retry.retryOn ?? "").split(",").filter((p) => p !== "")) {
    const code = /^\d{3}$/.test(policy) ? Number(policy) : 0;
    if (!(code >= 100 && code <= 599) && !retryOnPolicies.has(policy)) report(`${path}.retryOn`, `"${policy}" is not a valid retryOn policy`);
  }
}

function checkLocality(lb: LocalityLbSetting, path: string, report: Report): void {
  if ((lb.distribute?.length ?? 0) > 0 && (lb.failover?.length ?? 0) > 0) {
    return report(path, "can not simultaneously specify 'distribute' and 'failover'");
  }
  lb.distribute?.forEach((d, i) => {
    const weights = Object.values(d.to ?? {});
    if (weights.some((w) => w <= 0 || w > 100)) report(`${path}.distribute[${i}].to`, "locality weight must be in range [1, 100]");
    else if (weights.reduce((a, b) => a + b, 0) !== 100) report(`${path}.distribute[${i}].to`, `total locality weight ${weights.reduce((a, b) => a + b, 0)} != 100`);
  });
  lb.failover?.forEach((f, i) => {
    const p = `${path}.failover[${i}]`;
    if (f.from === f.to) report(p, "locality lb failover settings must specify different regions");
    if (`${f.from ?? ""}${f.to ?? ""}`.includes("/")) report(p, "locality lb failover only specify region");
    if (`${f.from ?? ""}${f.to ?? ""}`.includes("*")) report(p, "locality lb failover region should not contain '*' wildcard");
  });
}

function checkProxyConfig(pc: ProxyConfig, path: string, report: Report): void {
  if (pc.discoveryAddress !== undefined) checkHostPort(pc.discoveryAddress, `${path}.discoveryAddress`, report);
  checkPort(pc.proxyAdminPort, `${path}.proxyAdminPort`, report);
  checkPort(pc.statusPort, `${path}.statusPort`, report);
  if (pc.statusPort !== undefined && pc.statusPort === pc.proxyAdminPort) report(`${path}.statusPort`, "statusPort and proxyAdminPort must differ");
  for (const field of ["drainDuration", "terminationDrainDuration"] as const) {
    const v = pc[field];
    const err = v === undefined ? undefined : checkIstioDuration(v);
    if (err) report(`${path}.${field}`, err);
  }
  if (pc.concurrency !== undefined && pc.concurrency < 0) report(`${path}.concurrency`, "concurrency must be >= 0");
  if (pc.statNameLength !== undefined && pc.statNameLength < 0) report(`${path}.statNameLength`, "statNameLength must be >= 0");
  if (pc.tracing?.zipkin?.address) checkHostPort(pc.tracing.zipkin.address, `${path}.tracing.zipkin.address`, report);
}

function checkProviders(mesh: MeshConfig, inherited: readonly string[], report: Report): void {
  const names = new Set<string>();
  mesh.extensionProviders?.forEach((p, i) => {
    const path = `extensionProviders[${i}]`;
    if (p.name === "") report(`${path}.name`, "extension provider name must not be empty");
    else if (names.has(p.name)) report(`${path}.name`, `duplicate extension provider name "${p.name}"`);
    names.add(p.name);
    const kinds = providerKindNames.filter((k) => p[k] !== undefined);
    if (kinds.length !== 1) {
      report(path, kinds.length === 0 ? "exactly one provider (e.g. zipkin, opentelemetry, envoyExtAuthzHttp) must be set" : `only one provider may be set, found ${kinds.join(", ")}`);
      return;
    }
    const kind = kinds[0];
    if (kind === undefined || !serviceProviderKinds.includes(kind)) return;
    const cfg = p[kind] as { service?: string; port?: number; timeout?: string };
    if (!cfg.service) report(`${path}.${kind}.service`, "service is required");
    if (cfg.port === undefined || cfg.port < 1 || cfg.port > 65535) report(`${path}.${kind}.port`, "port is required and must be between 1 and 65535");
    const err = cfg.timeout === undefined ? undefined : checkIstioDuration(cfg.timeout);
    if (err) report(`${path}.${kind}.timeout`, err);
  });
  const known = new Set([...names, ...inherited]);
  for (const field of ["tracing", "metrics", "accessLogging"] as const) {
    mesh.defaultProviders?.[field]?.forEach((name, i) => {
      if (!known.has(name)) report(`defaultProviders.${field}[${i}]`, `"${name}" is not a configured extension provider`, "warning");
    });
  }
}

/** `inheritedProviders`: provider names that exist without being written here (Istio's default providers). */
export function validateMeshConfig(mesh: MeshConfig, inheritedProviders: readonly string[] = []): MeshProblem[] {
  const out: MeshProblem[] = [];
  const report: Report = (path, message, severity = "error") => out.push({ severity, path, message });
  checkPort(mesh.proxyListenPort, "proxyListenPort", report);
  checkPort(mesh.proxyInboundListenPort, "proxyInboundListenPort", report);
  if (mesh.connectTimeout !== undefined) {
    const err = checkIstioDuration(mesh.connectTimeout) ?? checkDurationRange(mesh.connectTimeout, 1, 3600_000);
    if (err) report("connectTimeout", err);
  }
  if (mesh.protocolDetectionTimeout !== undefined && (parseDurationMs(mesh.protocolDetectionTimeout) ?? 0) > 0) {
    const err = checkIstioDuration(mesh.protocolDetectionTimeout);
    if (err) report("protocolDetectionTimeout", err);
  }
  if (mesh.trustDomain !== undefined) {
    const err = checkTrustDomain(mesh.trustDomain);
    if (err) report("trustDomain", err);
  }
  mesh.trustDomainAliases?.forEach((d, i) => {
    const err = checkTrustDomain(d);
    if (err) report(`trustDomainAliases[${i}]`, err);
  });
  if (mesh.rootNamespace !== undefined) {
    const err = checkDns1123Label(mesh.rootNamespace);
    if (err) report("rootNamespace", `rootNamespace ${err}`);
  }
  if (mesh.defaultConfig) checkProxyConfig(mesh.defaultConfig, "defaultConfig", report);
  if (mesh.localityLbSetting) checkLocality(mesh.localityLbSetting, "localityLbSetting", report);
  if (mesh.defaultHttpRetryPolicy) checkRetry(mesh.defaultHttpRetryPolicy, "defaultHttpRetryPolicy", report);
  checkProviders(mesh, inheritedProviders, report);
  if (mesh.meshMTLS?.minProtocolVersion === "TLSV1_3" && (mesh.meshMTLS.cipherSuites?.length ?? 0) > 0) {
    report("meshMTLS.cipherSuites", "cipherSuites cannot be set when minProtocolVersion is TLSV1_3", "warning");
  }
  return out;
}
