// Decoding a MeshConfig: from a standalone YAML file (as `istioctl --meshConfigFile`) or from
// Istio's ConfigMap `istio` (data key `mesh`). The user's fields are laid over Istio's defaults.
import { LineCounter, parseDocument, type Node } from "yaml";
import { ErrorCode, type Diagnostic } from "../diagnostic.js";
import { parsePath, renderPath } from "../decode/index.js";
import { parseWithSchema } from "../decode/zod-issues.js";
import { makeLocator } from "../decode/yaml-locate.js";
import { meshConfigSchema, type MeshConfig } from "./mesh-config.js";
import { defaultMeshConfig } from "./defaults.js";
import { validateMeshConfig } from "./validate-mesh.js";
import { withJsonFieldNames } from "./proto-field-names.js";

export interface MeshConfigResult {
  /** The merged config when there were no errors; Istio's defaults otherwise. */
  mesh: MeshConfig;
  diagnostics: Diagnostic[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** Istio's ApplyMeshConfig: messages merge field by field; extension providers merge by name. */
export function mergeMeshConfig(base: MeshConfig, over: MeshConfig): MeshConfig {
  const merged = deepMerge(base as Record<string, unknown>, over as Record<string, unknown>) as MeshConfig;
  if (over.extensionProviders) {
    const userNames = new Set(over.extensionProviders.map((p) => p.name));
    merged.extensionProviders = [...(base.extensionProviders ?? []).filter((p) => !userNames.has(p.name)), ...over.extensionProviders];
  }
  return merged;
}

/** Decodes a mesh config YAML text. An empty text is Istio's defaults. */
export function decodeMeshConfig(text: string, file: string): MeshConfigResult {
  const diagnostics: Diagnostic[] = [];
  const fail = (): MeshConfigResult => ({ mesh: defaultMeshConfig(), diagnostics });
  const counter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    diagnostics.push({ severity: "error", code: ErrorCode.Yaml, message: `cannot parse YAML: ${e instanceof Error ? e.message : "unparsable"}`, file, line: 1 });
    return fail();
  }
  for (const err of doc.errors) {
    const line = err.linePos?.[0]?.line ?? counter.linePos(err.pos[0]).line;
    diagnostics.push({ severity: "error", code: ErrorCode.Yaml, message: `invalid YAML: ${err.message.split("\n")[0] ?? ""}`, file, line });
  }
  if (diagnostics.length > 0) return fail();
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    diagnostics.push({ severity: "error", code: ErrorCode.Yaml, message: `cannot convert YAML: ${e instanceof Error ? e.message : "unconvertible"}`, file, line: 1 });
    return fail();
  }
  if (value === null || value === undefined) return { mesh: defaultMeshConfig(), diagnostics };
  const locator = makeLocator(doc.contents as Node | null, counter, 0);
  const parsed = parseWithSchema(meshConfigSchema, withJsonFieldNames(value, meshConfigSchema));
  if (parsed.data === undefined) {
    for (const p of parsed.problems) {
      const code = p.unknownField ? ErrorCode.UnknownField : ErrorCode.Schema;
      diagnostics.push({ severity: "error", code, message: p.message, path: renderPath(p.path), file, line: locator.line(p.path) });
    }
    return fail();
  }
  const defaults = defaultMeshConfig();
  const mesh = mergeMeshConfig(defaults, parsed.data);
  for (const p of validateMeshConfig(parsed.data, defaults.extensionProviders?.map((e) => e.name))) {
    const code = p.severity === "error" ? ErrorCode.Value : ErrorCode.Warning;
    diagnostics.push({ severity: p.severity, code, message: p.message, path: p.path, file, line: locator.line(parsePath(p.path)) });
  }
  return diagnostics.some((d) => d.severity === "error") ? fail() : { mesh, diagnostics };
}

/** The subset of a ConfigMap this needs (a decoded ConfigMap resource fits). */
export interface ConfigMapLike {
  metadata?: { name: string; namespace?: string | undefined };
  data?: Record<string, string> | undefined;
  source?: { file: string; line: number } | undefined;
}

/**
 * Istio's ConfigMap `istio`: the mesh config is the YAML in `data.mesh`. Diagnostics point at
 * `data.mesh` with the field inside it leading the message and its line within the mesh text
 * ending it ("outboundTrafficPolicy.mode: … (line 3 of the mesh config)").
 */
export function meshConfigFromConfigMap(cm: ConfigMapLike): MeshConfigResult {
  const text = cm.data?.mesh;
  const resource = cm.metadata ? { kind: "ConfigMap", name: cm.metadata.name, namespace: cm.metadata.namespace } : undefined;
  const where = { ...(cm.source ? { file: cm.source.file, line: cm.source.line } : {}), ...(resource ? { resource } : {}) };
  if (text === undefined) {
    const d: Diagnostic = { severity: "warning", code: ErrorCode.Warning, message: 'no "mesh" key: Istio\'s default mesh config applies', path: "data", ...where };
    return { mesh: defaultMeshConfig(), diagnostics: [d] };
  }
  const inner = decodeMeshConfig(text, cm.source?.file ?? "");
  const diagnostics = inner.diagnostics.map((d): Diagnostic => ({
    severity: d.severity,
    code: d.code,
    message: `${d.path ? `${d.path}: ` : ""}${d.message}${d.line ? ` (line ${d.line} of the mesh config)` : ""}`,
    path: "data.mesh",
    ...where,
  }));
  return { mesh: inner.mesh, diagnostics };
}
