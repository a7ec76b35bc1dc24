// Reads a proxy's Envoy v3 bootstrap (YAML or JSON), checks it against Envoy's protos and their
// validate rules, and returns it in normalized Envoy JSON. Every problem names file, line and field.
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { MizzenError, errorMessage } from "../../errors.js";
import { decodeEnvoyJson } from "../../api/envoy/from-envoy-json.js";
import { formatProblem, type FieldPath, type FieldProblem } from "../../api/envoy/problems.js";
import { toEnvoyJson } from "../../api/envoy/to-envoy-json.js";
import { BOOTSTRAP_TYPE } from "../../api/envoy/type-urls.js";
import type { EnvoyJson } from "../contracts.js";
import { bootstrapProblems } from "./bootstrap-checks.js";

/** Loads and checks a bootstrap file; throws MizzenError MIZZEN_ERR_BOOTSTRAP listing all problems. */
export async function loadBootstrap(path: string): Promise<EnvoyJson> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new MizzenError("MIZZEN_ERR_BOOTSTRAP", `cannot read bootstrap ${path}: ${errorMessage(e)}`, { cause: e });
  }
  return parseBootstrap(text, path);
}

/** Parses and checks bootstrap text (YAML or JSON); `source` names it in errors. */
export function parseBootstrap(text: string, source: string): EnvoyJson {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${source}${pos ? `:${pos.line}` : ""}: ${e.message.split("\n")[0] ?? e.message}`;
    });
    throw new MizzenError("MIZZEN_ERR_BOOTSTRAP", `invalid bootstrap ${details[0] ?? source}`, { details });
  }
  const json: unknown = doc.toJS();
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new MizzenError("MIZZEN_ERR_BOOTSTRAP", `invalid bootstrap ${source}: expected a mapping at the top level`, { details: [`${source}: expected a mapping at the top level`] });
  }
  const decoded = decodeEnvoyJson(BOOTSTRAP_TYPE, json);
  const problems: FieldProblem[] = [...decoded.problems];
  let normalized: EnvoyJson | undefined;
  if (decoded.message) {
    normalized = toEnvoyJson(BOOTSTRAP_TYPE, decoded.message);
    problems.push(...bootstrapProblems(normalized));
  }
  if (problems.length > 0 || !normalized) {
    const details = problems.map((p) => locate(source, doc, lines, p));
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
    throw new MizzenError("MIZZEN_ERR_BOOTSTRAP", `invalid bootstrap ${details[0] ?? source}${more}`, { details });
  }
  return normalized;
}

/** "file:line: field.path: message", using the nearest YAML node that exists for the path. */
function locate(source: string, doc: Document, lines: LineCounter, problem: FieldProblem): string {
  let line: number | undefined;
  for (let n = problem.path.length; n >= 0 && line === undefined; n--) {
    line = lineOf(doc, lines, problem.path.slice(0, n));
  }
  return `${source}${line !== undefined ? `:${line}` : ""}: ${formatProblem(problem)}`;
}

function lineOf(doc: Document, lines: LineCounter, path: FieldPath): number | undefined {
  // A key spelled in camelCase in the file is still found: try the path as written, then camelCase.
  const candidates = [path, path.map((s) => (typeof s === "string" ? s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : s))];
  for (const p of candidates) {
    const node: unknown = p.length === 0 ? doc.contents : doc.getIn(p, true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
