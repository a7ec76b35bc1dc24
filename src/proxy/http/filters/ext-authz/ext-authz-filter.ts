// envoy.filters.http.ext_authz: asks an external authorizer (HTTP or gRPC) about each request the
// filter is enabled for (filter_enabled_metadata: Istio's CUSTOM selection), waits for the
// answer, then continues with the granted upstream headers or sends the authorizer's denial.
// An unreachable authorizer gives status_on_error (flag UAEX) unless failure_mode_allow.
import { FILTER_DISABLED } from "../../../router/per-filter-config.js";
import { FILTER_CONTINUE, FILTER_STOP, registerHttpFilter, type HttpFilter, type HttpStream } from "../http-filter.js";
import { metadataOf } from "../rbac/dynamic-metadata.js";
import { testMetadataMatch } from "../rbac/metadata-matcher.js";
import type { AuthzDecision, CheckInput } from "./authz-decision.js";
import { compileExtAuthz, type ExtAuthzConfig } from "./ext-authz-config.js";
import { httpCheck } from "./http-check.js";
import { grpcCheck } from "./grpc-check.js";

export const EXT_AUTHZ_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz";

function checkInput(ex: HttpStream): CheckInput {
  const h = ex.headers;
  const headers: [string, string][] = [];
  for (let i = 0; i < h.names.length; i++) headers.push([h.names[i] as string, h.values[i] as string]);
  const c = ex.connection;
  return {
    method: ex.method, path: ex.record.path, authority: ex.record.authority, scheme: c?.tls ? "https" : "http", headers,
    sourceAddress: c?.remoteAddress ?? ex.record.downstreamRemoteAddress, sourcePort: c?.remotePort ?? 0,
    sourcePrincipal: c?.tls?.peerUriSans[0] ?? "", destinationAddress: c?.destinationAddress ?? "", destinationPort: c?.destinationPort ?? 0,
    destinationPrincipal: c?.tls?.localUriSans?.[0] ?? "",
  };
}

export class ExtAuthzFilter implements HttpFilter {
  constructor(readonly name: string, private readonly cfg: ExtAuthzConfig) {}

  onRequest(ex: HttpStream, index: number): number {
    const per = ex.route?.perFilter.get(this.name);
    if (per === FILTER_DISABLED) return FILTER_CONTINUE;
    if (typeof per === "object" && per !== null && (per as Record<string, unknown>)["disabled"] === true) return FILTER_CONTINUE;
    const gate = this.cfg.enabledMetadata;
    if (gate !== null && !testMetadataMatch(gate, metadataOf(ex))) return FILTER_CONTINUE;
    const input = checkInput(ex);
    const ask = this.cfg.kind === "http" ? httpCheck(this.cfg, input) : grpcCheck(this.cfg, input);
    void ask.then((d) => this.apply(ex, index, d), () => this.apply(ex, index, { kind: "error", why: "authorization check failed" }));
    return FILTER_STOP;
  }

  private apply(ex: HttpStream, index: number, d: AuthzDecision): void {
    if (d.kind === "allow") {
      for (const [n, v] of d.upstreamHeaders) ex.headers.set(n, v);
      for (const n of d.removeHeaders) ex.headers.remove(n.toLowerCase());
      for (const [n, v] of d.clientHeaders) ex.addResponseHeader(n, v);
      ex.continueFilters(index + 1);
      return;
    }
    if (d.kind === "deny") {
      let extra = "";
      for (const [n, v] of d.headers) if (!/[\r\n]/.test(n + v)) extra += `${n}: ${v}\r\n`;
      ex.localReply(d.status, "UAEX", d.body, extra);
      return;
    }
    if (this.cfg.failureModeAllow) {
      ex.headers.set("x-envoy-auth-failure-mode-allowed", "true");
      ex.continueFilters(index + 1);
      return;
    }
    ex.localReply(this.cfg.statusOnError, "UAEX", "");
  }
}

registerHttpFilter({ typeUrl: EXT_AUTHZ_TYPE, create: (name, cfg, field) => new ExtAuthzFilter(name, compileExtAuthz(cfg, field)) });
