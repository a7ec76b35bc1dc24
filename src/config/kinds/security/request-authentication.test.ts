import { test } from "node:test";
import { expectClean, expectError, expectWarning } from "./testing/expect.js";

const head = (name: string) => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: ${name}
  namespace: foo
`;

// A public RSA key (the shape of Istio's samples/jwks.json).
const jwks = JSON.stringify({
  keys: [{ e: "AQAB", kid: "DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ", kty: "RSA", n: "xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6otmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZPYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ" }],
});

test("Istio docs examples decode with no diagnostics", () => {
  expectClean(`${head("jwt-example")}spec:
  selector:
    matchLabels:
      app: httpbin
  jwtRules:
  - issuer: "testing@secure.istio.io"
    jwksUri: "https://raw.githubusercontent.com/istio/istio/release-1.28/security/tools/jwt/samples/jwks.json"
---
${head("ingress-jwt")}spec:
  selector:
    matchLabels:
      istio: ingressgateway
  jwtRules:
  - issuer: "issuer-foo"
    jwksUri: https://example.com/.well-known/jwks.json
    audiences: ["bookstore_android.apps.example.com"]
    fromHeaders:
    - name: x-jwt-assertion
      prefix: "Bearer "
    fromParams: ["my_token"]
    fromCookies: ["session"]
    outputPayloadToHeader: x-jwt-payload
    outputClaimToHeaders:
    - header: "x-jwt-claim-foo"
      claim: "foo"
    forwardOriginalToken: true
    timeout: 5s
---
${head("inline")}spec:
  targetRefs:
  - kind: Gateway
    group: gateway.networking.k8s.io
    name: waypoint
  jwtRules:
  - issuer: "testing@secure.istio.io"
    jwks: '${jwks}'
`);
});

test("issuer is required", () => {
  expectError(`${head("a")}spec:\n  jwtRules:\n  - jwksUri: https://example.com/jwks\n`, "spec.jwtRules[0].issuer", "issuer must be set");
});

test("jwksUri and jwks are exclusive; jwksUri must be http(s)", () => {
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    jwksUri: https://example.com/jwks\n    jwks: '${jwks}'\n`, "spec.jwtRules[0]", "only one of jwksUri and jwks");
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    jwksUri: ftp://example.com/jwks\n`, "spec.jwtRules[0].jwksUri", "not supported");
});

test("jwks must parse as a key set", () => {
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    jwks: 'not json'\n`, "spec.jwtRules[0].jwks", "not valid JSON");
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    jwks: '{"keys": [{"kty": "RSA", "e": "AQAB"}]}'\n`, "spec.jwtRules[0].jwks", "lacks n");
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    jwks: '{"keys": [{"kty": "DSA"}]}'\n`, "spec.jwtRules[0].jwks", "unsupported");
  expectWarning(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    jwks: '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'\n`, "spec.jwtRules[0].jwks", "private key material");
});

test("token locations and output headers are checked", () => {
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    fromHeaders:\n    - name: ""\n`, "spec.jwtRules[0].fromHeaders[0].name", "non-empty");
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    fromHeaders:\n    - prefix: "Bearer "\n`, "spec.jwtRules[0].fromHeaders[0].name", "");
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    fromParams: [""]\n`, "spec.jwtRules[0].fromParams[0]", "non-empty");
  expectError(
    `${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    outputClaimToHeaders:\n    - header: "x jwt"\n      claim: sub\n`,
    "spec.jwtRules[0].outputClaimToHeaders[0].header",
    "not a valid header name",
  );
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    timeout: 0.5ms\n`, "spec.jwtRules[0].timeout", "greater than 1ms");
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    timeout: soon\n`, "spec.jwtRules[0].timeout", "invalid duration");
});

test("Istio's CRD fields: presence, spaceDelimitedClaims, and the deprecated jwks_uri", () => {
  expectClean(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    jwksUri: https://example.com/jwks\n    presence: REQUIRED\n    spaceDelimitedClaims: ["custom_scope"]\n`);
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    presence: ALWAYS\n`, "spec.jwtRules[0].presence", "OPTIONAL, REQUIRED");
  expectWarning(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    jwks_uri: https://example.com/jwks\n`, "spec.jwtRules[0].jwks_uri", "use jwksUri");
  expectError(`${head("a")}spec:\n  jwtRules:\n  - issuer: a\n    jwks_uri: https://example.com/jwks\n    jwksUri: https://example.com/jwks\n`, "spec.jwtRules[0]", "only one of jwksUri and jwks");
});
