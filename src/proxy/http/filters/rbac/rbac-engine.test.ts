import { test } from "node:test";
import assert from "node:assert/strict";
import { isMizzenError } from "../../../../errors.js";
import { HeaderList } from "../../header-list.js";
import { RbacEngine, compileRbacConfig } from "./rbac-engine.js";
import type { RbacRequest } from "./rbac-request.js";

function req(over: Partial<RbacRequest> & { h?: Record<string, string> } = {}): RbacRequest {
  const headers = new HeaderList();
  for (const [k, v] of Object.entries(over.h ?? {})) headers.push(k, v);
  return {
    headers, method: "GET", path: "/a/b?x=1", authority: "svc.ns:8080", directRemoteIp: "10.1.2.3", remoteIp: "10.1.2.3",
    destinationIp: "10.0.0.9", destinationPort: 9080, peerUriSans: [], authenticated: false, sni: "", metadata: new Map(), ...over,
  };
}

function engine(action: string, permissions: unknown[], principals: unknown[] = [{ any: true }]): RbacEngine {
  return RbacEngine.compile({ action, policies: { p: { permissions, principals } } }, "rules");
}

test("permissions: and/or/not, pseudo headers, url_path without query, ports, SNI, destination CIDR", () => {
  const e = engine("ALLOW", [{ and_rules: { rules: [
    { header: { name: ":method", string_match: { exact: "GET" } } },
    { url_path: { path: { exact: "/a/b" } } },
    { or_rules: { rules: [{ destination_port: 9080 }, { destination_port_range: { start: 10000, end: 10010 } }] } },
    { not_rule: { header: { name: "x-block", present_match: true } } },
    { destination_ip: { address_prefix: "10.0.0.0", prefix_len: 24 } },
  ] } }]);
  assert.equal(e.evaluate(req()).allowed, true);
  assert.equal(e.evaluate(req({ method: "POST" })).allowed, false);
  assert.equal(e.evaluate(req({ path: "/a/c" })).allowed, false);
  assert.equal(e.evaluate(req({ destinationPort: 10005 })).allowed, true);
  assert.equal(e.evaluate(req({ destinationPort: 10010 })).allowed, false);
  assert.equal(e.evaluate(req({ h: { "x-block": "1" } })).allowed, false);
  assert.equal(e.evaluate(req({ destinationIp: "10.0.1.9" })).allowed, false);
  const sni = engine("ALLOW", [{ requested_server_name: { suffix: ".svc" } }]);
  assert.equal(sni.evaluate(req({ sni: "a.svc" })).allowed, true);
  assert.equal(sni.evaluate(req()).allowed, false);
});

test("principals: authenticated names, IPv4/IPv6/mapped CIDRs, remote_ip, metadata list/invert/present", () => {
  const e = engine("DENY", [{ any: true }], [{ or_ids: { ids: [
    { authenticated: { principal_name: { exact: "spiffe://cluster.local/ns/a/sa/b" } } },
    { direct_remote_ip: { address_prefix: "fd00::", prefix_len: 8 } },
    { remote_ip: { address_prefix: "192.168.0.0", prefix_len: 16 } },
    { metadata: { filter: "istio_authn", path: [{ key: "request.auth.claims" }, { key: "groups" }], value: { list_match: { one_of: { string_match: { exact: "admin" } } } } } },
  ] } }]);
  assert.equal(e.evaluate(req()).allowed, true);
  assert.equal(e.evaluate(req({ peerUriSans: ["spiffe://cluster.local/ns/a/sa/b"], authenticated: true })).allowed, false);
  assert.equal(e.evaluate(req({ peerUriSans: ["spiffe://cluster.local/ns/a/sa/b"], authenticated: false })).allowed, true, "unverified SANs never match");
  assert.equal(e.evaluate(req({ directRemoteIp: "fd12::1" })).allowed, false);
  assert.equal(e.evaluate(req({ remoteIp: "::ffff:192.168.1.1" })).allowed, false);
  const md = new Map([["istio_authn", { "request.auth.claims": { groups: ["dev", "admin"] } }]]);
  assert.equal(e.evaluate(req({ metadata: md })).allowed, false);
  const absent = engine("ALLOW", [{ any: true }], [{ metadata: { filter: "istio_authn", path: [{ key: "request.auth.principal" }], value: { present_match: true }, invert: true } }]);
  assert.equal(absent.evaluate(req()).allowed, true);
  assert.equal(absent.evaluate(req({ metadata: new Map([["istio_authn", { "request.auth.principal": "a/b" }]]) })).allowed, false);
});

test("HTTP-only matchers never match a TCP connection", () => {
  const e = engine("ALLOW", [{ header: { name: ":method", present_match: true } }, { url_path: { path: { prefix: "/" } } }]);
  assert.equal(e.evaluate(req({ headers: null })).allowed, false);
});

test("LOG admits everything and names the match; no rules means no enforcement; the first match is reported", () => {
  const log = engine("LOG", [{ url_path: { path: { prefix: "/a" } } }]);
  assert.deepEqual(log.evaluate(req()), { allowed: true, policy: "p" });
  const cfg = compileRbacConfig({ shadow_rules: { action: "DENY", policies: {} }, shadow_rules_stat_prefix: "istio_dry_run_" }, "rbac");
  assert.equal(cfg.rules, null);
  assert.equal(cfg.shadowPrefix, "istio_dry_run_");
  const empty = RbacEngine.compile({ action: "ALLOW" }, "rules");
  assert.equal(empty.evaluate(req()).allowed, false, "ALLOW with no policies denies all");
});

test("bad configs are refused with MIZZEN_ERR_XDS_INVALID naming the field", () => {
  const bad: unknown[] = [
    { action: "MAYBE" },
    { policies: { p: { permissions: [], principals: [{ any: true }] } } },
    { policies: { p: { permissions: [{ any: true, header: { name: "x" } }], principals: [{ any: true }] } } },
    { policies: { p: { permissions: [{ destination_ip: { address_prefix: "not-an-ip" } }], principals: [{ any: true }] } } },
    { policies: { p: { permissions: [{ any: true }], principals: [{ bogus: {} }] } } },
    { policies: { p: { permissions: [{ any: true }], principals: [{ any: true }], condition: {} } } },
    { policies: { p: { permissions: [{ url_path: { path: { safe_regex: { regex: "(" } } } }], principals: [{ any: true }] } } },
  ];
  for (const b of bad) {
    assert.throws(() => RbacEngine.compile(b, "rules"), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_XDS_INVALID" && e.message.startsWith("rules"), JSON.stringify(b));
  }
});
