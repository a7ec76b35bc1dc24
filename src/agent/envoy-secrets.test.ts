import assert from "node:assert/strict";
import { test } from "node:test";
import { certificateSecret, pemsFromSecrets, rootSecret } from "./envoy-secrets.js";

const CERT = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n";

test("default and ROOTCA carry their PEMs as inline_bytes, as Istio's agent serves them", () => {
  const def = certificateSecret([CERT, CERT], KEY);
  assert.equal(def.name, "default");
  assert.equal(Buffer.from(def.tls_certificate?.certificate_chain.inline_bytes ?? "", "base64").toString(), CERT + CERT);
  assert.equal(Buffer.from(def.tls_certificate?.private_key.inline_bytes ?? "", "base64").toString(), KEY);
  const root = rootSecret([CERT]);
  assert.equal(root.name, "ROOTCA");
  assert.deepEqual(pemsFromSecrets([def, root]), { certChain: CERT + CERT, privateKey: KEY, trustedCa: CERT });
  assert.deepEqual(pemsFromSecrets([]), {});
});
