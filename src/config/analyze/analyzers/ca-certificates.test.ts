import { test } from "node:test";
import assert from "node:assert/strict";
import { caCertificatesAnalyzer } from "./ca-certificates.js";
import { res, run } from "./testing.js";

const dr = (tls: object) => res("DestinationRule", "ext", { host: "api.example.com", trafficPolicy: { tls } });

test("TLS origination with a CA, a credentialName, or ISTIO_MUTUAL is fine", () => {
  assert.deepEqual(run(caCertificatesAnalyzer, [dr({ mode: "SIMPLE", caCertificates: "/etc/ca.pem" })]), []);
  assert.deepEqual(run(caCertificatesAnalyzer, [dr({ mode: "MUTUAL", credentialName: "client" })]), []);
  assert.deepEqual(run(caCertificatesAnalyzer, [dr({ mode: "ISTIO_MUTUAL" })]), []);
});

test("IST0128 for SIMPLE or MUTUAL without caCertificates", () => {
  assert.deepEqual(run(caCertificatesAnalyzer, [dr({ mode: "SIMPLE" })]), [
    "Warning [IST0128] (DestinationRule default/ext ext.yaml:1) DestinationRule ext in namespace default has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: api.example.com",
  ]);
});
