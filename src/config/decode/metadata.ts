// Checks `metadata` as the Kubernetes API server would, and builds the decoded ObjectMeta.
import type { KindDefinition } from "../kind.js";
import type { ObjectMeta } from "../resource.js";
import { checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue } from "../schema/names.js";
import type { PathSegment } from "./field-path.js";
import { closest } from "./suggest.js";

export interface FieldProblem {
  path: PathSegment[];
  message: string;
  unknownField?: boolean;
}

const standardFields = [
  "name",
  "generateName",
  "namespace",
  "labels",
  "annotations",
  "resourceVersion",
  "generation",
  "uid",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "ownerReferences",
  "finalizers",
  "managedFields",
  "selfLink",
];

const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function checkName(name: string, rule: KindDefinition["nameRule"]): string | undefined {
  if (rule === "dns1123-label") return checkDns1123Label(name);
  if (rule === "dns1035-label") {
    if (name.length > 63 || !dns1035Label.test(name)) {
      return `"${name}" must be a DNS-1035 label: lower case alphanumeric characters or '-', starting with a letter and ending with an alphanumeric character`;
    }
    return undefined;
  }
  return checkDns1123Subdomain(name);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkStringMap(value: unknown, field: "labels" | "annotations", out: FieldProblem[]): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    out.push({ path: ["metadata", field], message: "must be a map of string keys to string values" });
    return undefined;
  }
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") {
      out.push({ path: ["metadata", field, k], message: `value must be a string (got ${describe(v)}); quote it in YAML` });
      continue;
    }
    const keyErr = checkLabelKey(k);
    if (keyErr) out.push({ path: ["metadata", field, k], message: field === "labels" ? keyErr : keyErr.replace("label key", "annotation key") });
    if (field === "labels") {
      const valueErr = checkLabelValue(v);
      if (valueErr) out.push({ path: ["metadata", field, k], message: valueErr });
    }
    result[k] = v;
  }
  return result;
}

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  if (typeof v === "string") return `string "${v.length > 40 ? v.slice(0, 40) + "…" : v}"`;
  return `${typeof v} ${String(v)}`;
}

/** Returns the decoded metadata (undefined when unusable) and every problem found. */
export function decodeMetadata(raw: unknown, def: KindDefinition): { meta: ObjectMeta | undefined; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (raw === undefined || raw === null) {
    problems.push({ path: ["metadata"], message: "metadata is required (with at least a name)" });
    return { meta: undefined, problems };
  }
  if (!isRecord(raw)) {
    problems.push({ path: ["metadata"], message: `must be a map (got ${describe(raw)})` });
    return { meta: undefined, problems };
  }
  for (const key of Object.keys(raw)) {
    if (standardFields.includes(key)) continue;
    const hint = closest(key, standardFields);
    problems.push({ path: ["metadata", key], message: `unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}`, unknownField: true });
  }
  const meta: ObjectMeta = { name: "" };
  const name = raw["name"];
  if (name === undefined || name === null || name === "") {
    problems.push({ path: ["metadata", "name"], message: "name is required" });
  } else if (typeof name !== "string") {
    problems.push({ path: ["metadata", "name"], message: `must be a string (got ${describe(name)})` });
  } else {
    const err = checkName(name, def.nameRule);
    if (err) problems.push({ path: ["metadata", "name"], message: `invalid name: ${err}` });
    meta.name = name;
  }
  const ns = raw["namespace"];
  if (ns !== undefined && ns !== null) {
    if (typeof ns !== "string") problems.push({ path: ["metadata", "namespace"], message: `must be a string (got ${describe(ns)})` });
    else {
      const err = checkDns1123Label(ns);
      if (err) problems.push({ path: ["metadata", "namespace"], message: `invalid namespace: ${err}` });
      if (def.namespaced) meta.namespace = ns;
    }
  }
  if (def.namespaced && meta.namespace === undefined) meta.namespace = "default";
  const labels = checkStringMap(raw["labels"], "labels", problems);
  if (labels) meta.labels = labels;
  const annotations = checkStringMap(raw["annotations"], "annotations", problems);
  if (annotations) meta.annotations = annotations;
  copyTyped(raw, meta, problems);
  return { meta, problems };
}

function copyTyped(raw: Record<string, unknown>, meta: ObjectMeta, problems: FieldProblem[]): void {
  for (const key of ["resourceVersion", "uid", "creationTimestamp"] as const) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (typeof v === "string") meta[key] = v;
    else problems.push({ path: ["metadata", key], message: `must be a string (got ${describe(v)})` });
  }
  const g = raw["generation"];
  if (g !== undefined && g !== null) {
    if (typeof g === "number" && Number.isSafeInteger(g) && g >= 0) meta.generation = g;
    else problems.push({ path: ["metadata", "generation"], message: `must be a non-negative integer (got ${describe(g)})` });
  }
}
