// Semantic checks shared by several networking kinds (destinations, headers, ports, server TLS, exportTo).
import { checkDns1123Label, checkExportTo, checkFqdn, checkPortName, checkProtocol, checkWildcardHost } from "../../schema/index.js";
import type { Destination, Headers, ServerTlsSettings } from "./common.js";
import type { Scope } from "./scope.js";

export function checkPort(scope: Scope, port: number | undefined, ...segments: (string | number)[]): void {
  if (port === undefined || port < 1 || port > 65535) scope.error(`port number ${port ?? 0} must be in the range 1..65535`, ...segments);
}

export function checkSubsetName(scope: Scope, name: string, ...segments: (string | number)[]): void {
  if (name === "") scope.error("subset name cannot be empty", ...segments);
  else if (checkDns1123Label(name)) scope.error(`subset name is invalid: "${name}" must be a DNS-1123 label`, ...segments);
}

export function checkDestination(scope: Scope, d: Destination | undefined): void {
  if (!d) return;
  if (d.host === "*") scope.error("invalid destination host *: a destination must name a service", "host");
  else scope.check(checkWildcardHost(d.host), "host");
  if (d.subset !== undefined && d.subset !== "") checkSubsetName(scope, d.subset, "subset");
  if (d.port) checkPort(scope, d.port.number, "port", "number");
}

const tchar = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c <= 0x1f && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

export function checkHeaderName(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (!tchar.test(name)) return `header name "${name}" is not a valid header name`;
  return undefined;
}

/** Envoy header value syntax: no control characters; '%' starts a %VARIABLE% or is doubled. */
export function checkHeaderValue(value: string): string | undefined {
  if (hasControlChars(value)) return `header value "${value}" contains control characters`;
  let i = 0;
  while (i < value.length) {
    if (value[i] !== "%") {
      i++;
      continue;
    }
    if (value[i + 1] === "%") {
      i += 2;
      continue;
    }
    const close = value.indexOf("%", i + 1);
    if (close < 0 || !/^[A-Z_][A-Z0-9_]*(\(.*\))?(:\d+)?$/.test(value.slice(i + 1, close))) {
      return `header value "${value}" is invalid: '%' must start a %VARIABLE% or be escaped as '%%'`;
    }
    i = close + 1;
  }
  return undefined;
}

function isInternalHeader(name: string): boolean {
  return name.startsWith(":") || name.toLowerCase() === "host";
}

function isAuthorityHeader(name: string): boolean {
  const l = name.toLowerCase();
  return l === ":authority" || l === "host";
}

/** Request add/set may set the authority; remove and response operations may not touch internal headers. */
export function checkHeaders(scope: Scope, h: Headers | undefined): void {
  if (!h) return;
  for (const side of ["request", "response"] as const) {
    const ops = h[side];
    if (!ops) continue;
    const s = scope.at(side);
    for (const op of ["set", "add"] as const) {
      for (const [name, value] of Object.entries(ops[op] ?? {})) {
        if (name === "") s.error("header name cannot be empty", op);
        else if (isInternalHeader(name) && !(side === "request" && isAuthorityHeader(name))) s.error(`invalid header "${name}": cannot modify Host or ':' headers here`, op, name);
        s.check(checkHeaderValue(value), op, name);
      }
    }
    (ops.remove ?? []).forEach((name, i) => {
      if (name === "") s.error("header name cannot be empty", "remove", i);
      else if (isInternalHeader(name)) s.error(`invalid header "${name}": cannot remove Host or ':' headers`, "remove", i);
    });
  }
}

export function checkPortProtocol(scope: Scope, protocol: string | undefined, ...segments: (string | number)[]): void {
  if (protocol !== undefined && protocol !== "") scope.check(checkProtocol(protocol), ...segments);
}

export function checkPortNameValue(scope: Scope, name: string | undefined, ...segments: (string | number)[]): void {
  if (name !== undefined && name !== "") scope.check(checkPortName(name), ...segments);
}

export function isTlsProtocol(p: string | undefined): boolean {
  const u = (p ?? "").toUpperCase();
  return u === "HTTPS" || u === "TLS";
}

export function isHttpProtocol(p: string | undefined): boolean {
  const u = (p ?? "").toUpperCase();
  return u === "HTTP" || u === "HTTP2" || u === "GRPC" || u === "GRPC-WEB" || u === "HTTP_PROXY";
}

