// One connection's check: envoy.service.auth.v3.Authorization/Check with the attributes Envoy's
// network ext_authz sends (source and destination addresses, the mTLS peer's principal and the
// proxy's own, SNI when include_tls_session), over the HTTP filter's cached gRPC client. That
// client (gRPC, Envoy's protos) is imported on the first check, so proxies without CUSTOM on TCP
// never load it.
import type { ConnectionInfo } from "../../contracts.js";
import { errorMessage } from "../../../errors.js";
import type { NetworkExtAuthzConfig } from "./network-ext-authz-config.js";

export type ConnectionVerdict =
  | { readonly kind: "allow" }
  | { readonly kind: "deny"; readonly why: string }
  | { readonly kind: "error"; readonly why: string };

function checkRequest(cfg: NetworkExtAuthzConfig, conn: ConnectionInfo): Record<string, unknown> {
  const sni = conn.tls?.sni ?? "";
  return {
    attributes: {
      source: { address: { socket_address: { address: conn.remoteAddress, port_value: conn.remotePort } }, principal: conn.tls?.peerUriSans[0] ?? "" },
      destination: { address: { socket_address: { address: conn.destinationAddress, port_value: conn.destinationPort } }, principal: conn.tls?.localUriSans?.[0] ?? "" },
      ...(cfg.includeTlsSession && sni !== "" ? { tls_session: { sni } } : {}),
    },
  };
}

type GrpcCheck = typeof import("../../http/filters/ext-authz/grpc-check.js");
let grpcCheck: Promise<GrpcCheck> | null = null;

/** Asks the authorizer about `conn`; never rejects (an unreachable service is an "error" verdict). */
export async function checkConnection(cfg: NetworkExtAuthzConfig, conn: ConnectionInfo): Promise<ConnectionVerdict> {
  let clientFor: GrpcCheck["clientFor"];
  try {
    grpcCheck ??= import("../../http/filters/ext-authz/grpc-check.js");
    clientFor = (await grpcCheck).clientFor;
  } catch (e) {
    return { kind: "error", why: `authorization client failed to load: ${errorMessage(e)}` };
  }
  return new Promise((resolve) => {
    try {
      clientFor(cfg.target).Check(checkRequest(cfg, conn), { deadline: Date.now() + cfg.timeoutMs }, (err, res) => {
        if (err !== null || res === undefined) { resolve({ kind: "error", why: `authorization service failed: ${err?.message ?? "no response"}` }); return; }
        const code = res.status?.code ?? 0;
        resolve(code === 0 ? { kind: "allow" } : { kind: "deny", why: `status ${code}${res.status?.message ? ` (${res.status.message})` : ""}` });
      });
    } catch (e) {
      resolve({ kind: "error", why: `authorization service failed: ${errorMessage(e)}` });
    }
  });
}
