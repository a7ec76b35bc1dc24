// CUSTOM AuthorizationPolicy with ext_authz providers (HTTP and gRPC servers started by the test)
// through a running connection manager; plus the DENY/ALLOW RBAC path on real sockets.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { Server as GrpcServer, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { inboundSecurityHttpFilters } from "../src/pilot/security/index.js";
import { policy } from "../src/pilot/security/testing/authz-harness.js";
import type { ExtensionProvider } from "../src/config/mesh/extension-providers.js";
import { authorizationService, closeAuthzClients, grpcCheck } from "../src/proxy/http/filters/ext-authz/grpc-check.js";
import type { CheckInput } from "../src/proxy/http/filters/ext-authz/authz-decision.js";
import type { ExtAuthzConfig } from "../src/proxy/http/filters/ext-authz/ext-authz-config.js";
import { closeServer, echoUpstream, get, listen, startProxy } from "./security-fixtures.js";

const workload = { namespace: "foo", labels: { app: "httpbin" } };
let upstream: { server: Server; port: number };
let httpAuthz: Server;
let httpAuthzPort = 0;
let grpcAuthz: GrpcServer;
let grpcAuthzPort = 0;
const httpChecks: string[] = [];

interface CheckReq { attributes?: { request?: { http?: { path?: string; headers?: Record<string, string> } }; source?: { principal?: string }; destination?: { principal?: string } } }
const grpcChecks: CheckReq[] = [];

before(async () => {
  upstream = await echoUpstream();
  // Istio's sample ext-authz: allows when x-ext-authz is "allow", else 403 with a body.
  httpAuthz = createServer((req, res) => {
    httpChecks.push(`${req.method ?? ""} ${req.url ?? ""}`);
    if (req.headers["x-ext-authz"] === "allow") { res.setHeader("x-ext-authz-check-result", "allowed"); res.end(); return; }
    res.statusCode = 403;
    res.setHeader("x-ext-authz-check-result", "denied");
    res.end("denied by ext_authz for not found header `x-ext-authz: allow` in the request");
  });
  httpAuthzPort = await listen(httpAuthz);
  grpcAuthz = new GrpcServer();
  grpcAuthz.addService(authorizationService().service, {
    Check: (call: ServerUnaryCall<CheckReq, unknown>, cb: sendUnaryData<unknown>) => {
      grpcChecks.push(call.request);
      const h = call.request.attributes?.request?.http?.headers ?? {};
      if (h["x-ext-authz"] === "allow") {
        cb(null, { status: { code: 0 }, ok_response: { headers: [{ header: { key: "x-ext-authz-check-result", value: "allowed" } }] } });
      } else {
        cb(null, { status: { code: 7 }, denied_response: { status: { code: 403 }, body: "denied by grpc ext_authz", headers: [{ header: { key: "x-ext-authz-check-result", value: "denied" } }] } });
      }
    },
  });
  grpcAuthzPort = await new Promise<number>((resolve, reject) => grpcAuthz.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, port) => e ? reject(e) : resolve(port)));
});

after(async () => {
  closeAuthzClients();
  grpcAuthz.forceShutdown();
  await closeServer(httpAuthz);
  await closeServer(upstream.server);
});

function providers(): ExtensionProvider[] {
  return [
    { name: "sample-ext-authz-http", envoyExtAuthzHttp: { service: "127.0.0.1", port: httpAuthzPort, includeRequestHeadersInCheck: ["x-ext-authz"], headersToUpstreamOnAllow: ["x-ext-authz-check-result"], headersToDownstreamOnDeny: ["x-ext-authz-check-result", "content-type"] } },
    { name: "sample-ext-authz-grpc", envoyExtAuthzGrpc: { service: "127.0.0.1", port: grpcAuthzPort } },
    { name: "dead-http", envoyExtAuthzHttp: { service: "127.0.0.1", port: 1, timeout: "1s" } },
    { name: "dead-open", envoyExtAuthzHttp: { service: "127.0.0.1", port: 1, timeout: "1s", failOpen: true } },
  ];
}

