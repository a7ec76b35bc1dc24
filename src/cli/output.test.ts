import { test } from "node:test";
import assert from "node:assert/strict";
import { formatJson, formatYaml, parseOutputFormat } from "./output.js";

test("output formats: text (log), json, yaml", () => {
  assert.equal(parseOutputFormat(undefined), "text");
  assert.equal(parseOutputFormat("log"), "text");
  assert.equal(parseOutputFormat("JSON"), "json");
  assert.equal(parseOutputFormat("yaml"), "yaml");
  assert.equal(parseOutputFormat("xml"), undefined);
});

test("json is tab-indented and yaml is block style", () => {
  assert.equal(formatJson([{ code: "IST0101" }]), '[\n\t{\n\t\t"code": "IST0101"\n\t}\n]\n');
  assert.equal(formatYaml([{ code: "IST0101" }]), "- code: IST0101\n");
});
