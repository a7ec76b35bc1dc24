// Diagnostics: every problem found in configuration, with where it is (file, line, resource, field path).

export type Severity = "error" | "warning" | "info";

export interface ResourceRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Diagnostic {
  severity: Severity;
  /** Stable code: MIZZEN_ERR_* for decode/validation, IST0xxx for analysis messages. */
  code: string;
  /** What is wrong, without the location (e.g. "must be between 0 and 100"). */
  message: string;
  /** Field path from the object root, e.g. "spec.http[0].route[1].weight". */
  path?: string;
  file?: string;
  /** 1-based line of the offending node (or of the document when the node is unknown). */
  line?: number;
  resource?: ResourceRef;
}

/** Stable error codes for decode and validation problems. */
export const ErrorCode = {
  Yaml: "MIZZEN_ERR_YAML",
  UnknownKind: "MIZZEN_ERR_UNKNOWN_KIND",
  Metadata: "MIZZEN_ERR_METADATA",
  Schema: "MIZZEN_ERR_SCHEMA",
  UnknownField: "MIZZEN_ERR_UNKNOWN_FIELD",
  Value: "MIZZEN_ERR_VALUE",
  Deprecated: "MIZZEN_WARN_DEPRECATED",
  /** A validate() warning that is not about deprecation (questionable but accepted value). */
  Warning: "MIZZEN_WARN_VALUE",
  Io: "MIZZEN_ERR_IO",
} as const;

export function describeResource(r: ResourceRef): string {
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}

/** `bookinfo.yaml:42: VirtualService default/reviews: spec.http[0].route[1].weight: must be between 0 and 100` */
export function formatDiagnostic(d: Diagnostic): string {
  const parts: string[] = [];
  if (d.file) parts.push(d.line ? `${d.file}:${d.line}` : d.file);
  if (d.resource) parts.push(describeResource(d.resource));
  if (d.path) parts.push(d.path);
  const prefix = d.severity === "error" ? "" : `${d.severity}: `;
  return `${parts.map((p) => p + ": ").join("")}${prefix}${d.message}`;
}
