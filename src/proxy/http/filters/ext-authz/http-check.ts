// ext_authz over HTTP: the request line and selected headers go to the authorizer (no body);
// 200 allows (with headers for the upstream), anything else is the answer the client gets.
import { request, Agent } from "node:http";
import type { AuthzDecision, CheckInput } from "./authz-decision.js";
import { headerAllowed, type ExtAuthzConfig } from "./ext-authz-config.js";

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
/** Headers an HTTP authorizer always sees (Envoy's defaults besides allowed_headers). */
const ALWAYS = new Set(["host", "authorization", "content-length", "method", "path"]);
const HOP = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "host", "date"]);
const MAX_BODY = 64 * 1024;

export function httpCheck(cfg: ExtAuthzConfig, input: CheckInput): Promise<AuthzDecision> {
  const headers: Record<string, string> = { host: input.authority, "content-length": "0" };
  for (const [n, v] of input.headers) {
    if (n === "content-length" || n === "host") continue;
    if (ALWAYS.has(n) || headerAllowed(cfg.allowedHeaders, n)) headers[n] = headers[n] === undefined ? v : `${headers[n]},${v}`;
  }
  for (const [n, v] of cfg.headersToAdd) headers[n] = v;
  const url = new URL(cfg.target);
  return new Promise((resolve) => {
    let done = false;
    const finish = (d: AuthzDecision): void => { if (!done) { done = true; resolve(d); } };
    const req = request({ host: url.hostname, port: Number(url.port || 80), method: input.method, path: cfg.pathPrefix + input.path, headers, agent, timeout: cfg.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
      res.on("error", () => finish({ kind: "error", why: "authorization response failed" }));
      res.on("end", () => {
        const pairs: [string, string][] = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([(res.rawHeaders[i] as string).toLowerCase(), res.rawHeaders[i + 1] as string]);
        if (res.statusCode === 200) {
          finish({
            kind: "allow",
            upstreamHeaders: pairs.filter(([n]) => headerAllowed(cfg.allowedUpstream, n)),
            removeHeaders: [],
            clientHeaders: pairs.filter(([n]) => headerAllowed(cfg.allowedClientOnSuccess, n)),
          });
          return;
        }
        const allowed = cfg.allowedClient;
        finish({
          kind: "deny", status: res.statusCode ?? 403, body: Buffer.concat(chunks).toString("utf8"),
          headers: pairs.filter(([n]) => !HOP.has(n) && (allowed === null || headerAllowed(allowed, n))),
        });
      });
    });
    req.on("timeout", () => { req.destroy(); finish({ kind: "error", why: "authorization request timed out" }); });
    req.on("error", (e) => finish({ kind: "error", why: `authorization service unreachable: ${e.message}` }));
    req.end();
  });
}
