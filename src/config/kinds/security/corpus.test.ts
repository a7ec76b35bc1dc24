// Every broken document in test/fixtures/invalid/{security,telemetry,core,mesh} is rejected with
// the diagnostics its leading "# expect:" comments name (path and message substring), at the
// "# expect-line:" line when given, and with no error that no expectation names. Files under mesh/
// are standalone mesh config files (as `istioctl --meshConfigFile`) unless they are a ConfigMap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeText } from "../../decode/index.js";
import { fixtureExpectations, pathAndMessage } from "../../testing/fixture-expectations.js";
import { formatDiagnostic, type Diagnostic } from "../../diagnostic.js";
import { decodeMeshConfig } from "../../mesh/index.js";

const root = join(process.cwd(), "test/fixtures/invalid");
const folders = ["security", "telemetry", "core", "mesh"] as const;

function diagnose(folder: string, file: string, source: string): Diagnostic[] {
  if (folder === "mesh" && !/^kind:\s*ConfigMap\s*$/m.test(source)) return decodeMeshConfig(source, file).diagnostics;
  return decodeText(source, file).diagnostics;
}

const fixtures = folders.flatMap((folder) =>
  readdirSync(join(root, folder))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => ({ folder, file })),
);

test("the corpus holds at least 30 broken documents", () => {
  assert.ok(fixtures.length >= 30, `only ${fixtures.length} fixtures`);
});

for (const { folder, file } of fixtures) {
  test(`invalid/${folder}/${file}`, () => {
    const source = readFileSync(join(root, folder, file), "utf8");
    const expected = fixtureExpectations(source);
    assert.ok(expected.length > 0, "fixture has no # expect: line");
    const diagnostics = diagnose(folder, file, source);
    const rendered = diagnostics.map(formatDiagnostic);
    const matched = new Set<Diagnostic>();
    for (const e of expected) {
      const match = diagnostics.find((d) => pathAndMessage(d).includes(e.text) || formatDiagnostic(d).includes(e.text));
      assert.ok(match, `expected a diagnostic containing\n  ${e.text}\ngot:\n  ${rendered.join("\n  ")}`);
      matched.add(match);
      assert.ok(match.code.startsWith("MIZZEN_"), `code ${match.code}`);
      assert.equal(match.file, file);
      if (e.line !== undefined) assert.equal(match.line, e.line, `line of "${e.text}"`);
    }
    const unexpected = diagnostics.filter((d) => d.severity === "error" && !matched.has(d));
    assert.deepEqual(unexpected.map(formatDiagnostic), [], "errors no expectation names");
  });
}
