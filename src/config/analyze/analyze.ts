// Runs every analyzer over decoded resources and returns the messages for the selected namespace.
import type { Diagnostic } from "../diagnostic.js";
import { resourceKey, type Resource } from "../resource.js";
import type { Analyzer } from "./analyzer.js";
import { AnalysisContext } from "./context.js";
import { compareMessages, type AnalysisMessage } from "./message.js";
import { analyzers as allAnalyzers } from "./registry.js";
import { schemaMessages } from "./schema-messages.js";

export interface AnalyzeInput {
  resources: readonly Resource[];
  /** The decoder's diagnostics: errors become IST0106, warnings IST0133. */
  diagnostics?: readonly Diagnostic[];
}

export interface AnalyzeOptions {
  /** Report only messages about resources in this namespace; undefined means all namespaces. */
  namespace?: string;
  analyzers?: readonly Analyzer[];
}

export interface AnalyzeResult {
  messages: AnalysisMessage[];
  /** Documents that could not be parsed into a resource at all. */
  parseErrors: Diagnostic[];
}

export function analyze(input: AnalyzeInput, opts: AnalyzeOptions = {}): AnalyzeResult {
  const ctx = new AnalysisContext(lastOfEachName(input.resources));
  for (const a of opts.analyzers ?? allAnalyzers) {
    try {
      a.analyze(ctx);
    } catch (e) {
      // A bug in one analyzer must not hide the others' findings (Istio reports IST0001).
      ctx.report({ type: { code: "IST0001", name: "InternalError", level: "Error" }, text: `Internal error: ${a.name}: ${(e as Error).message}` });
    }
  }
  const schema = schemaMessages(input.diagnostics ?? []);
  const all = [...schema.messages, ...ctx.messages];
  const ns = opts.namespace;
  const messages = all.filter((m) => ns === undefined || !m.resource?.metadata.namespace || m.resource.metadata.namespace === ns);
  return { messages: dedupe(messages).sort(compareMessages), parseErrors: schema.parseErrors };
}

function dedupe(messages: AnalysisMessage[]): AnalysisMessage[] {
  const seen = new Set<string>();
  return messages.filter((m) => {
    const key = `${m.type.code}|${m.resource?.kind}|${m.resource?.metadata.namespace}|${m.resource?.metadata.name}|${m.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One resource per kind/namespace/name, the last one read winning, as successive `kubectl apply`s. */
function lastOfEachName(resources: readonly Resource[]): Resource[] {
  const byKey = new Map<string, Resource>();
  for (const r of resources) {
    const key = resourceKey(r);
    byKey.delete(key);
    byKey.set(key, r);
  }
  return [...byKey.values()];
}