async function proxyWithCustom(provider: string): Promise<Awaited<ReturnType<typeof startProxy>>> {
  const custom = policy("foo", "ext-authz", { selector: { matchLabels: { app: "httpbin" } }, action: "CUSTOM", provider: { name: provider }, rules: [{ to: [{ operation: { paths: ["/headers"] } }] }] });
  const f = inboundSecurityHttpFilters(workload, [custom], [], { rootNamespace: "istio-system", extensionProviders: providers() });
  assert.deepEqual(f.warnings, []);
  return startProxy(upstream.port, f.http);
}

for (const kind of ["http", "grpc"] as const) {
  test(`CUSTOM with the ${kind} ext_authz provider: selected paths checked, allowed with headers, denied with the authorizer's answer`, async () => {
    const p = await proxyWithCustom(`sample-ext-authz-${kind}`);
    try {
      const port = p.served.port;
      const before = httpChecks.length;
      const ok = await get(port, "/headers", { "x-ext-authz": "allow" });
      assert.equal(ok.status, 200);
      assert.equal((JSON.parse(ok.body) as Record<string, string>)["x-ext-authz-check-result"], "allowed");
      const denied = await get(port, "/headers", { "x-ext-authz": "deny" });
      assert.equal(denied.status, 403);
      assert.match(denied.body, /denied by (grpc )?ext_authz/);
      assert.equal(denied.headers["x-ext-authz-check-result"], "denied");
      const notSelected = await get(port, "/ip", { "x-ext-authz": "deny" });
      assert.equal(notSelected.status, 200, "paths the CUSTOM rule does not select skip the authorizer");
      if (kind === "http") assert.deepEqual(httpChecks.slice(before), ["GET /headers", "GET /headers"]);
    } finally {
      await p.close();
    }
  });
}

test("the gRPC check names both ends of an mTLS connection: the client's identity and the proxy's own", async () => {
  const input: CheckInput = {
    method: "GET", path: "/headers", authority: "httpbin", scheme: "https", headers: [["x-ext-authz", "allow"]],
    sourceAddress: "127.0.0.1", sourcePort: 40000, sourcePrincipal: "spiffe://cluster.local/ns/foo/sa/sleep",
    destinationAddress: "127.0.0.1", destinationPort: 8000, destinationPrincipal: "spiffe://cluster.local/ns/foo/sa/httpbin",
  };
  const decision = await grpcCheck({ kind: "grpc", target: `127.0.0.1:${grpcAuthzPort}`, timeoutMs: 5000 } as ExtAuthzConfig, input);
  assert.equal(decision.kind, "allow");
  const seen = grpcChecks.at(-1)?.attributes;
  assert.equal(seen?.source?.principal, "spiffe://cluster.local/ns/foo/sa/sleep");
  assert.equal(seen?.destination?.principal, "spiffe://cluster.local/ns/foo/sa/httpbin");
});

test("unreachable authorizer: 403 (status_on_error) by default, passes with failOpen", async () => {
  let p = await proxyWithCustom("dead-http");
  try {
    assert.equal((await get(p.served.port, "/headers", { "x-ext-authz": "allow" })).status, 403);
  } finally {
    await p.close();
  }
  p = await proxyWithCustom("dead-open");
  try {
    const r = await get(p.served.port, "/headers");
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as Record<string, string>)["x-envoy-auth-failure-mode-allowed"], "true");
  } finally {
    await p.close();
  }
});

test("DENY and ALLOW policies on real sockets: 403 RBAC: access denied", async () => {
  const denyGet = policy("foo", "deny-method-get", { action: "DENY", rules: [{ to: [{ operation: { methods: ["GET"] } }], when: [{ key: "request.headers[x-token]", notValues: ["admin"] }] }] });
  const allowIp = policy("foo", "allow-path-ip", { action: "ALLOW", rules: [{ to: [{ operation: { paths: ["/ip", "/post"] } }] }] });
  const f = inboundSecurityHttpFilters(workload, [denyGet, allowIp], [], { rootNamespace: "istio-system" });
  const p = await startProxy(upstream.port, f.http);
  try {
    const port = p.served.port;
    const denied = await get(port, "/ip");
    assert.equal(denied.status, 403);
    assert.equal(denied.body, "RBAC: access denied");
    assert.equal((await get(port, "/ip", { "x-token": "admin" })).status, 200);
    assert.equal((await get(port, "/headers", { "x-token": "admin" })).status, 403);
    assert.equal((await get(port, "/post", {}, "POST")).status, 200);
  } finally {
    await p.close();
  }
});
