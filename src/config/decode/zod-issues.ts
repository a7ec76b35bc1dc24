// Runs a kind's zod schema and turns its issues into field problems with readable messages and
// "did you mean …?" for unknown fields.
import type { z } from "zod";
import type { PathSegment } from "./field-path.js";
import { describe, type FieldProblem } from "./metadata.js";
import { closest } from "./suggest.js";

type RawIssue = z.core.$ZodRawIssue;
type Issue = z.core.$ZodIssue;

function pathKey(path: readonly PropertyKey[] | undefined): string {
  return JSON.stringify((path ?? []).map((p) => (typeof p === "symbol" ? String(p) : p)));
}

function shapeKeys(inst: unknown): string[] {
  const def = (inst as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def;
  return def && typeof def.shape === "object" && def.shape !== null ? Object.keys(def.shape) : [];
}

/** Messages for zod's built-in checks (schemas' own messages take precedence). */
function messageFor(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return "is required";
      return `must be ${article(String(iss.expected))} (got ${describe(iss.input)})`;
    case "too_small": {
      const what = iss.origin === "array" ? "items" : iss.origin === "string" ? "characters" : "";
      return what ? `must have at least ${String(iss.minimum)} ${what}` : `must be ${iss.inclusive === false ? ">" : ">="} ${String(iss.minimum)}`;
    }
    case "too_big": {
      const what = iss.origin === "array" ? "items" : iss.origin === "string" ? "characters" : "";
      return what ? `must have at most ${String(iss.maximum)} ${what}` : `must be ${iss.inclusive === false ? "<" : "<="} ${String(iss.maximum)}`;
    }
    case "invalid_value":
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")} (got ${describe(iss.input)})`;
    case "invalid_key":
      return "invalid key";
    default:
      return undefined;
  }
}

function article(expected: string): string {
  if (expected === "object") return "a map";
  if (expected === "array") return "a list";
  if (expected === "int") return "an integer";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Parses `value` with `schema`, returning the output or the problems (paths relative to the object root, under `prefix`). */
export function parseWithSchema<T>(
  schema: z.ZodType<T>,
  value: unknown,
  prefix: readonly PathSegment[] = [],
): { data: T; problems: [] } | { data: undefined; problems: FieldProblem[] } {
  const knownKeys = new Map<string, string[]>();
  const result = schema.safeParse(value, {
    error: (iss) => {
      if (iss.code === "unrecognized_keys") knownKeys.set(pathKey(iss.path), shapeKeys(iss.inst));
      return messageFor(iss);
    },
  });
  if (result.success) return { data: result.data, problems: [] };
  const problems: FieldProblem[] = [];
  collect(result.error.issues, [...prefix], knownKeys, problems, 0);
  return { data: undefined, problems };
}

function toSegments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((p) => (typeof p === "number" ? p : String(p)));
}

function collect(issues: readonly Issue[], prefix: PathSegment[], known: Map<string, string[]>, out: FieldProblem[], depth: number): void {
  for (const iss of issues) {
    const path = [...prefix, ...toSegments(iss.path)];
    if (iss.code === "unrecognized_keys") {
      const candidates = known.get(pathKey(iss.path)) ?? known.get(pathKey(path.slice(prefix.length))) ?? [];
      for (const key of iss.keys) {
        const hint = closest(key, candidates);
        out.push({ path: [...path, key], message: `unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}`, unknownField: true });
      }
    } else if (iss.code === "invalid_union" && iss.errors.length > 0 && depth < 8) {
      // Report the branch that got furthest (fewest problems) rather than "matches no form".
      const best = [...iss.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      if (best.length === 0) out.push({ path, message: iss.message });
      else collect(best, path, known, out, depth + 1);
    } else {
      out.push({ path, message: iss.message });
    }
  }
}