/** Istio's validateTLSOptions for Gateway servers and Sidecar ingress listeners. */
export function checkServerTls(scope: Scope, tls: ServerTlsSettings | undefined): void {
  if (!tls) return;
  if ((tls.minProtocolVersion === "TLSV1_0" || tls.minProtocolVersion === "TLSV1_1") && (tls.cipherSuites ?? []).length === 0) {
    scope.warn("TLS versions below TLSV1_2 require setting compatible cipherSuites", "minProtocolVersion");
  }
  const seen = new Set<string>();
  (tls.cipherSuites ?? []).forEach((c, i) => {
    if (seen.has(c)) scope.warn(`ignoring duplicate cipher suite ${c}`, "cipherSuites", i);
    seen.add(c);
  });
  const certs = tls.tlsCertificates ?? [];
  const credentialNames = tls.credentialNames ?? [];
  if (tls.mode === "ISTIO_MUTUAL") {
    const forbidden: [keyof ServerTlsSettings, boolean][] = [
      ["serverCertificate", !!tls.serverCertificate],
      ["privateKey", !!tls.privateKey],
      ["caCertificates", !!tls.caCertificates],
      ["tlsCertificates", certs.length > 0],
      ["credentialName", !!tls.credentialName],
      ["credentialNames", credentialNames.length > 0],
    ];
    for (const [field, set] of forbidden) if (set) scope.error(`ISTIO_MUTUAL TLS cannot have ${field}`, field);
    return;
  }
  if (tls.mode === undefined || tls.mode === "PASSTHROUGH" || tls.mode === "AUTO_PASSTHROUGH") {
    if (tls.caCrl || tls.serverCertificate || tls.privateKey || tls.caCertificates || certs.length > 0 || tls.credentialName || credentialNames.length > 0) {
      scope.warn(`${tls.mode ?? "PASSTHROUGH"} mode does not use certificates, they will be ignored`, "mode");
    }
  }
  const sources = [!!tls.serverCertificate && !!tls.privateKey, !!tls.credentialName, credentialNames.length > 0, certs.length > 0].filter(Boolean).length;
  if (sources > 1) scope.error("only one of credentialName, credentialNames, serverCertificate/privateKey, tlsCertificates may be set");
  const mutual = tls.mode === "MUTUAL" || tls.mode === "OPTIONAL_MUTUAL";
  if (tls.mode === "SIMPLE" || mutual) {
    if (tls.credentialName || credentialNames.length > 0) return; // fetched remotely, with the CA when mutual
    const prefix = mutual ? "MUTUAL TLS" : "SIMPLE TLS";
    if (mutual && !tls.caCertificates) scope.error(`${prefix} requires a client CA bundle (caCertificates) or credentialName`, "caCertificates");
    if (certs.length > 2) scope.warn(`${prefix} can support up to 2 server certificates`, "tlsCertificates");
    if (certs.length > 0) {
      certs.forEach((c, i) => {
        if (!c.serverCertificate) scope.error(`${prefix} requires a server certificate`, "tlsCertificates", i, "serverCertificate");
        if (!c.privateKey) scope.error(`${prefix} requires a private key`, "tlsCertificates", i, "privateKey");
      });
    } else {
      if (!tls.serverCertificate) scope.error(`${prefix} requires credentialName or serverCertificate and privateKey`, "serverCertificate");
      if (!tls.privateKey) scope.error(`${prefix} requires credentialName or serverCertificate and privateKey`, "privateKey");
    }
  }
  if (tls.caCrl) {
    if (tls.credentialName) scope.error("caCrl is not supported with credentialName; put the CRL in the credential", "caCrl");
    if (tls.mode === "SIMPLE") scope.error("caCrl is not supported with SIMPLE TLS", "caCrl");
  }
}

/** Istio's validateExportTo: ".", "*", "~" (ServiceEntry only) or namespaces, no duplicates, "*" alone. */
export function checkExportToList(scope: Scope, values: readonly string[] | undefined, allowNone: boolean): void {
  if (!values || values.length === 0) return;
  for (const p of checkExportTo(values, allowNone)) {
    if (p.index === undefined) scope.error(p.message);
    else scope.error(p.message, p.index);
  }
  const ns = scope.namespace;
  if (values.includes(".") && values.includes(ns)) scope.error(`duplicate entries in exportTo: "." and the current namespace ${ns}`, values.indexOf(ns));
}

/** Gateway references in VirtualService: "namespace/name", "mesh", or a legacy name. */
export function checkGatewayNames(scope: Scope, names: readonly string[] | undefined): void {
  (names ?? []).forEach((g, i) => {
    const slash = g.indexOf("/");
    if (slash < 0) {
      if (g.includes(".")) {
        const [name, ns] = g.split(".");
        scope.warn(`using legacy gateway name format "${g}"; prefer <namespace>/<name>: "${ns ?? ""}/${name ?? ""}"`, i);
      }
      scope.check(checkFqdn(g), i);
      return;
    }
    const ns = g.slice(0, slash);
    const name = g.slice(slash + 1);
    if (ns === "" || name === "") scope.error("gateway namespace and name cannot be empty", i);
    else {
      if (checkDns1123Label(ns)) scope.error(`invalid namespace "${ns}" in gateway reference`, i);
      if (checkDns1123Label(name)) scope.error(`invalid gateway name "${name}" in gateway reference`, i);
    }
  });
}

/** networking WorkloadSelector labels: no empty keys or wildcards; empty selects everything (a warning). */
export function checkLabelsSelector(scope: Scope, selector: { labels?: Record<string, string> | undefined } | undefined, what: string): void {
  if (!selector) return;
  const labels = selector.labels ?? {};
  for (const [k, v] of Object.entries(labels)) {
    if (k.includes("*") || v.includes("*")) scope.error(`wildcard is not supported in selector: "${k}=${v}"`, "labels", k);
  }
  if (Object.keys(labels).length === 0) scope.warn(`workload selector specified without labels; the ${what} will apply to all workloads in the namespace`);
}
