// Every broken document in test/fixtures/invalid/networking is rejected with the diagnostics its
// leading "# expect:" comments name (path and message substring), at the "# expect-line:" line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeText } from "../../decode/index.js";
import { fixtureExpectations, pathAndMessage } from "../../testing/fixture-expectations.js";

const dir = join(process.cwd(), "test/fixtures/invalid/networking");

const files = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

test("the corpus holds at least 40 broken documents", () => {
  assert.ok(files.length >= 40, `only ${files.length} fixtures`);
});

for (const file of files) {
  test(`invalid/networking/${file}`, () => {
    const source = readFileSync(join(dir, file), "utf8");
    const expected = fixtureExpectations(source);
    assert.ok(expected.length > 0, "fixture has no # expect: line");
    const { diagnostics } = decodeText(source, file);
    const rendered = diagnostics.map(pathAndMessage);
    for (const e of expected) {
      const match = diagnostics.find((d) => pathAndMessage(d).includes(e.text));
      assert.ok(match, `expected a diagnostic containing\n  ${e.text}\ngot:\n  ${rendered.join("\n  ")}`);
      assert.ok(match.code.startsWith("MIZZEN_"), `code ${match.code}`);
      if (e.line !== undefined) assert.equal(match.line, e.line, `line of "${e.text}"`);
    }
    assert.ok(diagnostics.some((d) => d.severity === "error"), "a broken document must produce an error");
  });
}
