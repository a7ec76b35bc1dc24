// IST0106 / IST0133: decoder and validation diagnostics as analysis messages. Problems that name no
// resource (a file that is not YAML, a document without kind) are parse errors, not messages.
import type { Diagnostic } from "../diagnostic.js";
import type { Resource } from "../resource.js";
import type { AnalysisMessage } from "./message.js";
import { Messages } from "./messages.js";

export interface SchemaResult {
  messages: AnalysisMessage[];
  parseErrors: Diagnostic[];
}

export function schemaMessages(diagnostics: readonly Diagnostic[]): SchemaResult {
  const messages: AnalysisMessage[] = [];
  const parseErrors: Diagnostic[] = [];
  for (const d of diagnostics) {
    if (!d.resource) {
      if (d.severity === "error") parseErrors.push(d);
      continue;
    }
    // The resource itself may have been rejected: an origin made from the diagnostic's reference.
    const origin: Resource = {
      apiVersion: "",
      kind: d.resource.kind,
      metadata: d.resource.namespace ? { name: d.resource.name, namespace: d.resource.namespace } : { name: d.resource.name },
      ...(d.file ? { source: { file: d.file, line: d.line ?? 1 } } : {}),
    };
    const text = d.path ? `${d.path}: ${d.message}` : d.message;
    if (d.severity === "error") messages.push(Messages.schemaValidationError(origin, text));
    else if (d.severity === "warning") messages.push(Messages.schemaWarning(origin, text));
  }
  return { messages, parseErrors };
}
