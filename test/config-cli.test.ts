// End to end: the real `bin/mizzen.js` run as a child process for `validate` and `analyze`
// against the Bookinfo samples and the per-analyzer fixtures under test/fixtures/analyze.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(root, "bin", "mizzen.js");

function mizzen(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", timeout: 30_000, ...(input !== undefined ? { input } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fx = "test/fixtures/analyze";

test("validate: the Bookinfo samples are valid (exit 0)", () => {
  const r = mizzen(["validate", "-f", "samples/bookinfo"]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /✔ \d+ valid resources, 0 errors/);
});

test("validate: an invalid document exits 1 and prints the problem with file, line, resource and path", () => {
  const r = mizzen(["validate", "-f", `${fx}/ist0106`]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^test\/fixtures\/analyze\/ist0106\/policy\.yaml:7: PeerAuthentication default\/default: spec\.mtls\.mode: /m);
});

test("validate -o json prints a machine-readable list of diagnostics", () => {
  const r = mizzen(["validate", "-f", `${fx}/ist0106`, "-o", "json"]);
  assert.equal(r.status, 1);
  const doc = JSON.parse(r.stdout) as { valid: boolean; diagnostics: Record<string, unknown>[] };
  assert.equal(doc.valid, false);
  const d = doc.diagnostics[0];
  assert.deepEqual(
    { file: d?.file, line: d?.line, resource: d?.resource, path: d?.path, severity: d?.severity },
    {
      file: `${fx}/ist0106/policy.yaml`,
      line: 7,
      resource: { kind: "PeerAuthentication", namespace: "default", name: "default" },
      path: "spec.mtls.mode",
      severity: "error",
    },
  );
  assert.equal(typeof d?.code, "string");
  assert.equal(typeof d?.message, "string");
});

test("validate reads standard input with -f -", () => {
  const ok = mizzen(["validate", "-f", "-"], "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: p\nspec:\n  mtls:\n    mode: STRICT\n");
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const bad = mizzen(["validate", "-f", "-"], "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: p\nspec:\n  mtls:\n    mode: NOPE\n");
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /<stdin>:7/);
});

