import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IstioResource, ServiceModel } from "../model/mesh-model.js";
import { FAULT_FILTER, routesFor } from "./routes.js";

const svc: ServiceModel = { host: "reviews.default.svc.cluster.local", name: "reviews", namespace: "default", ports: [{ port: 9080, name: "http", targetPort: 9080 }] };

function vs(http: unknown[]): IstioResource {
  return { apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "reviews", namespace: "default" }, spec: { hosts: ["reviews"], http } };
}

describe("proxyless routes from a VirtualService", () => {
  it("without one: a catch-all to the service's cluster with Istio's default retries", () => {
    const [r] = routesFor(svc, 9080, undefined);
    assert.deepEqual(r?.match, { prefix: "/" });
    assert.equal((r?.route as { cluster?: string }).cluster, "outbound|9080||reviews.default.svc.cluster.local");
    assert.equal((r?.route as { retry_policy?: { num_retries?: number } }).retry_policy?.num_retries, 2);
  });

  it("weights, subsets, header and uri matches, one route per match in order", () => {
    const routes = routesFor(svc, 9080, vs([
      { match: [{ headers: { "end-user": { exact: "jason" } } }, { uri: { prefix: "/v2" } }], route: [{ destination: { host: "reviews", subset: "v2" } }] },
      { route: [{ destination: { host: "reviews", subset: "v1" }, weight: 75 }, { destination: { host: "reviews", subset: "v3" }, weight: 25 }, { destination: { host: "reviews", subset: "v4" }, weight: 0 }] },
    ]));
    assert.equal(routes.length, 3);
    assert.deepEqual(routes[0]?.match, { prefix: "/", headers: [{ name: "end-user", string_match: { exact: "jason" } }] });
    assert.deepEqual(routes[1]?.match, { prefix: "/v2" });
    assert.equal((routes[1]?.route as { cluster?: string }).cluster, "outbound|9080|v2|reviews.default.svc.cluster.local");
    assert.deepEqual((routes[2]?.route as { weighted_clusters?: unknown }).weighted_clusters, { clusters: [{ name: "outbound|9080|v1|reviews.default.svc.cluster.local", weight: 75 }, { name: "outbound|9080|v3|reviews.default.svc.cluster.local", weight: 25 }] });
  });

  it("fault abort and delay as the fault filter's per-route config; retries off with attempts 0", () => {
    const [r] = routesFor(svc, 9080, vs([{ fault: { abort: { grpcStatus: "UNAVAILABLE", percentage: { value: 50 } }, delay: { fixedDelay: "2s" } }, retries: { attempts: 0 }, route: [{ destination: { host: "reviews" } }] }]));
    const fault = (r?.typed_per_filter_config as Record<string, { abort?: unknown; delay?: unknown }>)[FAULT_FILTER];
    assert.deepEqual(fault?.abort, { grpc_status: 14, percentage: { numerator: 500_000, denominator: "MILLION" } });
    assert.deepEqual(fault?.delay, { fixed_delay: "2s", percentage: { numerator: 1_000_000, denominator: "MILLION" } });
    assert.equal((r?.route as { retry_policy?: unknown }).retry_policy, undefined);
  });
});
