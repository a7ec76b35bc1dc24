import { test } from "node:test";
import assert from "node:assert/strict";
import { expectClean, expectError } from "../security/testing/expect.js";
import { selfSigned } from "./testing/self-signed.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const secret = (type: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: ${type}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: ${b64(v)}`)
    .join("\n")}\n`;

test("TLS secrets with a matching certificate and key decode cleanly (kubernetes.io/tls and Istio's generic form)", () => {
  const a = selfSigned("a.example.com");
  expectClean(secret("kubernetes.io/tls", { "tls.crt": a.cert, "tls.key": a.key, "ca.crt": a.cert }));
  expectClean(secret("Opaque", { cert: a.cert, key: a.key, cacert: a.cert }));
  expectClean(secret("Opaque", { cacert: a.cert }));
  expectClean(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2\n`);
});

test("kubernetes.io/tls requires tls.crt and tls.key", () => {
  const a = selfSigned("a");
  expectError(secret("kubernetes.io/tls", { "tls.crt": a.cert }), 'data["tls.key"]', '"tls.key" is required');
});

test("certificates and keys must parse as PEM and belong together", () => {
  const a = selfSigned("a");
  const b = selfSigned("b");
  expectError(secret("kubernetes.io/tls", { "tls.crt": "hello", "tls.key": a.key }), 'data["tls.crt"]', "does not contain a PEM certificate");
  expectError(secret("kubernetes.io/tls", { "tls.crt": a.cert, "tls.key": a.cert }), 'data["tls.key"]', "does not contain a PEM private key");
  expectError(secret("Opaque", { cert: a.cert, key: b.key }), "data.key", "does not match the certificate");
  const broken = a.cert.replace(/\n[A-Za-z0-9+/]{10}/, "\nAAAAAAAAAA");
  assert.notEqual(broken, a.cert);
  expectError(secret("Opaque", { cacert: broken }), "data.cacert", "does not parse");
});

test("data values must be base64", () => {
  expectError(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  token: "plain text"\n`, "data.token", "not valid base64");
});
