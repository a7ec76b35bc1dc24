// Kubernetes reads a field set to null (`rollingUpdate:` with nothing after it, common in
// `kubectl get -o yaml` output and Istio's samples) as unset. Object fields that are null are
// dropped before the schema runs; null list items are kept, so they are still reported.
import { z } from "zod";

function dropNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNullFields);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null) out[k] = dropNullFields(v);
  }
  return out;
}

/** The schema, run over its input with null object fields removed. */
export function nullFieldsAsUnset<T extends z.ZodType>(schema: T) {
  return z.preprocess(dropNullFields, schema);
}
