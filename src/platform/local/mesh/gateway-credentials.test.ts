import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Resource } from "../../../config/resource.js";
import { gatewaySecrets } from "./gateway-credentials.js";

const secret = (namespace: string, body: Record<string, unknown>): Resource => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "cred", namespace }, ...body });

describe("gateway credentials", () => {
  it("turns istio-system TLS Secrets into SDS-named static secrets (kubernetes:// and -cacert)", () => {
    const out = gatewaySecrets([
      secret("istio-system", { type: "kubernetes.io/tls", data: { "tls.crt": "Q0VSVA==", "tls.key": "S0VZ", "ca.crt": "Q0E=" } }),
      secret("default", { data: { "tls.crt": "eA==", "tls.key": "eQ==" } }),
    ]);
    assert.deepEqual(out, [
      { name: "kubernetes://cred", tls_certificate: { certificate_chain: { inline_bytes: "Q0VSVA==" }, private_key: { inline_bytes: "S0VZ" } } },
      { name: "kubernetes://cred-cacert", validation_context: { trusted_ca: { inline_bytes: "Q0E=" } } },
    ]);
  });

  it("reads Istio's generic keys and stringData", () => {
    const [s] = gatewaySecrets([secret("istio-system", { stringData: { cert: "CERT", key: "KEY" } })]);
    assert.deepEqual(s, { name: "kubernetes://cred", tls_certificate: { certificate_chain: { inline_bytes: "Q0VSVA==" }, private_key: { inline_bytes: "S0VZ" } } });
  });
});
