import { test } from "node:test";
import assert from "node:assert/strict";
import { identityConfig, takeIdentityFlag, type IdentityFlags } from "./identity-flags.js";

test("identity flags: values checked, unknown names left to the caller", () => {
  const f: IdentityFlags = {};
  assert.equal(takeIdentityFlag("--ca-address", "127.0.0.1:15012", f), true);
  assert.equal(takeIdentityFlag("--root-cert", "/r.pem", f), true);
  assert.equal(takeIdentityFlag("--token-file", "/t", f), true);
  assert.equal(takeIdentityFlag("--cert-ttl-s", "60", f), true);
  assert.deepEqual(f, { caAddress: "127.0.0.1:15012", rootCert: "/r.pem", tokenFile: "/t", certTtlS: 60 });
  assert.equal(takeIdentityFlag("--other", "x", f), false);
  assert.ok(typeof takeIdentityFlag("--ca-address", "nohost", f) === "object");
  assert.ok(typeof takeIdentityFlag("--cert-ttl-s", "-1", f) === "object");
  assert.ok(typeof takeIdentityFlag("--token-file", undefined, f) === "object");
});

test("identity config: flags over node metadata; none without a CA address; incomplete is an error", () => {
  assert.equal(identityConfig({}, undefined), undefined);
  assert.deepEqual(identityConfig({}, { CA_ADDR: "cp:15012", ROOT_CERT: "/r", TOKEN_FILE: "/t" }), { caAddress: "cp:15012", rootCert: "/r", tokenFile: "/t" });
  assert.deepEqual(identityConfig({ caAddress: "x:1", tokenFile: "/mine" }, { CA_ADDR: "cp:15012", ROOT_CERT: "/r", TOKEN_FILE: "/t" }), { caAddress: "x:1", rootCert: "/r", tokenFile: "/mine" });
  const missing = identityConfig({ caAddress: "x:1" }, {});
  assert.ok(missing !== undefined && "error" in missing);
});
