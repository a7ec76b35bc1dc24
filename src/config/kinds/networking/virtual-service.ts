// VirtualService: kind definition and Istio's top-level checks (hosts, gateways, TLS/TCP routes).
import { checkCidrOrIp, checkWildcardHost, isIP } from "../../schema/index.js";
import type { ValidationContext } from "../../kind.js";
import { checkDestination, checkExportToList, checkGatewayNames, checkPort } from "./checks.js";
import { defineNetworkingKind } from "./common.js";
import { hostSubsetOf, hostsOverlap } from "./hosts.js";
import { checkHttpRoute, isJwtClaimHeader } from "./http-route-checks.js";
import { specScope, type Scope } from "./scope.js";
import { virtualServiceBody, type TCPRoute, type TLSRoute, type VirtualServiceBody, type VirtualServiceSpec } from "./virtual-service-schema.js";

export * from "./virtual-service-schema.js";

function checkHosts(s: Scope, spec: VirtualServiceSpec, appliesToGateway: boolean, appliesToMesh: boolean): void {
  const hosts = spec.hosts ?? [];
  let allValid = true;
  hosts.forEach((h, i) => {
    // AUTO_PASSTHROUGH gateways route on generated SNI names like outbound_.80_._.reviews.default.svc.cluster.local
    const generatedSni = appliesToGateway && h.startsWith("outbound_");
    const err = generatedSni ? undefined : checkWildcardHost(h);
    if (err && !isIP(h)) {
      s.error(err, "hosts", i);
      allValid = false;
    } else if (appliesToMesh && h === "*") {
      s.error("wildcard host * is not allowed for virtual services bound to the mesh gateway", "hosts", i);
      allValid = false;
    }
  });
  if (!allValid) return;
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      const a = hosts[i] ?? "";
      const b = hosts[j] ?? "";
      if (hostsOverlap(a, b)) s.error(`duplicate hosts in virtual service: ${a} & ${b}`, "hosts", j);
    }
  }
}

function checkL4Match(s: Scope, m: { destinationSubnets?: string[] | undefined; port?: number | undefined; gateways?: string[] | undefined }): void {
  (m.destinationSubnets ?? []).forEach((d, i) => s.check(checkCidrOrIp(d), "destinationSubnets", i));
  if (m.port !== undefined && m.port !== 0) checkPort(s, m.port, "port");
  checkGatewayNames(s.at("gateways"), m.gateways);
}

function checkRouteDestinations(s: Scope, route: TCPRoute["route"], what: string): void {
  const list = route ?? [];
  if (list.length === 0) s.error(`${what} route is required`);
  let total = 0;
  list.forEach((d, i) => {
    checkDestination(s.at("route", i, "destination"), d.destination);
    if ((d.weight ?? 0) < 0) s.error(`weight ${d.weight ?? 0} < 0`, "route", i, "weight");
    total += d.weight ?? 0;
  });
  if (list.length > 1 && total === 0) s.error("total destination weight = 0: at least one destination needs a weight", "route");
}

function checkTlsRoute(s: Scope, r: TLSRoute, spec: VirtualServiceSpec, appliesToGateway: boolean): void {
  if (r.match.length === 0) s.error("TLS route must have at least one match condition", "match");
  r.match.forEach((m, i) => {
    const ms = s.at("match", i);
    if (m.sniHosts.length === 0) ms.error("TLS match must have at least one SNI host", "sniHosts");
    m.sniHosts.forEach((sni, j) => {
      const generated = appliesToGateway && sni.startsWith("outbound_");
      const err = generated ? undefined : checkWildcardHost(sni);
      if (err) {
        if (isIP(sni)) ms.warn(`using an IP address ("${sni}") goes against the SNI spec and most clients do not support it`, "sniHosts", j);
        else ms.error(err, "sniHosts", j);
        return;
      }
      const hosts = spec.hosts ?? [];
      if (!hosts.some((h) => hostSubsetOf(sni, h))) {
        ms.error(`SNI host "${sni}" is not a compatible subset of any of the virtual service hosts: [${hosts.join(", ")}]`, "sniHosts", j);
      }
    });
    checkL4Match(ms, m);
  });
  checkRouteDestinations(s, r.route, "TLS");
}

function validateVirtualService(body: VirtualServiceBody, ctx: ValidationContext): void {
  const spec = body.spec;
  const s = specScope(ctx);
  const hosts = spec.hosts ?? [];
  const isDelegate = hosts.length === 0;
  if (isDelegate) {
    if ((spec.gateways ?? []).length > 0) s.error("a delegate virtual service (no hosts) must have no gateways", "gateways");
    if ((spec.tls ?? []).length > 0) s.error("a delegate virtual service (no hosts) must have no tls routes", "tls");
    if ((spec.tcp ?? []).length > 0) s.error("a delegate virtual service (no hosts) must have no tcp routes", "tcp");
  }
  const gateways = spec.gateways ?? [];
  const appliesToGateway = gateways.length > 0 && !gateways.includes("mesh");
  const appliesToMesh = !appliesToGateway;
  checkGatewayNames(s.at("gateways"), gateways.filter((g) => g !== "mesh"));
  if (!appliesToGateway) {
    (spec.http ?? []).forEach((r, i) =>
      (r.match ?? []).forEach((m, j) => {
        for (const field of ["headers", "withoutHeaders"] as const) {
          for (const key of Object.keys(m[field] ?? {})) {
            if (isJwtClaimHeader(key)) s.error("JWT claim based routing is only supported for virtual services bound to gateways", "http", i, "match", j, field, key);
          }
        }
      }),
    );
  }
  checkHosts(s, spec, appliesToGateway, appliesToMesh);
  if ((spec.http ?? []).length === 0 && (spec.tcp ?? []).length === 0 && (spec.tls ?? []).length === 0) {
    s.error("http, tcp or tls must be provided in virtual service");
  }
  (spec.http ?? []).forEach((r, i) => checkHttpRoute(s.at("http", i), r, isDelegate));
  (spec.tls ?? []).forEach((r, i) => checkTlsRoute(s.at("tls", i), r, spec, appliesToGateway));
  (spec.tcp ?? []).forEach((r, i) => {
    const ts = s.at("tcp", i);
    (r.match ?? []).forEach((m, j) => {
      checkL4Match(ts.at("match", j), m);
      if (m.sourceSubnet) ts.check(checkCidrOrIp(m.sourceSubnet), "match", j, "sourceSubnet");
    });
    checkRouteDestinations(ts, r.route, "TCP");
  });
  checkExportToList(s.at("exportTo"), spec.exportTo, false);
}

export const virtualServiceKind = defineNetworkingKind("VirtualService", virtualServiceBody, validateVirtualService);
