// ext_authz over gRPC: envoy.service.auth.v3.Authorization/Check with the request attributes;
// status OK allows (ok_response headers for the upstream), anything else denies with
// denied_response's status (403 when unset), headers and body.
import { credentials, loadPackageDefinition, type Client, type ServiceDefinition, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { envoyProtoIncludeDirs } from "../../../../api/envoy/index.js";
import type { AuthzDecision, CheckInput } from "./authz-decision.js";
import type { ExtAuthzConfig } from "./ext-authz-config.js";

type CheckFn = (req: unknown, opts: { deadline: number }, cb: (err: ServiceError | null, res?: CheckResponse) => void) => void;
type AuthClient = Client & { Check: CheckFn };
type AuthCtor = (new (target: string, creds: ReturnType<typeof credentials.createInsecure>) => AuthClient) & { service: ServiceDefinition };

interface HeaderOption { header?: { key?: string; value?: string } }
interface CheckResponse {
  status?: { code?: number; message?: string };
  denied_response?: { status?: { code?: number }; headers?: HeaderOption[]; body?: string };
  ok_response?: { headers?: HeaderOption[]; headers_to_remove?: string[]; response_headers_to_add?: HeaderOption[] };
}

let ctor: AuthCtor | null = null;
const clients = new Map<string, AuthClient>();

/** The Authorization service definition from Envoy's protos (loaded once, on first use). */
export function authorizationService(): AuthCtor {
  if (ctor === null) {
    const def = loadSync("envoy/service/auth/v3/external_auth.proto", { includeDirs: envoyProtoIncludeDirs(), keepCase: true, longs: String, enums: Number, defaults: false, oneofs: true });
    const pkg = loadPackageDefinition(def) as unknown as { envoy: { service: { auth: { v3: { Authorization: AuthCtor } } } } };
    ctor = pkg.envoy.service.auth.v3.Authorization;
  }
  return ctor;
}

/** The cached Authorization client for `target` (shared with the network ext_authz filter). */
export function clientFor(target: string): AuthClient {
  let c = clients.get(target);
  if (c === undefined) {
    const Ctor = authorizationService();
    c = new Ctor(target, credentials.createInsecure());
    clients.set(target, c);
  }
  return c;
}

/** Closes the cached gRPC channels (tests, shutdown). */
export function closeAuthzClients(): void {
  for (const c of clients.values()) c.close();
  clients.clear();
}

const pairs = (list: HeaderOption[] | undefined): [string, string][] =>
  (list ?? []).map((h) => [(h.header?.key ?? "").toLowerCase(), h.header?.value ?? ""] as [string, string]).filter(([k]) => k !== "");

export function grpcCheck(cfg: ExtAuthzConfig, input: CheckInput): Promise<AuthzDecision> {
  const headers: Record<string, string> = { ":method": input.method, ":path": input.path, ":authority": input.authority };
  for (const [n, v] of input.headers) headers[n] = headers[n] === undefined ? v : `${headers[n]},${v}`;
  const q = input.path.indexOf("?");
  const req = {
    attributes: {
      source: { address: { socket_address: { address: input.sourceAddress, port_value: input.sourcePort } }, principal: input.sourcePrincipal },
      destination: { address: { socket_address: { address: input.destinationAddress, port_value: input.destinationPort } }, principal: input.destinationPrincipal },
      request: { http: {
        method: input.method, headers, path: input.path, host: input.authority, scheme: input.scheme, protocol: "HTTP/1.1",
        query: q < 0 ? "" : input.path.slice(q + 1),
      } },
    },
  };
  return new Promise((resolve) => {
    clientFor(cfg.target).Check(req, { deadline: Date.now() + cfg.timeoutMs }, (err, res) => {
      if (err !== null || res === undefined) { resolve({ kind: "error", why: `authorization service failed: ${err?.message ?? "no response"}` }); return; }
      if ((res.status?.code ?? 0) === 0) {
        resolve({ kind: "allow", upstreamHeaders: pairs(res.ok_response?.headers), removeHeaders: res.ok_response?.headers_to_remove ?? [], clientHeaders: pairs(res.ok_response?.response_headers_to_add) });
        return;
      }
      const d = res.denied_response;
      const status = d?.status?.code;
      resolve({ kind: "deny", status: status !== undefined && status >= 200 ? status : 403, body: d?.body ?? "", headers: pairs(d?.headers) });
    });
  });
}
