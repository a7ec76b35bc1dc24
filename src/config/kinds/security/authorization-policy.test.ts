import { test } from "node:test";
import { expectClean, expectError } from "./testing/expect.js";

const head = (name: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: foo
`;

test("Istio docs examples decode with no diagnostics", () => {
  expectClean(`${head("allow-nothing")}spec:
  {}
---
${head("productpage-viewer")}spec:
  selector:
    matchLabels:
      app: productpage
  action: ALLOW
  rules:
  - to:
    - operation:
        methods: ["GET"]
---
${head("details-viewer")}spec:
  selector:
    matchLabels:
      app: details
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/default/sa/bookinfo-productpage"]
    to:
    - operation:
        methods: ["GET"]
---
${head("tcp-policy")}spec:
  selector:
    matchLabels:
      app: tcp-echo
  action: ALLOW
  rules:
  - to:
    - operation:
        ports: ["9000", "9001"]
---
${head("require-jwt")}spec:
  selector:
    matchLabels:
      app: httpbin
  action: ALLOW
  rules:
  - from:
    - source:
        requestPrincipals: ["testing@secure.istio.io/testing@secure.istio.io"]
    when:
    - key: request.auth.claims[groups]
      values: ["group1"]
---
${head("deny-method-get")}spec:
  selector:
    matchLabels:
      app: httpbin
      version: v1
  action: DENY
  rules:
  - from:
    - source:
        notNamespaces: ["foo"]
  - to:
    - operation:
        methods: ["GET"]
    when:
    - key: request.headers[x-token]
      notValues: ["admin"]
---
${head("ext-authz")}spec:
  selector:
    matchLabels:
      app: httpbin
  action: CUSTOM
  provider:
    name: sample-ext-authz-grpc
  rules:
  - to:
    - operation:
        paths: ["/headers"]
---
${head("ingress-policy")}spec:
  selector:
    matchLabels:
      app: istio-ingressgateway
  action: ALLOW
  rules:
  - from:
    - source:
        ipBlocks: ["1.2.3.4", "5.6.7.0/24"]
        remoteIpBlocks: ["2001:db8::/32"]
---
${head("waypoint-policy")}spec:
  targetRefs:
  - kind: Gateway
    group: gateway.networking.k8s.io
    name: waypoint
  action: DENY
  rules:
  - to:
    - operation:
        hosts: ["*.example.com", "example.com:*"]
        notPaths: ["/public/*", "/api/{*}/items/{**}"]
        ports: ["8080"]
    when:
    - key: source.ip
      values: ["10.0.0.0/8"]
    - key: destination.port
      values: ["8080"]
    - key: connection.sni
      values: ["www.example.com"]
    - key: experimental.envoy.filters.network.mysql_proxy[db.table]
      values: ["[update]"]
---
${head("audit")}spec:
  action: AUDIT
  rules:
  - {}
`);
});

test("CUSTOM needs provider.name, and provider needs CUSTOM", () => {
  expectError(`${head("a")}spec:\n  action: CUSTOM\n  rules:\n  - {}\n`, "spec.provider.name", "must not be empty");
  expectError(`${head("a")}spec:\n  action: CUSTOM\n  provider:\n    name: x\n`, "spec.rules", "CUSTOM action without `rules`");
  expectError(`${head("a")}spec:\n  action: ALLOW\n  provider:\n    name: x\n  rules:\n  - {}\n`, "spec.provider", "only allowed with CUSTOM");
  expectError(
    `${head("a")}spec:\n  action: CUSTOM\n  provider:\n    name: x\n  rules:\n  - from:\n    - source:\n        principals: ["a"]\n`,
    "spec.rules[0].from[0].source.principals",
    "not supported with CUSTOM",
  );
});

test("DENY without rules is rejected", () => {
  expectError(`${head("a")}spec:\n  action: DENY\n`, "spec.rules", "DENY action without `rules`");
});

test("action must be one of Istio's", () => {
  expectError(`${head("a")}spec:\n  action: REJECT\n`, "spec.action", "ALLOW, DENY, AUDIT, CUSTOM");
});

test("rule structure: empty from, empty source, missing operation", () => {
  expectError(`${head("a")}spec:\n  rules:\n  - from: []\n`, "spec.rules[0].from", "must not be empty");
  expectError(`${head("a")}spec:\n  rules:\n  - from:\n    - source: {}\n`, "spec.rules[0].from[0].source", "must not be empty");
  expectError(`${head("a")}spec:\n  rules:\n  - to:\n    - {}\n`, "spec.rules[0].to[0].operation", "must not be nil");
  expectError(
    `${head("a")}spec:\n  rules:\n  - from:\n    - source:\n        namespaces: ["a"]\n        serviceAccounts: ["a/b"]\n`,
    "spec.rules[0].from[0].source",
    "cannot set serviceAccounts with namespaces or principals",
  );
});

test("ipBlocks must be IPs or CIDRs, ports numbers, values non-empty", () => {
  expectError(`${head("a")}spec:\n  rules:\n  - from:\n    - source:\n        ipBlocks: ["1.2.3.4/40"]\n`, "spec.rules[0].from[0].source.ipBlocks", "prefix length");
  expectError(`${head("a")}spec:\n  rules:\n  - from:\n    - source:\n        notRemoteIpBlocks: ["not-an-ip"]\n`, "spec.rules[0].from[0].source.notRemoteIpBlocks", "not a valid IP");
  expectError(`${head("a")}spec:\n  rules:\n  - to:\n    - operation:\n        ports: ["http"]\n`, "spec.rules[0].to[0].operation.ports", "bad port");
  expectError(`${head("a")}spec:\n  rules:\n  - from:\n    - source:\n        principals: [""]\n`, "spec.rules[0].from[0].source.principals", "empty value");
});

test("path wildcards only as prefix, suffix or whole", () => {
  expectError(`${head("a")}spec:\n  rules:\n  - to:\n    - operation:\n        paths: ["/a/*/b"]\n`, "spec.rules[0].to[0].operation.paths", "prefix, a suffix or the whole");
  expectError(`${head("a")}spec:\n  rules:\n  - to:\n    - operation:\n        paths: ["/a/{**}/{*}"]\n`, "spec.rules[0].to[0].operation.paths", "{**} is not the last");
});

test("when keys come from Istio's list and need values", () => {
  expectError(`${head("a")}spec:\n  rules:\n  - when:\n    - key: source.color\n      values: ["x"]\n`, "spec.rules[0].when[0].values", "unknown attribute: source.color");
  expectError(`${head("a")}spec:\n  rules:\n  - when:\n    - key: request.headers[]\n      values: ["x"]\n`, "spec.rules[0].when[0].values", "should have format a[b]");
  expectError(`${head("a")}spec:\n  rules:\n  - when:\n    - key: source.ip\n`, "spec.rules[0].when[0]", "at least one of `values` or `notValues`");
  expectError(`${head("a")}spec:\n  rules:\n  - when:\n    - key: destination.port\n      notValues: ["99999"]\n`, "spec.rules[0].when[0].notValues", "bad port");
});

test("selector and targetRefs are exclusive; targetRef kinds are checked", () => {
  expectError(
    `${head("a")}spec:\n  selector:\n    matchLabels:\n      app: a\n  targetRefs:\n  - kind: Service\n    group: ""\n    name: a\n`,
    "spec",
    "only one of selector, targetRef or targetRefs",
  );
  expectError(`${head("a")}spec:\n  targetRef:\n    kind: Deployment\n    group: apps\n    name: a\n`, "spec.targetRef.kind", "targetRef must be to one of");
  expectError(`${head("a")}spec:\n  targetRef:\n    kind: Service\n    name: a\n    namespace: other\n`, "spec.targetRef.namespace", "cross namespace");
});

test("unknown fields are errors", () => {
  expectError(`${head("a")}spec:\n  rules:\n  - from:\n    - source:\n        principal: ["a"]\n`, "spec.rules[0].from[0].source.principal", "unknown field");
});

test("Istio docs end-user authentication policies decode with no diagnostics", () => {
  expectClean(`apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata:
  name: "frontend-ingress"
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  action: DENY
  rules:
  - from:
    - source:
        notRequestPrincipals: ["*"]
    to:
    - operation:
        paths: ["/headers"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: bookinfo-gateway-viewer
  namespace: default
spec:
  selector:
    matchLabels:
      gateway.networking.k8s.io/gateway-name: bookinfo-gateway
  action: ALLOW
  rules:
  - to:
    - operation:
        methods: ["GET"]
`);
});

test("targetRef group and kind follow Kubernetes name syntax", () => {
  expectError(`${head("a")}spec:\n  targetRef:\n    kind: "Gate way"\n    group: gateway.networking.k8s.io\n    name: a\n`, "spec.targetRef.kind", "not a valid kind name");
  expectError(`${head("a")}spec:\n  targetRef:\n    kind: Gateway\n    group: Gateway.Networking\n    name: a\n`, "spec.targetRef.group", "DNS-1123 subdomain");
});
