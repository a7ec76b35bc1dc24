import { test } from "node:test";
import assert from "node:assert/strict";
import { compileRouteConfiguration } from "./route-config.js";
import { upstreamPath, redirectLocation, pickClusterName } from "./rewrite.js";
import { RouteConfigStore } from "./route-config-store.js";
import { isMizzenError } from "../../errors.js";

const req = (authority: string, path: string, headers: Record<string, string> = {}, method = "GET") => ({ authority, path, method, headers });

function vh(name: string, domains: string[], routes: unknown[] = [{ match: { prefix: "/" }, route: { cluster: name } }]) {
  return { name, domains, routes };
}

test("virtual host precedence: exact, longest suffix, longest prefix, then *", () => {
  const rc = compileRouteConfiguration({
    name: "80",
    virtual_hosts: [
      vh("any", ["*"]), vh("suffix", ["*.example.com"]), vh("longsuffix", ["*.api.example.com"]),
      vh("prefix", ["api.*"]), vh("exact", ["api.example.com", "api.example.com:8080"]),
    ],
  });
  assert.equal(rc.match(req("api.example.com", "/"))?.virtualHost.name, "exact");
  assert.equal(rc.match(req("API.Example.com:8080", "/"))?.virtualHost.name, "exact");
  assert.equal(rc.match(req("v1.api.example.com", "/"))?.virtualHost.name, "longsuffix");
  assert.equal(rc.match(req("www.example.com", "/"))?.virtualHost.name, "suffix");
  assert.equal(rc.match(req("api.other.org", "/"))?.virtualHost.name, "prefix");
  assert.equal(rc.match(req("other.org", "/"))?.virtualHost.name, "any");
  assert.equal(rc.match(req("www.example.com:9090", "/"))?.virtualHost.name, "any");
  assert.equal(rc.match(req("www.example.com:9090", "/"), true)?.virtualHost.name, "suffix");
});

test("repeated lookups answer as first ones: the last authority is remembered with its port rule", () => {
  const rc = compileRouteConfiguration({ name: "r", virtual_hosts: [vh("exact", ["a.example.com"]), vh("empty", ["x*"])] });
  const seq: [string, boolean, string | undefined][] = [
    ["a.example.com", false, "exact"], ["a.example.com", false, "exact"], ["A.example.com", false, "exact"],
    ["a.example.com:80", false, undefined], ["a.example.com:80", true, "exact"], ["a.example.com:80", false, undefined],
    ["", false, undefined], ["", false, undefined], ["xy", false, "empty"], ["other", false, undefined],
  ];
  for (const [authority, strip, want] of seq) assert.equal(rc.match(req(authority, "/"), strip)?.virtualHost.name, want, `${authority} strip=${strip}`);
});

