// Gateway (istio/api networking/v1alpha3/gateway.proto) and Istio's checks for servers and TLS.
import { z } from "zod";
import type { ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { checkDns1123Label, checkProtocol, checkWildcardHost, isIP, strict, stringMap } from "../../schema/index.js";
import { checkPort, checkPortNameValue, checkServerTls, isHttpProtocol, isTlsProtocol } from "./checks.js";
import { defineNetworkingKind, istioBody, servicePort, serverTlsSettings } from "./common.js";
import { specScope, type Scope } from "./scope.js";

export const gatewayServer = strict({
  port: servicePort,
  bind: z.string().optional(),
  hosts: z.array(z.string()),
  tls: serverTlsSettings.optional(),
  defaultEndpoint: z.string().optional(),
  name: z.string().optional(),
});
export type GatewayServer = z.infer<typeof gatewayServer>;

export const gatewaySpec = strict({
  servers: z.array(gatewayServer).optional(),
  selector: stringMap.optional(),
});
export type GatewaySpec = z.infer<typeof gatewaySpec>;
export const gatewayBody = istioBody(gatewaySpec);
export type GatewayBody = z.infer<typeof gatewayBody>;
export type Gateway = Resource<GatewayBody>;

export const unixAddressPrefix = "unix://";

/** Gateway server hosts: "[namespace/]dnsName", dnsName an FQDN, "*" or a "*."-prefixed wildcard, or an IP. */
export function checkGatewayHost(s: Scope, value: string, index: number): void {
  const slash = value.indexOf("/");
  let host = value;
  if (slash >= 0) {
    const ns = value.slice(0, slash);
    host = value.slice(slash + 1);
    if (ns === "" || host === "") {
      s.error("namespace and dnsName in a host entry cannot be empty", index);
      return;
    }
    if (ns !== "*" && ns !== "." && checkDns1123Label(ns)) s.error(`invalid namespace value "${ns}" in gateway host`, index);
  }
  if (host !== "*" && !host.includes(".") && !isIP(host)) s.error(`short names (non FQDN) are not allowed: "${host}"`, index);
  const err = checkWildcardHost(host);
  if (err && !isIP(host)) s.error(err, index);
  if (host.includes("*") && host !== "*" && !host.startsWith("*.")) s.error(`partial wildcard "${host}" not allowed`, index);
}

function checkServer(s: Scope, server: GatewayServer): void {
  if (server.hosts.length === 0) s.error("server must contain at least one host", "hosts");
  server.hosts.forEach((h, i) => checkGatewayHost(s.at("hosts"), h, i));
  const port = server.port;
  const bind = server.bind ?? "";
  let portOk = true;
  const protoErr = checkProtocol(port.protocol ?? "");
  if (protoErr) {
    s.error(port.protocol ? protoErr : "port protocol is required", "port", "protocol");
    portOk = false;
  }
  if ((port.number ?? 0) > 0 || !bind.startsWith(unixAddressPrefix)) {
    if ((port.number ?? 0) < 1 || (port.number ?? 0) > 65535) portOk = false;
    checkPort(s, port.number, "port", "number");
  }
  if ((port.targetPort ?? 0) > 0) s.error("targetPort has no effect on Gateways", "port", "targetPort");
  if (!port.name) {
    s.error("port name must be set", "port", "name");
    portOk = false;
  } else checkPortNameValue(s, port.name, "port", "name");
  if (bind.startsWith(unixAddressPrefix)) {
    const path = bind.slice(unixAddressPrefix.length);
    if (!path.startsWith("@") && (!path.startsWith("/") || path.endsWith("/"))) s.error(`${path} is not an absolute path to a file`, "bind");
    if ((port.number ?? 0) !== 0) s.error("port number must be 0 for a unix domain socket bind", "port", "number");
  } else if (bind !== "" && !isIP(bind)) s.error(`${bind} is not a valid IP address`, "bind");
  checkServerTls(s.at("tls"), server.tls);
  if (!portOk) return;
  if (isTlsProtocol(port.protocol) && !server.tls) s.error("server must have TLS settings for HTTPS/TLS protocols", "tls");
  else if (!isTlsProtocol(port.protocol) && server.tls) {
    const t = server.tls;
    const redirectOnly = t.httpsRedirect && !t.caCertificates && !t.privateKey && !t.serverCertificate && (t.mode === undefined || t.mode === "PASSTHROUGH");
    if (!isHttpProtocol(port.protocol)) s.error("server cannot have TLS settings for non HTTPS/TLS ports", "tls");
    else if (!redirectOnly) s.error("server cannot have TLS settings for plain text HTTP ports (only httpsRedirect)", "tls");
  }
}

function validateGateway(body: GatewayBody, ctx: ValidationContext): void {
  const s = specScope(ctx);
  if (checkDns1123Label(ctx.resource.name)) ctx.error("metadata.name", `invalid gateway name "${ctx.resource.name}": must be a DNS-1123 label (no dots)`);
  const servers = body.spec.servers ?? [];
  if (servers.length === 0) s.error("gateway must have at least one server", "servers");
  const portNames = new Set<string>();
  servers.forEach((server, i) => {
    const ss = s.at("servers", i);
    checkServer(ss, server);
    const name = server.port.name ?? "";
    if (portNames.has(name)) ss.error(`port names in servers must be unique: duplicate name ${name}`, "port", "name");
    portNames.add(name);
    if (server.tls?.httpsRedirect && !isHttpProtocol(server.port.protocol)) ss.warn("tls.httpsRedirect should only be used with http servers", "tls", "httpsRedirect");
  });
  for (const [k, v] of Object.entries(body.spec.selector ?? {})) {
    if (k.includes("*") || v.includes("*")) s.error(`wildcard is not supported in selector: "${k}=${v}"`, "selector", k);
  }
}

export const gatewayKind = defineNetworkingKind("Gateway", gatewayBody, validateGateway);
