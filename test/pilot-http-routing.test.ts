// VirtualService HTTP routing translated for a sidecar, checked through the traffic simulator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bookinfo, REVIEWS_SUBSETS } from "../src/pilot/testing/bookinfo.js";
import { assertValidEnvoy } from "../src/pilot/testing/valid-envoy.js";

const REVIEWS = "reviews.default.svc.cluster.local";
const v = (subset: string): string => `outbound|9080|${subset}|${REVIEWS}`;

function vs(http: string, name = "reviews", hosts = "[reviews]"): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: default }
spec:
  hosts: ${hosts}
  http:
${http}`;
}

function productpage(...config: string[]) {
  const mesh = bookinfo(REVIEWS_SUBSETS, ...config);
  const res = mesh.resources(mesh.sidecar("default", "productpage-v1"));
  assertValidEnvoy(res);
  return mesh.simulator(mesh.sidecar("default", "productpage-v1"));
}

const call = (headers: Record<string, string> = {}, path = "/reviews/0", method = "GET") => ({ address: "10.96.0.12", port: 9080, host: "reviews:9080", path, headers, method });

test("routing by header: user jason goes to v2, everyone else to v1 (Bookinfo's reviews-test-v2)", () => {
  const sim = productpage(vs(`  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - route: [{ destination: { host: reviews, subset: v1 } }]
`));
  assert.equal(sim.run(call({ "end-user": "jason" })).cluster, v("v2"));
  assert.equal(sim.run(call({ "end-user": "alice" })).cluster, v("v1"));
  assert.equal(sim.run(call()).cluster, v("v1"));
});

test("weighted split between subsets keeps each weight", () => {
  const sim = productpage(vs(`  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 80 }
    - { destination: { host: reviews, subset: v3 }, weight: 20 }
