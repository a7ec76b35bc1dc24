// Zod building blocks shared by every kind: strict objects, numbers with Istio's ranges,
// durations, label maps, string matches, selectors, exportTo.
import { z } from "zod";
import { checkDurationSyntax } from "./duration.js";
import { checkDns1123Label, checkLabelKey, checkLabelValue } from "./names.js";
import { checkRe2 } from "./regex.js";

/** An object whose unknown fields are errors (the decoder turns them into "did you mean …?"). */
export const strict = z.strictObject;

/** A TCP/UDP port number. */
export const portNumber = z.number().int("must be an integer").min(1, "port must be between 1 and 65535").max(65535, "port must be between 1 and 65535");

/** A whole number >= 0 (protobuf uint32/int32 fields that must not be negative). */
export const uint32 = z.number().int("must be an integer").min(0, "must be >= 0").max(4294967295, "must be <= 4294967295");
export const int32 = z.number().int("must be an integer").min(-2147483648).max(2147483647);

/** A percentage 0..100 (Istio's Percent.value, a double). */
export const percent = z.number().min(0, "percentage must be between 0 and 100").max(100, "percentage must be between 0 and 100");

/** Istio's `Percent` message: `{ value: 0..100 }`. */
export const percentMessage = strict({ value: percent.optional() });

/** A duration string ("10s", "0.5s", "100ms", "5m"); minimums are checked in validate(). */
export const duration = z.string().superRefine((v, ctx) => {
  const err = checkDurationSyntax(v);
  if (err) ctx.addIssue({ code: "custom", message: err });
});

/** Protobuf wrappers (BoolValue, UInt32Value) are plain values in JSON/YAML. */
export const boolValue = z.boolean();

/** A string→string map whose keys and values follow Kubernetes label syntax. */
export const labelMap = z.record(z.string(), z.string()).superRefine((m, ctx) => {
  for (const [k, v] of Object.entries(m)) {
    const keyErr = checkLabelKey(k);
    if (keyErr) ctx.addIssue({ code: "custom", path: [k], message: keyErr });
    const valueErr = checkLabelValue(v);
    if (valueErr) ctx.addIssue({ code: "custom", path: [k], message: valueErr });
  }
});

/** A plain string→string map (annotations, headers to set). */
export const stringMap = z.record(z.string(), z.string());

/** A regex field: checked for RE2 compatibility. */
export const re2 = z.string().superRefine((v, ctx) => {
  const err = checkRe2(v);
  if (err) ctx.addIssue({ code: "custom", message: err });
});

/** Istio's StringMatch oneof: at most one of exact, prefix, regex (empty means "present"). */
export const stringMatch = strict({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  regex: re2.optional(),
}).superRefine((m, ctx) => {
  const set = (["exact", "prefix", "regex"] as const).filter((k) => m[k] !== undefined);
  if (set.length > 1) ctx.addIssue({ code: "custom", message: `only one of exact, prefix or regex may be set (found ${set.join(", ")})` });
});
export type StringMatch = z.infer<typeof stringMatch>;

/** Sidecar/Gateway style selector: `{ labels: {...} }` (Istio WorkloadSelector in networking). */
export const workloadLabelsSelector = strict({ labels: labelMap.optional() });

/** Security/telemetry style selector: `{ matchLabels: {...} }` (istio.type.v1beta1.WorkloadSelector). */
export const workloadSelector = strict({ matchLabels: labelMap.optional() });

/** Kubernetes-style label selector with matchLabels and matchExpressions. */
export const labelSelector = strict({
  matchLabels: labelMap.optional(),
  matchExpressions: z
    .array(
      strict({
        key: z.string(),
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

/** A namespace name (DNS-1123 label). */
export const namespaceName = z.string().superRefine((v, ctx) => {
  const err = checkDns1123Label(v);
  if (err) ctx.addIssue({ code: "custom", message: err });
});

/**
 * Istio's exportTo rules: "." (this namespace), "*" (all), "~" (none) or a namespace name;
 * no duplicates, and "*" or "~" only alone. Returns one message per problem.
 */
export function checkExportTo(values: readonly string[], allowNone = true): { index: number | undefined; message: string }[] {
  const out: { index: number | undefined; message: string }[] = [];
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) out.push({ index: i, message: `duplicate exportTo value "${v}"` });
    seen.add(v);
    if (v === "." || v === "*" || (v === "~" && allowNone)) return;
    if (v === "~") {
      out.push({ index: i, message: 'exportTo "~" (visible to no namespace) is only allowed for ServiceEntry' });
      return;
    }
    const err = checkDns1123Label(v);
    if (err) out.push({ index: i, message: `exportTo value ${err.replace(/^"[^"]*" /, `"${v}" `)}` });
  });
  if (values.length > 1 && seen.has("*")) out.push({ index: undefined, message: 'exportTo "*" must not be combined with other values' });
  if (values.length > 1 && seen.has("~")) out.push({ index: undefined, message: 'exportTo "~" must not be combined with other values' });
  return out;
}

/** Port protocols Istio understands (case-insensitive, protocol.Parse). */
export const knownProtocols = ["HTTP", "HTTPS", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB", "TCP", "TLS", "UDP", "MONGO", "REDIS", "MYSQL"] as const;

export function checkProtocol(p: string): string | undefined {
  return knownProtocols.includes(p.toUpperCase() as (typeof knownProtocols)[number])
    ? undefined
    : `unrecognized protocol "${p}": expected one of ${knownProtocols.join(", ")}`;
}

/** Istio port names: optional protocol prefix, DNS-1123-label-ish (Istio: a DNS-1123 label, upper case allowed). */
export function checkPortName(name: string): string | undefined {
  if (name.length === 0) return "port name must not be empty";
  if (name.length > 63 || !/^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(name)) return `invalid port name "${name}"`;
  return undefined;
}
