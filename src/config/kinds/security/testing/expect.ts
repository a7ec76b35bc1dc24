// Test support: assertions over the diagnostics the decoder reports for a YAML text.
import assert from "node:assert/strict";
import type { Diagnostic } from "../../../diagnostic.js";
import { decodeText } from "../../../decode/index.js";

export function diagnosticsOf(text: string): Diagnostic[] {
  return decodeText(text, "test.yaml").diagnostics;
}

export function describe(diags: readonly Diagnostic[]): string {
  return diags.map((d) => `${d.severity} ${d.path ?? ""}: ${d.message}`).join("\n");
}

/** Asserts the text decodes and validates with no diagnostics at all (not even warnings). */
export function expectClean(text: string): void {
  const diags = diagnosticsOf(text);
  assert.equal(diags.length, 0, `expected no diagnostics, got:\n${describe(diags)}`);
}

/** Asserts one error at exactly `path` whose message contains `message`. */
export function expectError(text: string, path: string, message: string): Diagnostic {
  const diags = diagnosticsOf(text);
  const hit = diags.find((d) => d.severity === "error" && d.path === path && d.message.includes(message));
  assert.ok(hit, `expected an error at ${path} containing "${message}", got:\n${describe(diags)}`);
  return hit;
}

export function expectWarning(text: string, path: string, message: string): void {
  const diags = diagnosticsOf(text);
  assert.ok(
    diags.some((d) => d.severity === "warning" && d.path === path && d.message.includes(message)),
    `expected a warning at ${path} containing "${message}", got:\n${describe(diags)}`,
  );
  assert.ok(!diags.some((d) => d.severity === "error"), `expected no errors, got:\n${describe(diags)}`);
}
