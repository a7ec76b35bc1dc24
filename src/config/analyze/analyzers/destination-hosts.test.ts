import { test } from "node:test";
import assert from "node:assert/strict";
import { destinationHostAnalyzer } from "./destination-hosts.js";
import { res, run, service } from "./testing.js";

const vs = (dest: object, mirror?: object) =>
  res("VirtualService", "reviews", { hosts: ["reviews"], http: [{ route: [{ destination: dest }], ...(mirror ? { mirror } : {}) }] });

test("a known Service or ServiceEntry host is fine; short and full names resolve in the VirtualService's namespace", () => {
  const svc = service("reviews", [{ name: "http", port: 9080 }]);
  assert.deepEqual(run(destinationHostAnalyzer, [svc, vs({ host: "reviews" })]), []);
  assert.deepEqual(run(destinationHostAnalyzer, [svc, vs({ host: "reviews.default.svc.cluster.local" })]), []);
  const se = res("ServiceEntry", "ext", { hosts: ["*.example.com"], ports: [{ number: 443, name: "https", protocol: "HTTPS" }] });
  assert.deepEqual(run(destinationHostAnalyzer, [se, vs({ host: "api.example.com" })]), []);
});

test("IST0101 for an unknown destination host and mirror host", () => {
  assert.deepEqual(run(destinationHostAnalyzer, [vs({ host: "reviews2" }, { host: "shadow" })]), [
    'Error [IST0101] (VirtualService default/reviews reviews.yaml:1) Referenced host not found: "reviews2"',
    'Error [IST0101] (VirtualService default/reviews reviews.yaml:1) Referenced mirror host not found: "shadow"',
  ]);
  // A Service in another namespace is not the short name's target.
  assert.equal(run(destinationHostAnalyzer, [service("reviews", [{ port: 9080 }], { app: "r" }, "prod"), vs({ host: "reviews" })]).length, 1);
});

test("IST0112 when the service has several ports and the destination names none; IST0101 host:port for a wrong port", () => {
  const svc = service("reviews", [
    { name: "http", port: 9080 },
    { name: "http-admin", port: 9090 },
  ]);
  assert.deepEqual(run(destinationHostAnalyzer, [svc, vs({ host: "reviews" })]), [
    'Error [IST0112] (VirtualService default/reviews reviews.yaml:1) This VirtualService routes to a service "reviews" that exposes multiple ports [9080 9090]. Specifying a port in the destination is required to disambiguate.',
  ]);
  assert.deepEqual(run(destinationHostAnalyzer, [svc, vs({ host: "reviews", port: { number: 9080 } })]), []);
  assert.deepEqual(run(destinationHostAnalyzer, [svc, vs({ host: "reviews", port: { number: 1234 } })]), [
    'Error [IST0101] (VirtualService default/reviews reviews.yaml:1) Referenced host:port not found: "reviews:1234"',
  ]);
});
