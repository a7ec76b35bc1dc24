// When a document fails its schema, its semantic checks would otherwise never run, and a user
// fixing one error would only then learn of the next. Salvage removes the offending fields (a
// copy; object keys only, so list indexes in later messages stay true) and tries the schema again,
// so the semantic checks can report on the rest of the document in the same run.
import type { z } from "zod";
import type { PathSegment } from "./field-path.js";
import type { FieldProblem } from "./metadata.js";
import { parseWithSchema } from "./zod-issues.js";

const MAX_ROUNDS = 3;

function withoutPaths(value: unknown, paths: readonly (readonly PathSegment[])[]): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const path of paths) {
    let node: unknown = copy;
    for (let i = 0; i < path.length - 1 && node !== undefined; i++) {
      node = typeof node === "object" && node !== null ? (node as Record<string | number, unknown>)[path[i] as string | number] : undefined;
    }
    const last = path[path.length - 1];
    if (typeof node === "object" && node !== null && !Array.isArray(node) && typeof last === "string") {
      delete (node as Record<string, unknown>)[last];
    }
  }
  return copy;
}

/**
 * Returns the body with the problem fields removed, parsed by the schema, or undefined when the
 * problems cannot be cut out (a list item or the whole body is wrong, or a required field was hit).
 */
export function salvage<T>(
  schema: z.ZodType<T>,
  body: unknown,
  problems: readonly FieldProblem[],
): { data: T; removed: PathSegment[][] } | undefined {
  let current = body;
  let pending = problems;
  const removed: PathSegment[][] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (pending.some((p) => typeof p.path[p.path.length - 1] !== "string")) return undefined;
    current = withoutPaths(current, pending.map((p) => p.path));
    for (const p of pending) removed.push([...p.path]);
    const parsed = parseWithSchema(schema, current);
    if (parsed.data !== undefined) return { data: parsed.data, removed };
    // A removed field was required (its absence is now the problem): give up rather than guess.
    if (parsed.problems.some((p) => p.message === "is required")) return undefined;
    pending = parsed.problems;
  }
  return undefined;
}

/** True when `path` is `removed` or one of its ancestors: a check there only echoes the cut. */
export function coversRemoved(path: readonly PathSegment[], removed: readonly (readonly PathSegment[])[]): boolean {
  return removed.some((r) => path.length <= r.length && path.every((seg, i) => seg === r[i]));
}
