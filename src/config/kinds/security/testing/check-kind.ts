// Test support: runs a kind's schema and validate() over parsed YAML without the full decoder, so
// the kinds' unit tests do not depend on it. Produces the same Diagnostic shape the decoder does.
import { parseAllDocuments } from "yaml";
import type { z } from "zod";
import { ErrorCode, type Diagnostic } from "../../../diagnostic.js";
import type { KindDefinition } from "../../../kind.js";
import { findKind } from "../../index.js";

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function issueDiagnostics(issues: readonly z.core.$ZodIssue[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ severity: "error", code: ErrorCode.UnknownField, message: `unknown field "${key}"`, path: formatPath([...issue.path, key]) });
      }
    } else {
      out.push({ severity: "error", code: ErrorCode.Schema, message: issue.message, path: formatPath(issue.path) });
    }
  }
  return out;
}

/** Schema, then (when it passed) validate(), over one object's body. */
export function checkKindBody(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any kind
  def: KindDefinition<any>,
  body: unknown,
  resource = { kind: def.kind, name: "test", namespace: "default" },
): Diagnostic[] {
  const parsed = def.schema.safeParse(body);
  if (!parsed.success) return issueDiagnostics(parsed.error.issues);
  const out: Diagnostic[] = [];
  def.validate?.(parsed.data, {
    resource,
    error: (path, message) => out.push({ severity: "error", code: ErrorCode.Value, message, path, resource }),
    warn: (path, message) => out.push({ severity: "warning", code: ErrorCode.Value, message, path, resource }),
  });
  return out;
}

/** Every document of a YAML text, looked up by apiVersion/kind and checked. */
export function checkYaml(text: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      out.push({ severity: "error", code: ErrorCode.Yaml, message: doc.errors[0]?.message ?? "bad YAML" });
      continue;
    }
    const obj: unknown = doc.toJS();
    if (obj === null || typeof obj !== "object") continue;
    const { apiVersion, kind, metadata, ...body } = obj as Record<string, unknown>;
    const def = findKind(String(apiVersion), String(kind));
    if (!def) {
      out.push({ severity: "error", code: ErrorCode.UnknownKind, message: `unknown kind ${String(apiVersion)}/${String(kind)}` });
      continue;
    }
    const meta = (metadata ?? {}) as { name?: string; namespace?: string };
    out.push(...checkKindBody(def, body, { kind: def.kind, name: meta.name ?? "", namespace: meta.namespace ?? "default" }));
  }
  return out;
}

export function describe(diags: readonly Diagnostic[]): string {
  return diags.map((d) => `${d.severity} ${d.path ?? ""}: ${d.message}`).join("\n");
}