test("duplicate domains and bad regexes are rejected with the field named", () => {
  assert.throws(() => compileRouteConfiguration({ virtual_hosts: [vh("a", ["x"]), vh("b", ["x"])] }),
    (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_XDS_INVALID" && /virtual_hosts\[1\]\.domains/.test(e.message));
  assert.throws(() => compileRouteConfiguration({ virtual_hosts: [vh("a", ["*"], [{ match: { safe_regex: { regex: "(?=a)b" } }, route: { cluster: "c" } }])] }),
    (e) => isMizzenError(e) && /routes\[0\]\.match\.safe_regex\.regex: lookaround/.test(e.message));
  assert.throws(() => compileRouteConfiguration({ virtual_hosts: [vh("a", ["*"], [{ match: { safe_regex: { regex: "(a)\\1" } }, route: { cluster: "c" } }])] }),
    (e) => isMizzenError(e) && /backreferences/.test(e.message));
});

test("path matchers: prefix, path, regex, separated prefix, case sensitivity, query ignored", () => {
  const rc = compileRouteConfiguration({ virtual_hosts: [vh("v", ["*"], [
    { name: "exact", match: { path: "/exact" }, route: { cluster: "c" } },
    { name: "regex", match: { safe_regex: { regex: "/items/[0-9]+" } }, route: { cluster: "c" } },
    { name: "sep", match: { path_separated_prefix: "/api" }, route: { cluster: "c" } },
    { name: "ci", match: { prefix: "/CI", case_sensitive: false }, route: { cluster: "c" } },
    { name: "root", match: { prefix: "/" }, route: { cluster: "c" } },
  ])] });
  const name = (p: string) => rc.match(req("h", p))?.route.name;
  assert.equal(name("/exact?x=1"), "exact");
  assert.equal(name("/exactly"), "root");
  assert.equal(name("/items/42"), "regex");
  assert.equal(name("/items/42x"), "root");
  assert.equal(name("/api"), "sep");
  assert.equal(name("/api/v1"), "sep");
  assert.equal(name("/apis"), "root");
  assert.equal(name("/ci/x"), "ci");
});

test("header, query and grpc matchers including invert, present, range and legacy fields", () => {
  const rc = compileRouteConfiguration({ virtual_hosts: [vh("v", ["*"], [
    { name: "hdr", match: { prefix: "/", headers: [{ name: "x-user", string_match: { exact: "jason" } }, { name: "x-no", present_match: false }] }, route: { cluster: "c" } },
    { name: "legacy", match: { prefix: "/", headers: [{ name: "x-v", prefix_match: "v2" }] }, route: { cluster: "c" } },
    { name: "range", match: { prefix: "/", headers: [{ name: "x-n", range_match: { start: 10, end: 20 } }] }, route: { cluster: "c" } },
    { name: "inv", match: { prefix: "/", headers: [{ name: "x-inv", string_match: { suffix: "z" }, invert_match: true }, { name: "x-inv", present_match: true }] }, route: { cluster: "c" } },
    { name: "query", match: { prefix: "/", query_parameters: [{ name: "debug", present_match: true }, { name: "v", string_match: { exact: "1" } }] }, route: { cluster: "c" } },
    { name: "grpc", match: { prefix: "/", grpc: {} }, route: { cluster: "c" } },
    { name: "method", match: { prefix: "/", headers: [{ name: ":method", string_match: { exact: "POST" } }] }, route: { cluster: "c" } },
  ])] });
  const name = (p: string, h: Record<string, string>, m = "GET") => rc.match(req("h", p, h, m))?.route.name ?? null;
  assert.equal(name("/", { "x-user": "jason" }), "hdr");
  assert.equal(name("/", { "x-user": "jason", "x-no": "1" }), null);
  assert.equal(name("/", { "X-V": "v2.1" }), "legacy");
  assert.equal(name("/", { "x-n": "15" }), "range");
  assert.equal(name("/", { "x-n": "20" }), null);
  assert.equal(name("/", { "x-inv": "abc" }), "inv");
  assert.equal(name("/", { "x-inv": "abz" }), null);
  assert.equal(name("/?debug&v=1", {}), "query");
  assert.equal(name("/?debug&v=2", {}), null);
  assert.equal(name("/", { "content-type": "application/grpc+proto" }), "grpc");
  assert.equal(name("/", {}, "POST"), "method");
});

test("rewrites and redirects", () => {
  const rc = compileRouteConfiguration({ virtual_hosts: [vh("v", ["*"], [
    { name: "pre", match: { prefix: "/old/" }, route: { cluster: "c", prefix_rewrite: "/new/" } },
    { name: "re", match: { prefix: "/re/" }, route: { cluster: "c", regex_rewrite: { pattern: { regex: "^/re/(\\w+)/(\\w+)$" }, substitution: "/\\2/\\1" } } },
    { name: "https", match: { prefix: "/secure" }, redirect: { https_redirect: true, strip_query: true } },
    { name: "move", match: { prefix: "/move/" }, redirect: { host_redirect: "b.example", port_redirect: 8443, prefix_rewrite: "/moved/", response_code: "TEMPORARY_REDIRECT" } },
    { name: "direct", match: { path: "/health" }, direct_response: { status: 200, body: { inline_string: "ok" } } },
  ])] });
  const r = (p: string) => { const m = rc.match(req("a.example:80", p)); assert.ok(m); return m.route; };
  assert.equal(upstreamPath(r("/old/x?q=1"), "/old/x?q=1"), "/new/x?q=1");
  assert.equal(upstreamPath(r("/re/a/b"), "/re/a/b?z"), "/b/a?z");
  const s = r("/secure?x=1");
  assert.equal(redirectLocation(s, s.redirect!, "http", "a.example:80", "/secure?x=1"), "https://a.example/secure");
  const mv = r("/move/p");
  assert.equal(mv.redirect?.status, 307);
  assert.equal(redirectLocation(mv, mv.redirect!, "http", "a.example", "/move/p?k"), "http://b.example:8443/moved/p?k");
  assert.equal(r("/health").direct?.body.toString(), "ok");
});

test("weighted clusters, cluster_header and defaults", () => {
  const rc = compileRouteConfiguration({ virtual_hosts: [vh("v", ["*"], [
    { match: { prefix: "/w" }, route: { weighted_clusters: { clusters: [{ name: "a", weight: 1 }, { name: "b", weight: 3 }] } } },
    { match: { prefix: "/h" }, route: { cluster_header: "X-Cluster", timeout: "0s" } },
  ])] });
  const w = rc.match(req("h", "/w"))!.route;
  assert.equal(pickClusterName(w.forward!, { get: () => undefined }, () => 0.1), "a");
  assert.equal(pickClusterName(w.forward!, { get: () => undefined }, () => 0.5), "b");
  assert.equal(w.forward?.timeoutMs, 15000);
  const h = rc.match(req("h", "/h"))!.route;
  assert.equal(pickClusterName(h.forward!, { get: (n) => (n === "x-cluster" ? "zz" : undefined) }), "zz");
  assert.equal(h.forward?.timeoutMs, 0);
  assert.throws(() => compileRouteConfiguration({ virtual_hosts: [vh("v", ["*"], [{ match: { prefix: "/" }, route: { weighted_clusters: { clusters: [{ name: "a", weight: 1 }], total_weight: 100 } } }])] }),
    /total_weight/);
});

test("RouteConfigStore keeps the last good configuration when a set fails", () => {
  const store = new RouteConfigStore();
  store.set("80", { virtual_hosts: [vh("v", ["*"])] });
  assert.throws(() => store.set("80", { virtual_hosts: [{ name: "bad", domains: [] }] }), /domains/);
  assert.equal(store.get("80")?.match(req("x", "/"))?.virtualHost.name, "v");
  assert.equal(store.delete("80"), true);
  assert.equal(store.get("80"), undefined);
});
