// Test support: assertions over the diagnostics of a YAML text.
import assert from "node:assert/strict";
import type { Diagnostic } from "../../../diagnostic.js";
import { checkYaml, describe } from "./check-kind.js";

/** Asserts the text decodes and validates with no diagnostics at all (not even warnings). */
export function expectClean(text: string): void {
  const diags = checkYaml(text);
  assert.equal(diags.length, 0, `expected no diagnostics, got:\n${describe(diags)}`);
}

/** Asserts one error at exactly `path` whose message contains `message`. */
export function expectError(text: string, path: string, message: string): Diagnostic {
  const diags = checkYaml(text);
  const hit = diags.find((d) => d.severity === "error" && d.path === path && d.message.includes(message));
  assert.ok(hit, `expected an error at ${path} containing "${message}", got:\n${describe(diags)}`);
  return hit;
}

export function expectWarning(text: string, path: string, message: string): void {
  const diags = checkYaml(text);
  assert.ok(
    diags.some((d) => d.severity === "warning" && d.path === path && d.message.includes(message)),
    `expected a warning at ${path} containing "${message}", got:\n${describe(diags)}`,
  );
  assert.ok(!diags.some((d) => d.severity === "error"), `expected no errors, got:\n${describe(diags)}`);
}
