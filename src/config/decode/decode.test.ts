import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { ErrorCode } from "../diagnostic.js";
import { decodePaths, decodeText, parsePath, renderPath } from "./index.js";
import { closest } from "./suggest.js";

const dr = (name: string, host = name): string =>
  `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ${name}\nspec:\n  host: ${host}\n`;

test("a bad document is rejected alone; the others in the file decode", () => {
  const r = decodeText(`${dr("a")}---\n${dr("b", '"bad host"')}---\n${dr("c")}`, "f.yaml");
  assert.deepEqual(r.resources.map((x) => x.metadata.name), ["a", "c"]);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0]?.resource?.name, "b");
  assert.equal(r.diagnostics[0]?.line, 13);
  assert.equal(r.resources[1]?.source?.line, 15);
});

test("namespace defaults to default; explicit namespace is kept", () => {
  const r = decodeText(`${dr("a")}---\n${dr("b").replace("  name: b\n", "  name: b\n  namespace: prod\n")}`, "f.yaml");
  assert.deepEqual(r.resources.map((x) => x.metadata.namespace), ["default", "prod"]);
});

test("every error of a document is reported, with codes and field paths", () => {
  const text = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: Bad_Name
  colour: blue
spec:
  hosts: [reviews]
  htp: []
  http:
  - route:
    - destination: {host: reviews}
      weight: "x"
    timout: 5s
`;
  const r = decodeText(text, "f.yaml");
  const byPath = new Map(r.diagnostics.map((d) => [d.path, d]));
  assert.equal(r.resources.length, 0);
  assert.equal(byPath.get("metadata.name")?.code, ErrorCode.Metadata);
  assert.equal(byPath.get("metadata.colour")?.code, ErrorCode.UnknownField);
  assert.match(byPath.get("spec.htp")?.message ?? "", /did you mean "http"/);
  assert.equal(byPath.get("spec.htp")?.line, 8);
  assert.equal(byPath.get("spec.http[0].route[0].weight")?.code, ErrorCode.Schema);
  assert.match(byPath.get("spec.http[0].timout")?.message ?? "", /did you mean "timeout"/);
  assert.equal(byPath.get("spec.http[0].timout")?.line, 13);
});

test("warnings do not reject a resource", () => {
  const r = decodeText(
    `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec:\n  host: a\n  trafficPolicy:\n    outlierDetection: {consecutiveErrors: 3}\n`,
    "f.yaml",
  );
  assert.equal(r.resources.length, 1);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0]?.severity, "warning");
  assert.equal(r.diagnostics[0]?.code, ErrorCode.Deprecated);
});

test("List items decode with lines of their own; JSON works", () => {
  const text = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.istio.io/v1\n  kind: DestinationRule\n  metadata: {name: a}\n  spec: {host: a}\n- apiVersion: networking.istio.io/v1\n  kind: DestinationRule\n  metadata: {name: b}\n  spec: {host: "bad host"}\n`;
  const r = decodeText(text, "list.yaml");
  assert.deepEqual(r.resources.map((x) => x.metadata.name), ["a"]);
  assert.equal(r.diagnostics[0]?.line, 11);
  const json = decodeText(JSON.stringify({ apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "j" }, spec: { host: "j" } }), "a.json");
  assert.equal(json.resources[0]?.metadata.name, "j");
});

test("non-object documents, missing kind, empty documents and YAML errors", () => {
  assert.equal(decodeText("---\n---\n", "e.yaml").diagnostics.length, 0);
  const seq = decodeText("- a\n- b\n", "s.yaml");
  assert.equal(seq.diagnostics[0]?.code, ErrorCode.Schema);
  const noKind = decodeText("apiVersion: v1\nmetadata: {name: a}\n", "k.yaml");
  assert.equal(noKind.diagnostics[0]?.path, "kind");
  const bad = decodeText("a: [1, 2\nb: c\n", "y.yaml");
  assert.equal(bad.diagnostics[0]?.code, ErrorCode.Yaml);
  assert.ok((bad.diagnostics[0]?.line ?? 0) >= 1);
});

test("alias expansion is capped", () => {
  const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill("*" + String.fromCharCode(96 + i)).join(", ")}]`);
  const r = decodeText(lines.join("\n"), "bomb.yaml");
  assert.equal(r.diagnostics[0]?.code, ErrorCode.Yaml);
});

test("decodePaths walks directories in sorted order, skipping other files; reports missing paths", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mizzen-decode-"));
  try {
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "b.yaml"), dr("b"));
    await writeFile(join(dir, "a.yml"), dr("a"));
    await writeFile(join(dir, "sub", "c.json"), JSON.stringify({ apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "c" }, spec: { host: "c" } }));
    await writeFile(join(dir, "notes.txt"), "not config");
    const r = await decodePaths([dir, join(dir, "missing.yaml")]);
    assert.deepEqual(r.resources.map((x) => x.metadata.name), ["a", "b", "c"]);
    assert.equal(r.resources[0]?.source?.file, join(dir, "a.yml"));
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0]?.code, ErrorCode.Io);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("decodePaths reads - from the given stdin stream", async () => {
  const r = await decodePaths(["-"], Readable.from([Buffer.from(dr("s"))]));
  assert.equal(r.resources[0]?.metadata.name, "s");
  assert.equal(r.resources[0]?.source?.file, "<stdin>");
});

test("field paths render and parse back", () => {
  const segs = ["spec", "http", 0, "match", 1, "headers", "x-user", "labels", "app.kubernetes.io/name"];
  const text = renderPath(segs);
  assert.equal(text, 'spec.http[0].match[1].headers.x-user.labels["app.kubernetes.io/name"]');
  assert.deepEqual(parsePath(text), segs);
});

test("suggestions: edit distance, case, snake_case", () => {
  assert.equal(closest("wieght", ["weight", "headers"]), "weight");
  assert.equal(closest("Hosts", ["hosts"]), "hosts");
  assert.equal(closest("per_try_timeout", ["perTryTimeout", "attempts"]), "perTryTimeout");
  assert.equal(closest("zzzzzz", ["weight"]), undefined);
});

test("empty (null) fields are absent, as in Kubernetes; null list items are errors", () => {
  const ok = decodeText("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a}\nspec:\n  ingress:\n  egress:\n  - hosts: [\"./*\"]\n    port:\nstatus:\n", "n.yaml");
  assert.deepEqual(ok.diagnostics, []);
  assert.deepEqual((ok.resources[0] as unknown as { spec: unknown }).spec, { egress: [{ hosts: ["./*"] }] });
  const bad = decodeText("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a}\nspec:\n  egress:\n  -\n", "n.yaml");
  assert.equal(bad.diagnostics[0]?.path, "spec.egress[0]");
});

test("an unknown kind names the resource when metadata has a name", () => {
  const r = decodeText("apiVersion: networking.istio.io/v1\nkind: Gatewy\nmetadata: {name: gw, namespace: prod}\n", "k.yaml");
  assert.deepEqual(r.diagnostics[0]?.resource, { kind: "Gatewy", name: "gw", namespace: "prod" });
  assert.match(r.diagnostics[0]?.message ?? "", /did you mean Gateway/);
});
