import { test } from "node:test";
import { expectClean, expectError, expectWarning } from "./testing/expect.js";

const head = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: foo
`;

test("Istio docs examples decode with no diagnostics", () => {
  expectClean(`${head}spec:
  mtls:
    mode: STRICT
---
${head}spec:
  selector:
    matchLabels:
      app: finance
  mtls:
    mode: STRICT
  portLevelMtls:
    8080:
      mode: DISABLE
---
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: permissive
spec:
  mtls:
    mode: PERMISSIVE
`);
});

test("mode must be one of Istio's", () => {
  expectError(`${head}spec:\n  mtls:\n    mode: ON\n`, "spec.mtls.mode", "UNSET, DISABLE, PERMISSIVE, STRICT");
});

test("portLevelMtls needs a selector with labels", () => {
  expectError(`${head}spec:\n  portLevelMtls:\n    8080:\n      mode: DISABLE\n`, "spec.portLevelMtls", "requires a selector");
});

test("portLevelMtls keys are ports 1..65535 and the map is not empty", () => {
  const sel = "spec:\n  selector:\n    matchLabels:\n      app: a\n";
  expectError(`${head}${sel}  portLevelMtls:\n    70000:\n      mode: DISABLE\n`, 'spec.portLevelMtls["70000"]', "1..65535");
  expectError(`${head}${sel}  portLevelMtls:\n    http:\n      mode: DISABLE\n`, "spec.portLevelMtls.http", "1..65535");
  expectError(`${head}${sel}  portLevelMtls: {}\n`, "spec.portLevelMtls", "at least one element");
});

test("a selector without labels is a warning", () => {
  expectWarning(`${head}spec:\n  selector: {}\n  mtls:\n    mode: STRICT\n`, "spec.selector", "without labels");
});
