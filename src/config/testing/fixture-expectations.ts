// The broken-document corpus (test/fixtures/invalid/**): each fixture names the diagnostics it
// must produce in leading comment lines, `# expect: <path: message substring>`, each optionally
// followed by `# expect-line: N`.
import type { Diagnostic } from "../diagnostic.js";

export interface Expectation {
  text: string;
  line?: number;
}

export function fixtureExpectations(source: string): Expectation[] {
  const out: Expectation[] = [];
  for (const raw of source.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("#")) break;
    const expect = /^#\s*expect:\s*(.+)$/.exec(line);
    if (expect?.[1]) out.push({ text: expect[1] });
    const at = /^#\s*expect-line:\s*(\d+)$/.exec(line);
    const last = out[out.length - 1];
    if (at?.[1] && last) last.line = Number(at[1]);
  }
  return out;
}

/** "path: message", the form expectations are written against. */
export function pathAndMessage(d: Diagnostic): string {
  return d.path ? `${d.path}: ${d.message}` : d.message;
}