test("validate usage errors exit 2 with a clear message", () => {
  assert.equal(mizzen(["validate"]).status, 2);
  const unknown = mizzen(["validate", "--frobnicate"]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--frobnicate/);
  const missing = mizzen(["validate", "-f", "no/such/file.yaml"]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read "no\/such\/file\.yaml": no such file or directory/);
  const help = mizzen(["validate", "--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: mizzen validate/);
});

test("analyze: the Bookinfo platform and networking samples report no issues", () => {
  const r = mizzen(["analyze", "-f", "samples/bookinfo/platform", "-f", "samples/bookinfo/networking"]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.trim(), "");
  assert.match(r.stderr, /✔ No validation issues found when analyzing namespace: default\./);
});

/** Per fixture: exactly the lines istioctl's format gives, and the exit code at the default threshold. */
const expectations: Record<string, { exit: number; lines: string[] }> = {
  "ist0101-host": { exit: 79, lines: ['Error [IST0101] (VirtualService default/reviews {dir}/config.yaml:1) Referenced host not found: "reviews2"'] },
  "ist0101-gateway": { exit: 79, lines: ['Error [IST0101] (VirtualService default/bookinfo {dir}/config.yaml:12) Referenced gateway not found: "missing-gateway"'] },
  "ist0101-subset": { exit: 79, lines: ['Error [IST0101] (VirtualService default/reviews {dir}/config.yaml:23) Referenced host+subset in destinationrule not found: "reviews+v3"'] },
  "ist0101-credential": { exit: 79, lines: ['Error [IST0101] (Gateway default/bookinfo-gateway {dir}/gateway.yaml:1) Referenced credentialName not found: "bookinfo-credential"'] },
  ist0106: { exit: 79, lines: ["Error [IST0106] (PeerAuthentication default/default {dir}/policy.yaml:7) Schema validation error: spec.mtls.mode: *"] },
  ist0109: {
    exit: 79,
    lines: [
      "Error [IST0109] (VirtualService default/reviews {dir}/config.yaml:12) The VirtualServices default/reviews,default/reviews-copy associated with mesh gateway define the same host */reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
      "Error [IST0109] (VirtualService default/reviews-copy {dir}/config.yaml:24) The VirtualServices default/reviews,default/reviews-copy associated with mesh gateway define the same host */reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
    ],
  },
  ist0110: {
    exit: 79,
    lines: [
      'Error [IST0110] (Sidecar default/reviews-a {dir}/config.yaml:20) The Sidecars [reviews-a reviews-b] in namespace "default" select the same workload pod "default/reviews-v1", which can lead to undefined behavior.',
      'Error [IST0110] (Sidecar default/reviews-b {dir}/config.yaml:32) The Sidecars [reviews-a reviews-b] in namespace "default" select the same workload pod "default/reviews-v1", which can lead to undefined behavior.',
    ],
  },
  ist0111: {
    exit: 79,
    lines: [
      'Error [IST0111] (Sidecar default/default-a {dir}/config.yaml:1) The Sidecars [default-a default-b] in namespace "default" have no workload selector, which can lead to undefined behavior.',
      'Error [IST0111] (Sidecar default/default-b {dir}/config.yaml:10) The Sidecars [default-a default-b] in namespace "default" have no workload selector, which can lead to undefined behavior.',
    ],
  },
  ist0112: {
    exit: 79,
    lines: [
      'Error [IST0112] (VirtualService default/reviews {dir}/config.yaml:14) This VirtualService routes to a service "reviews" that exposes multiple ports [9080 9090]. Specifying a port in the destination is required to disambiguate.',
    ],
  },
  ist0113: {
    exit: 79,
    lines: [
      'Error [IST0113] (DestinationRule default/reviews {dir}/config.yaml:39) A DestinationRule and Policy are in conflict with regards to mTLS for host reviews.default.svc.cluster.local. The DestinationRule "default/reviews" specifies that mTLS must be false but the Policy object "default/default" specifies STRICT.',
    ],
  },
  ist0118: {
    exit: 0,
    lines: ["Info [IST0118] (Service default/reviews {dir}/service.yaml:1) Port name web (port: 9080, targetPort: 8080) doesn't follow the naming convention of Istio port."],
  },
  ist0127: {
    exit: 0,
    lines: ["Warning [IST0127] (AuthorizationPolicy default/deny-ratings {dir}/policy.yaml:1) No matching workloads for this resource with the following labels: app=ratings"],
  },
  ist0128: {
    exit: 0,
    lines: [
      "Warning [IST0128] (DestinationRule default/external-api {dir}/config.yaml:1) DestinationRule external-api in namespace default has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: api.example.com",
    ],
  },
  ist0130: {
    exit: 0,
    lines: ["Warning [IST0130] (VirtualService default/reviews {dir}/config.yaml:12) VirtualService rule #1 not used (only the last rule can have no matches)."],
  },
  ist0132: {
    exit: 0,
    lines: [
      "Warning [IST0132] (VirtualService default/bookinfo {dir}/config.yaml:27) one or more host [bookinfo.example.com] defined in VirtualService default/bookinfo not found in Gateway default/shop-gateway.",
    ],
  },
  ist0145: {
    exit: 79,
    lines: [
      "Error [IST0145] (Gateway default/gateway-a {dir}/config.yaml:1) Conflict with gateways default/gateway-b (workload selector istio=ingressgateway, port 80, hosts *.example.com).",
      "Error [IST0145] (Gateway default/gateway-b {dir}/config.yaml:16) Conflict with gateways default/gateway-a (workload selector istio=ingressgateway, port 80, hosts shop.example.com).",
    ],
  },
  ist0162: {
    exit: 0,
    lines: [
      "Warning [IST0162] (Gateway default/bookinfo-gateway {dir}/config.yaml:30) The gateway is listening on a target port (port 8443) that is not defined in the Service associated with its workload instances (Pod selector istio=ingressgateway). If you need to access the gateway port through the gateway Service, it will not be available.",
    ],
  },
};

for (const [name, want] of Object.entries(expectations)) {
  test(`analyze: fixture ${name} reports exactly its message`, () => {
    const dir = `${fx}/${name}`;
    const r = mizzen(["analyze", "-f", dir]);
    assert.equal(r.status, want.exit, r.stdout + r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, want.lines.length, r.stdout);
    want.lines.forEach((expected, i) => {
      const line = lines[i] ?? "";
      const e = expected.replaceAll("{dir}", dir);
      if (e.endsWith("*")) assert.ok(line.startsWith(e.slice(0, -1)), `${line}\n  does not start with\n${e}`);
      else assert.equal(line, e);
    });
    if (want.exit === 79) assert.match(r.stderr, /Analyzers found issues when analyzing namespace: default\./);
  });
}

test("analyze -o json and -o yaml print istioctl's message shape and exit 0", () => {
  const r = mizzen(["analyze", "-f", `${fx}/ist0101-host`, "-o", "json"]);
  assert.equal(r.status, 0);
  assert.deepEqual(JSON.parse(r.stdout), [
    {
      code: "IST0101",
      documentationUrl: "https://istio.io/latest/docs/reference/config/analysis/ist0101/?ref=istioctl-analyze",
      level: "Error",
      message: 'Referenced host not found: "reviews2"',
      origin: "VirtualService default/reviews",
      reference: `${fx}/ist0101-host/config.yaml:1`,
    },
  ]);
  const y = mizzen(["analyze", "-f", `${fx}/ist0101-host`, "-o", "yaml"]);
  assert.equal(y.status, 0);
  assert.match(y.stdout, /^- code: IST0101\n/);
  assert.match(y.stdout, /\n {2}origin: VirtualService default\/reviews\n/);
});

test("analyze thresholds: --failure-threshold Warning fails on warnings, --output-threshold hides lower levels", () => {
  assert.equal(mizzen(["analyze", "-f", `${fx}/ist0127`, "--failure-threshold", "Warning"]).status, 79);
  const hidden = mizzen(["analyze", "-f", `${fx}/ist0127`, "--output-threshold", "Error"]);
  assert.equal(hidden.status, 0);
  assert.equal(hidden.stdout.trim(), "");
  assert.match(hidden.stderr, /✔ No validation issues found/);
  // The exit code follows every message, shown or not.
  assert.equal(mizzen(["analyze", "-f", `${fx}/ist0101-host`, "--output-threshold", "Error", "--failure-threshold", "Info"]).status, 79);
});

test("analyze namespaces: -n picks one namespace, -A all of them", () => {
  const other = mizzen(["analyze", "-f", `${fx}/ist0101-host`, "-n", "other"]);
  assert.equal(other.status, 0);
  assert.match(other.stderr, /✔ No validation issues found when analyzing namespace: other\./);
  const all = mizzen(["analyze", "-f", `${fx}/ist0101-host`, "-A"]);
  assert.equal(all.status, 79);
  assert.match(all.stderr, /when analyzing all namespaces\./);
});

test("analyze exit codes for bad flags (64), unreadable input (1) and unparseable files (65)", () => {
  assert.equal(mizzen(["analyze", "-f", `${fx}/ist0101-host`, "-o", "xml"]).status, 64);
  assert.equal(mizzen(["analyze", "--frobnicate"]).status, 64);
  assert.equal(mizzen(["analyze"]).status, 64);
  const missing = mizzen(["analyze", "-f", "no/such/dir"]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read "no\/such\/dir"/);
  const dir = mkdtempSync(join(tmpdir(), "mizzen-analyze-"));
  try {
    writeFileSync(join(dir, "broken.yaml"), "kind: [unclosed\n");
    const r = mizzen(["analyze", "-f", dir]);
    assert.equal(r.status, 65, r.stdout + r.stderr);
    assert.match(r.stderr, /Error\(s\) adding files/);
    assert.match(r.stderr, /\(but 1 file could not be parsed\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("analyze reads standard input with -f - and lists its analyzers with -L", () => {
  const r = mizzen(["analyze", "-f", "-"], "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\nspec:\n  hosts:\n  - reviews\n  http:\n  - route:\n    - destination:\n        host: reviews2\n");
  assert.equal(r.status, 79);
  assert.equal(r.stdout.trim(), 'Error [IST0101] (VirtualService default/reviews <stdin>:1) Referenced host not found: "reviews2"');
  const list = mizzen(["analyze", "-L"]);
  assert.equal(list.status, 0);
  assert.match(list.stdout, /\* virtualservice\.DestinationHostAnalyzer:\n {4}Checks the destination hosts/);
});
