// Sidecar (istio/api networking/v1alpha3/sidecar.proto) and Istio's checks for its listeners.
import { z } from "zod";
import type { ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { checkDns1123Label, checkWildcardHost, isIP, strict } from "../../schema/index.js";
import { checkDestination, checkLabelsSelector, checkPort, checkPortNameValue, checkPortProtocol, checkServerTls, isHttpProtocol, isTlsProtocol } from "./checks.js";
import { defineNetworkingKind, destination, istioBody, labelsSelector, servicePort, serverTlsSettings } from "./common.js";
import { unixAddressPrefix } from "./gateway.js";
import { specScope, type Scope } from "./scope.js";
import { connectionPool } from "./traffic-policy.js";
import { checkConnectionPool } from "./traffic-policy-checks.js";
import { checkUnixPath } from "./workload-entry.js";

const captureMode = z.enum(["DEFAULT", "IPTABLES", "NONE"]);

export const sidecarSpec = strict({
  workloadSelector: labelsSelector.optional(),
  ingress: z
    .array(
      strict({
        port: servicePort,
        bind: z.string().optional(),
        captureMode: captureMode.optional(),
        defaultEndpoint: z.string().optional(),
        tls: serverTlsSettings.optional(),
        connectionPool: connectionPool.optional(),
      }),
    )
    .optional(),
  egress: z
    .array(
      strict({
        port: servicePort.optional(),
        bind: z.string().optional(),
        captureMode: captureMode.optional(),
        hosts: z.array(z.string()),
      }),
    )
    .optional(),
  inboundConnectionPool: connectionPool.optional(),
  outboundTrafficPolicy: strict({ mode: z.enum(["REGISTRY_ONLY", "ALLOW_ANY"]).optional(), egressProxy: destination.optional() }).optional(),
});
export type SidecarSpec = z.infer<typeof sidecarSpec>;
export const sidecarBody = istioBody(sidecarSpec);
export type SidecarBody = z.infer<typeof sidecarBody>;
export type Sidecar = Resource<SidecarBody>;

type Ingress = NonNullable<SidecarSpec["ingress"]>[number];
type Egress = NonNullable<SidecarSpec["egress"]>[number];

function checkDefaultEndpoint(s: Scope, ep: string): void {
  if (ep.startsWith(unixAddressPrefix)) {
    checkUnixPath(s, ep.slice(unixAddressPrefix.length), "defaultEndpoint");
    return;
  }
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(ep);
  if (!m) {
    s.error(`defaultEndpoint "${ep}" must be of form 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port> or unix://<path>`, "defaultEndpoint");
    return;
  }
  const host = m[1] ?? m[2] ?? "";
  if (host !== "" && !["127.0.0.1", "0.0.0.0", "::1", "::"].includes(host)) {
    s.error("defaultEndpoint must be of form 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port> or unix://<path>", "defaultEndpoint");
  }
  checkPort(s, Number(m[3]), "defaultEndpoint");
}

function checkIngress(s: Scope, l: Ingress): void {
  if ((l.port.targetPort ?? 0) > 0) s.error("targetPort has no effect on Sidecars", "port", "targetPort");
  checkPortNameValue(s, l.port.name, "port", "name");
  checkPortProtocol(s, l.port.protocol, "port", "protocol");
  checkPort(s, l.port.number, "port", "number");
  if (l.bind && !isIP(l.bind)) s.error(`${l.bind} is not a valid IP address`, "bind");
  if (l.defaultEndpoint) checkDefaultEndpoint(s, l.defaultEndpoint);
  if (l.tls) {
    const t = s.at("tls");
    if ((l.tls.subjectAltNames ?? []).length > 0) t.error("subjectAltNames is not supported in sidecar ingress tls", "subjectAltNames");
    if (l.tls.httpsRedirect) t.error("httpsRedirect is not supported in sidecar ingress tls", "httpsRedirect");
    if (l.tls.credentialName) t.error("credentialName is not supported in sidecar ingress tls", "credentialName");
    if ((l.tls.credentialNames ?? []).length > 0) t.error("credentialNames is not supported in sidecar ingress tls", "credentialNames");
    if ((l.tls.tlsCertificates ?? []).length > 0) t.error("tlsCertificates is not supported in sidecar ingress tls", "tlsCertificates");
    if (l.tls.mode === "ISTIO_MUTUAL" || l.tls.mode === "AUTO_PASSTHROUGH") t.error(`cannot set mode to ${l.tls.mode} in sidecar ingress tls`, "mode");
    if (!isTlsProtocol(l.port.protocol)) s.error("ingress listener cannot have TLS settings for non HTTPS/TLS ports", "tls");
    checkServerTls(t, l.tls);
  }
  checkConnectionPool(s.at("connectionPool"), l.connectionPool);
  if (l.connectionPool?.http && !isHttpProtocol(l.port.protocol)) {
    s.warn(`HTTP connection pool settings are set for port ${l.port.number ?? 0} whose protocol is not HTTP; only TCP settings apply`, "connectionPool", "http");
  }
}

/** Egress hosts are "namespace/dnsName": namespace "*", ".", "~"-prefixed or a name; dnsName an FQDN or wildcard. */
function checkEgressHost(s: Scope, value: string, index: number): void {
  const slash = value.indexOf("/");
  if (slash < 0) {
    s.error(`host "${value}" must be of form namespace/dnsName (e.g. "./*", "istio-system/*", "*/reviews.default.svc.cluster.local")`, index);
    return;
  }
  const nsPart = value.slice(0, slash);
  const host = value.slice(slash + 1);
  if (nsPart === "" || host === "") {
    s.error("namespace and dnsName in a host entry cannot be empty", index);
    return;
  }
  const ns = nsPart.startsWith("~") ? nsPart.slice(1) : nsPart;
  if (ns !== "" && ns !== "*" && ns !== "." && checkDns1123Label(ns)) s.error(`invalid namespace value "${nsPart}" in sidecar`, index);
  if (host !== "*" && !host.includes(".")) s.error(`short names (non FQDN) are not allowed: "${host}"`, index);
  else s.check(checkWildcardHost(host), index);
  if (host.includes("*") && host !== "*" && !host.startsWith("*.")) s.error(`partial wildcard "${host}" not allowed`, index);
}

/** Istio warns (not yet rejects) about egress hosts another entry already covers, and about the all-hosts entry combined with others. */
function warnDuplicateEgressHosts(s: Scope, hosts: readonly string[], namespace: string): void {
  const byNamespace = new Map<string, Set<string>>();
  hosts.forEach((value, i) => {
    const slash = value.indexOf("/");
    if (slash < 0 || value.startsWith("~")) return;
    const ns = value.slice(0, slash) === "." ? namespace : value.slice(0, slash);
    const host = value.slice(slash + 1);
    const set = byNamespace.get(ns) ?? new Set<string>();
    if ((host === "*" && set.size > 0) || (host !== "*" && (set.has(host) || set.has("*")))) s.warn(`duplicated egress host: ${value}`, i);
    set.add(host);
    byNamespace.set(ns, set);
  });
  if (byNamespace.get("*")?.has("*") && byNamespace.size > 1) s.warn("`*/*` selects all hosts; no other hosts can be added");
}

function checkEgress(s: Scope, egress: Egress[]): void {
  const ports = new Set<number>();
  const sockets = new Set<string>();
  let catchAll = false;
  egress.forEach((l, i) => {
    const es = s.at(i);
    if (!l.port) {
      if (catchAll) es.error("egress can have only one listener without a port");
      else if (i !== egress.length - 1) es.error("the egress listener without a port must be the last listener");
      catchAll = true;
    } else {
      if ((l.port.targetPort ?? 0) > 0) es.error("targetPort has no effect on Sidecars", "port", "targetPort");
      checkPortNameValue(es, l.port.name, "port", "name");
      checkPortProtocol(es, l.port.protocol, "port", "protocol");
      const bind = l.bind ?? "";
      if ((l.port.number ?? 0) === 0) {
        if (!bind.startsWith(unixAddressPrefix)) es.error("ports with number 0 must have a unix domain socket bind address", "bind");
        else checkUnixPath(es, bind.slice(unixAddressPrefix.length), "bind");
        if (l.captureMode === "IPTABLES") es.error("captureMode must be DEFAULT or NONE for unix domain socket listeners", "captureMode");
        if (sockets.has(bind)) es.error("unix domain socket binds must be unique", "bind");
        sockets.add(bind);
      } else {
        checkPort(es, l.port.number, "port", "number");
        if (bind !== "" && !isIP(bind)) es.error(`${bind} is not a valid IP address`, "bind");
        if (ports.has(l.port.number ?? 0)) es.error("ports on IP bound listeners must be unique", "port", "number");
        ports.add(l.port.number ?? 0);
      }
    }
    if (l.hosts.length === 0) es.error("egress listener must contain at least one host", "hosts");
    l.hosts.forEach((h, j) => checkEgressHost(es.at("hosts"), h, j));
    warnDuplicateEgressHosts(es.at("hosts"), l.hosts, s.namespace);
  });
}

function validateSidecar(body: SidecarBody, ctx: ValidationContext): void {
  const spec = body.spec;
  const s = specScope(ctx);
  checkLabelsSelector(s.at("workloadSelector"), spec.workloadSelector, "sidecar");
  if (!spec.egress?.length && !spec.ingress?.length && !spec.outboundTrafficPolicy && !spec.inboundConnectionPool) {
    s.error("sidecar: empty configuration provided (needs ingress, egress, outboundTrafficPolicy or inboundConnectionPool)");
    return;
  }
  const ports = new Set<number>();
  (spec.ingress ?? []).forEach((l, i) => {
    const is = s.at("ingress", i);
    checkIngress(is, l);
    if (ports.has(l.port.number ?? 0)) is.error("ports on IP bound listeners must be unique", "port", "number");
    ports.add(l.port.number ?? 0);
  });
  checkConnectionPool(s.at("inboundConnectionPool"), spec.inboundConnectionPool);
  checkEgress(s.at("egress"), spec.egress ?? []);
  const otp = spec.outboundTrafficPolicy;
  if (otp?.egressProxy) {
    const o = s.at("outboundTrafficPolicy");
    if (otp.mode !== "ALLOW_ANY") o.error("egressProxy must be set only with mode ALLOW_ANY", "egressProxy");
    else if (!otp.egressProxy.port) o.error("egressProxy port is required", "egressProxy", "port");
    checkDestination(o.at("egressProxy"), otp.egressProxy);
  }
}

export const sidecarKind = defineNetworkingKind("Sidecar", sidecarBody, validateSidecar);
