// Decodes a YAML (or JSON) text holding one or more documents, each an object or a `kind: List`.
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, type Document, type Node } from "yaml";
import { ErrorCode, type Diagnostic } from "../diagnostic.js";
import type { Resource } from "../resource.js";
import { decodeObject } from "./document.js";
import { makeLocator } from "./yaml-locate.js";

export interface DecodeResult {
  resources: Resource[];
  diagnostics: Diagnostic[];
}

/** Alias expansion cap: a "billion laughs" document fails instead of exhausting memory. */
const maxAliasCount = 100;
/** Texts larger than this are refused outright. */
const maxTextLength = 32 * 1024 * 1024;

export function decodeText(text: string, file: string): DecodeResult {
  const out: DecodeResult = { resources: [], diagnostics: [] };
  if (text.length > maxTextLength) {
    out.diagnostics.push({ severity: "error", code: ErrorCode.Io, message: `file is larger than ${maxTextLength} bytes`, file });
    return out;
  }
  const tooDeep = flowNestingTooDeep(text);
  if (tooDeep !== undefined) {
    out.diagnostics.push({ severity: "error", code: ErrorCode.Yaml, message: `invalid YAML: brackets nested deeper than ${maxFlowDepth}`, file, line: tooDeep });
    return out;
  }
  const counter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true, logLevel: "error" });
    docs = Array.isArray(parsed) ? parsed : [];
  } catch (e) {
    out.diagnostics.push({ severity: "error", code: ErrorCode.Yaml, message: `cannot parse YAML: ${e instanceof Error ? e.message : String(e)}`, file, line: 1 });
    return out;
  }
  for (const doc of docs) decodeDocument(doc, counter, file, out);
  return out;
}

/** Flow collections nested this deep make the parser recurse for seconds; no configuration needs it. */
const maxFlowDepth = 256;

/** Line where "[" / "{" nesting (outside quotes and comments) exceeds maxFlowDepth, if it does. */
function flowNestingTooDeep(text: string): number | undefined {
  let depth = 0;
  let line = 1;
  let quote: string | undefined;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      line++;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "#") comment = true;
    else if (c === "[" || c === "{") {
      if (++depth > maxFlowDepth) return line;
    } else if ((c === "]" || c === "}") && depth > 0) depth--;
  }
  return undefined;
}

function yamlError(message: string, file: string, line: number): Diagnostic {
  return { severity: "error", code: ErrorCode.Yaml, message, file, line };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

function decodeDocument(doc: Document.Parsed, counter: LineCounter, file: string, out: DecodeResult): void {
  const docStart = doc.range[0];
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const line = err.linePos?.[0]?.line ?? counter.linePos(err.pos[0]).line;
      out.diagnostics.push(yamlError(`invalid YAML: ${firstLine(err.message)}`, file, line));
    }
    return;
  }
  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) return; // empty document
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount });
  } catch (e) {
    out.diagnostics.push(yamlError(`cannot convert YAML: ${e instanceof Error ? firstLine(e.message) : String(e)}`, file, counter.linePos(docStart).line));
    return;
  }
  if (isList(value) && isMap(root)) {
    const itemsPair = root.items.find((p) => isScalar(p.key) && p.key.value === "items");
    const itemsNode = itemsPair?.value;
    const items = value.items;
    items.forEach((item, i) => {
      const node = isSeq(itemsNode) ? (itemsNode.items[i] as Node | undefined) : undefined;
      const r = decodeObject(item, { file, locator: makeLocator(node, counter, docStart) });
      collectInto(out, r);
    });
    return;
  }
  collectInto(out, decodeObject(value, { file, locator: makeLocator(root, counter, docStart) }));
}

function isList(v: unknown): v is { kind: "List"; items: unknown[] } {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return (r["kind"] === "List" || (typeof r["kind"] === "string" && r["kind"].endsWith("List"))) && Array.isArray(r["items"]);
}

function collectInto(out: DecodeResult, r: { resource?: Resource; diagnostics: Diagnostic[] }): void {
  if (r.resource) out.resources.push(r.resource);
  out.diagnostics.push(...r.diagnostics);
}