`));
  assert.deepEqual(sim.run(call()).weightedClusters, [{ name: v("v1"), weight: 80 }, { name: v("v3"), weight: 20 }]);
});

test("uri exact/prefix/regex, ignoreUriCase, method, queryParams and withoutHeaders", () => {
  const sim = productpage(vs(`  - match: [{ uri: { exact: /exact } }]
    route: [{ destination: { host: reviews, subset: v1 } }]
  - match: [{ uri: { prefix: /Pre }, ignoreUriCase: true }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - match: [{ uri: { regex: "/r/[0-9]+" }, method: { exact: POST } }]
    route: [{ destination: { host: reviews, subset: v3 } }]
  - match: [{ queryParams: { beta: { exact: "1" } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - match: [{ withoutHeaders: { x-legacy: {} } }]
    route: [{ destination: { host: reviews, subset: v3 } }]
  - route: [{ destination: { host: reviews, subset: v1 } }]
`));
  assert.equal(sim.run(call({}, "/exact")).cluster, v("v1"));
  assert.equal(sim.run(call({}, "/pREfix/a")).cluster, v("v2"));
  assert.equal(sim.run(call({}, "/r/42", "POST")).cluster, v("v3"));
  assert.equal(sim.run(call({ "x-legacy": "1" }, "/r/42", "GET")).cluster, v("v1"));
  assert.equal(sim.run(call({ "x-legacy": "1" }, "/list?beta=1")).cluster, v("v2"));
  assert.equal(sim.run(call({}, "/other")).cluster, v("v3"));
  assert.equal(sim.run(call({ "x-legacy": "yes" }, "/other")).cluster, v("v1"));
});

test("redirect, rewrite and direct response", () => {
  const sim = productpage(vs(`  - match: [{ uri: { prefix: /old } }]
    redirect: { uri: /new, authority: ratings, redirectCode: 302 }
  - match: [{ uri: { prefix: /v1api } }]
    rewrite: { uri: /api, authority: reviews-internal }
    route: [{ destination: { host: reviews, subset: v1 } }]
  - match: [{ uri: { prefix: /rx } }]
    rewrite: { uriRegexRewrite: { match: "^/rx/(.*)$", rewrite: "/regex/\\\\1" } }
    route: [{ destination: { host: reviews, subset: v1 } }]
  - match: [{ uri: { exact: /teapot } }]
    directResponse: { status: 418, body: { string: "short and stout" } }
`));
  assert.deepEqual(sim.run(call({}, "/old/page")).redirect, { status: 302, location: "http://ratings/new" });
  const rw = sim.run(call({}, "/v1api/x"));
  const action = rw.routeJson?.["route"] as Record<string, unknown>;
  assert.equal(action["prefix_rewrite"], "/api");
  assert.equal(action["host_rewrite_literal"], "reviews-internal");
  const rx = sim.run(call({}, "/rx/a")).routeJson?.["route"] as Record<string, unknown>;
  assert.deepEqual(rx["regex_rewrite"], { pattern: { regex: "^/rx/(.*)$" }, substitution: "/regex/\\1" });
  assert.deepEqual(sim.run(call({}, "/teapot")).directResponse, { status: 418, body: "short and stout" });
  assert.equal(sim.run(call({}, "/unmatched")).error, "no route", "a VirtualService without a catch-all leaves other paths unrouted, as Istio");
});

test("mirror with mirrorPercentage, timeout, explicit retries and disabled retries", () => {
  const sim = productpage(vs(`  - match: [{ uri: { prefix: /mirror } }]
    route: [{ destination: { host: reviews, subset: v1 } }]
    mirror: { host: reviews, subset: v2 }
    mirrorPercentage: { value: 25.5 }
  - match: [{ uri: { prefix: /slow } }]
    route: [{ destination: { host: reviews, subset: v1 } }]
    timeout: 1.5s
    retries: { attempts: 3, perTryTimeout: 500ms, retryOn: "gateway-error,connect-failure,502" }
  - match: [{ uri: { prefix: /once } }]
    route: [{ destination: { host: reviews, subset: v1 } }]
    retries: { attempts: 0 }
`));
  const m = sim.run(call({}, "/mirror"));
  assert.deepEqual(m.mirrors, [v("v2")]);
  const policy = (m.routeJson?.["route"] as Record<string, unknown>)["request_mirror_policies"] as Record<string, unknown>[];
  assert.deepEqual(policy[0]?.["runtime_fraction"], { default_value: { numerator: 255000, denominator: "MILLION" } });
  const slow = sim.run(call({}, "/slow")).routeJson?.["route"] as Record<string, unknown>;
  assert.equal(slow["timeout"], "1.5s");
  assert.deepEqual(slow["retry_policy"], {
    retry_on: "gateway-error,connect-failure,retriable-status-codes",
    num_retries: 3,
    retriable_status_codes: [502],
    per_try_timeout: "0.5s",
    retry_host_predicate: [{ name: "envoy.retry_host_predicates.previous_hosts", typed_config: { "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate" } }],
    host_selection_retry_max_attempts: 5,
  });
  assert.equal((sim.run(call({}, "/once")).routeJson?.["route"] as Record<string, unknown>)["retry_policy"], undefined);
});

test("fault injection (Bookinfo's ratings-test-abort and delay), CORS and header operations", () => {
  const sim = productpage(vs(`  - match: [{ headers: { end-user: { exact: jason } } }]
    fault:
      abort: { httpStatus: 500, percentage: { value: 100 } }
      delay: { fixedDelay: 7s, percentage: { value: 10 } }
    route: [{ destination: { host: reviews, subset: v1 } }]
  - route: [{ destination: { host: reviews, subset: v1 }, headers: { request: { set: { x-subset: v1 } } } }]
    corsPolicy: { allowOrigins: [{ exact: "https://example.com" }], allowMethods: [GET, POST], maxAge: 24h, allowCredentials: true }
    headers:
      request: { set: { x-env: test }, add: { x-trace: on }, remove: [x-debug] }
      response: { remove: [server] }
`));
  const faulted = sim.run(call({ "end-user": "jason" }));
  const fault = (faulted.routeJson?.["typed_per_filter_config"] as Record<string, Record<string, unknown>>)["envoy.filters.http.fault"];
  assert.deepEqual(fault?.["abort"], { percentage: { numerator: 1000000, denominator: "MILLION" }, http_status: 500 });
  assert.deepEqual(fault?.["delay"], { fixed_delay: "7s", percentage: { numerator: 100000, denominator: "MILLION" } });
  const other = sim.run(call()).routeJson ?? {};
  const cors = (other["typed_per_filter_config"] as Record<string, Record<string, unknown>>)["envoy.filters.http.cors"];
  assert.deepEqual(cors?.["allow_origin_string_match"], [{ exact: "https://example.com" }]);
  assert.equal(cors?.["allow_methods"], "GET,POST");
  assert.equal(cors?.["max_age"], "86400");
  assert.deepEqual(other["request_headers_to_add"], [
    { header: { key: "x-env", value: "test" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" },
    { header: { key: "x-trace", value: "on" }, append_action: "APPEND_IF_EXISTS_OR_ADD" },
    { header: { key: "x-subset", value: "v1" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" },
  ]);
  assert.deepEqual(other["request_headers_to_remove"], ["x-debug"]);
  assert.deepEqual(other["response_headers_to_remove"], ["server"]);
});

test("sourceLabels: a route applies only to proxies whose workload carries the labels", () => {
  const rule = vs(`  - match: [{ sourceLabels: { app: productpage } }]
    route: [{ destination: { host: reviews, subset: v3 } }]
  - route: [{ destination: { host: reviews, subset: v1 } }]
`);
  const mesh = bookinfo(REVIEWS_SUBSETS, rule);
  assert.equal(mesh.simulator(mesh.sidecar("default", "productpage-v1")).run(call()).cluster, v("v3"));
  assert.equal(mesh.simulator(mesh.sidecar("default", "details-v1")).run(call()).cluster, v("v1"));
});

test("delegate: the root's match narrows the delegate VirtualService's routes", () => {
  const root = vs(`  - match: [{ uri: { prefix: /reviews } }]
    delegate: { name: reviews-delegate, namespace: default }
  - route: [{ destination: { host: reviews, subset: v1 } }]
`);
  const child = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-delegate, namespace: default }
spec:
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - route: [{ destination: { host: reviews, subset: v3 } }]
`;
  const sim = productpage(root, child);
  assert.equal(sim.run(call({ "end-user": "jason" }, "/reviews/1")).cluster, v("v2"));
  assert.equal(sim.run(call({}, "/reviews/1")).cluster, v("v3"));
  assert.equal(sim.run(call({ "end-user": "jason" }, "/health")).cluster, v("v1"));
});

test("port and authority matches; a route bound to a port applies only to that port's route configuration", () => {
  const multi = `apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec:
  clusterIP: 10.96.0.60
  selector: { app: api }
  ports: [{ name: http, port: 80 }, { name: http-admin, port: 8081 }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api, namespace: default }
spec:
  hosts: [api]
  http:
  - match: [{ port: 8081 }]
    route: [{ destination: { host: api, port: { number: 8081 } } }]
  - match: [{ authority: { prefix: "api.default" } }]
    route: [{ destination: { host: reviews } }]
  - route: [{ destination: { host: api, port: { number: 80 } } }]
`;
  const sim = productpage(multi);
  assert.equal(sim.run({ address: "10.96.0.60", port: 8081, host: "api:8081" }).cluster, "outbound|8081||api.default.svc.cluster.local");
  assert.equal(sim.run({ address: "10.96.0.60", port: 80, host: "api" }).cluster, "outbound|80||api.default.svc.cluster.local");
  assert.equal(sim.run({ address: "10.96.0.60", port: 80, host: "api.default" }).cluster, "outbound|9080||reviews.default.svc.cluster.local");
});
