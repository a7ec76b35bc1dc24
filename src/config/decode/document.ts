// Decodes one configuration object (already converted from YAML) into a Resource, collecting
// every problem: kind lookup, metadata, schema, unknown fields, then the kind's semantic checks.
import { ErrorCode, type Diagnostic, type ResourceRef } from "../diagnostic.js";
import type { KindDefinition, ValidationContext } from "../kind.js";
import type { Resource } from "../resource.js";
import { parsePath, renderPath, type PathSegment } from "./field-path.js";
import { lookupKind } from "./kind-lookup.js";
import { decodeMetadata, describe, type FieldProblem } from "./metadata.js";
import type { Locator } from "./yaml-locate.js";
import { parseWithSchema } from "./zod-issues.js";
import { coversRemoved, salvage } from "./salvage.js";

export interface DecodeTarget {
  file: string;
  locator: Locator;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function decodeObject(value: unknown, target: DecodeTarget): { resource?: Resource; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const { file, locator } = target;
  const report = (severity: Diagnostic["severity"], code: string, path: readonly PathSegment[], message: string, resource?: ResourceRef): void => {
    const d: Diagnostic = { severity, code, message, file, line: locator.line(path) };
    if (path.length > 0) d.path = renderPath(path);
    if (resource) d.resource = resource;
    diagnostics.push(d);
  };
  if (!isRecord(value)) {
    report("error", ErrorCode.Schema, [], `a configuration document must be a map with apiVersion, kind and metadata (got ${describe(value)})`);
    return { diagnostics };
  }
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== "string" || apiVersion === "" || typeof kind !== "string" || kind === "") {
    if (typeof apiVersion !== "string" || apiVersion === "") report("error", ErrorCode.Schema, ["apiVersion"], "apiVersion is required and must be a string");
    if (typeof kind !== "string" || kind === "") report("error", ErrorCode.Schema, ["kind"], "kind is required and must be a string");
    return { diagnostics };
  }
  const found = lookupKind(apiVersion, kind);
  if ("message" in found) {
    const rawName = isRecord(value["metadata"]) ? value["metadata"]["name"] : undefined;
    const rawNs = isRecord(value["metadata"]) ? value["metadata"]["namespace"] : undefined;
    const ref: ResourceRef | undefined = typeof rawName === "string" && rawName !== "" ? { kind, name: rawName } : undefined;
    if (ref && typeof rawNs === "string" && rawNs !== "") ref.namespace = rawNs;
    report("error", ErrorCode.UnknownKind, ["kind"], found.message, ref);
    return { diagnostics };
  }
  const def = found.def;
  const { meta, problems: metaProblems } = decodeMetadata(value["metadata"], def);
  const ref: ResourceRef = { kind, name: meta?.name || "<unnamed>" };
  if (meta?.namespace !== undefined) ref.namespace = meta.namespace;
  const pushProblems = (problems: FieldProblem[], code: string): void => {
    for (const p of problems) report("error", p.unknownField ? ErrorCode.UnknownField : code, p.path, p.message, ref);
  };
  pushProblems(metaProblems, ErrorCode.Metadata);

  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== "apiVersion" && k !== "kind" && k !== "metadata" && v !== null) body[k] = dropNullFields(v, 0);
  const parsed = parseWithSchema(def.schema as KindDefinition["schema"], body);
  pushProblems(parsed.problems, ErrorCode.Schema);
  if (parsed.data !== undefined) runValidate(def, parsed.data, ref, report);
  else {
    // Report the semantic problems of the rest of the document too, in the same run.
    const salvaged = salvage(def.schema as KindDefinition["schema"], body, parsed.problems);
    if (salvaged !== undefined) {
      const echo: Report = (severity, code, path, message, resource) => {
        if (!coversRemoved(path, salvaged.removed)) report(severity, code, path, message, resource);
      };
      runValidate(def, salvaged.data, ref, echo);
    }
  }

  const rejected = diagnostics.some((d) => d.severity === "error");
  // Salvaged semantic checks run after the schema's: show the document's problems top to bottom.
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (rejected || !meta || parsed.data === undefined) return { diagnostics };
  const resource = { ...(parsed.data as object), apiVersion, kind, metadata: meta, source: { file, line: locator.start } } as Resource;
  return { resource, diagnostics };
}

/**
 * A field written as `field:` or `field: null` is absent, as Kubernetes' JSON decoding treats it.
 * Nulls inside lists stay, so "items may not be null" still reports.
 */
function dropNullFields(v: unknown, depth: number): unknown {
  if (depth > 200 || typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => dropNullFields(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    Object.defineProperty(out, k, { value: dropNullFields(x, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

type Report = (severity: Diagnostic["severity"], code: string, path: readonly PathSegment[], message: string, resource?: ResourceRef) => void;

function runValidate(def: KindDefinition, data: object, ref: ResourceRef, report: Report): void {
  if (!def.validate) return;
  const ctx: ValidationContext = {
    resource: ref,
    error: (path, message) => report("error", ErrorCode.Value, parsePath(path), message, ref),
    warn: (path, message) => report("warning", /deprecated/i.test(message) ? ErrorCode.Deprecated : ErrorCode.Warning, parsePath(path), message, ref),
  };
  try {
    def.validate(data, ctx);
  } catch (e) {
    // A kind's checks must not take the decoder down; report it against the object instead.
    report("error", ErrorCode.Value, [], `validation of ${def.kind} failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`, ref);
  }
}
