// Istio's semantic rules for Telemetry (pkg/config/validation ValidateTelemetry).
import { checkIstioDuration } from "../../schema/index.js";
import { parsePath, renderPath } from "../../decode/index.js";
import type { ValidationContext } from "../../kind.js";
import { validatePolicyTarget } from "../security/policy-target.js";
import { checkCelSyntax } from "./cel-syntax.js";
import type { AccessLogging, Metrics, TelemetrySpec, Tracing } from "./telemetry.js";

function checkProviders(list: readonly { name: string }[] | undefined, path: string, ctx: ValidationContext): void {
  list?.forEach((p, i) => {
    if (p.name === "") ctx.error(`${path}.providers[${i}].name`, "providers.name may not be empty");
  });
}

function validateTracing(t: Tracing, path: string, ctx: ValidationContext): void {
  checkProviders(t.providers, path, ctx);
  if ((t.providers?.length ?? 0) > 1) ctx.warn(`${path}.providers`, "multiple providers is not currently supported");
  for (const [name, tag] of Object.entries(t.customTags ?? {})) {
    const p = renderPath([...parsePath(path), "customTags", name]);
    if (name === "") ctx.error(p, "tag name may not be empty");
    const kinds = (["literal", "environment", "header", "formatter"] as const).filter((k) => tag[k] !== undefined);
    if (kinds.length > 1) {
      ctx.error(p, `exactly one of literal, environment, header or formatter must be set (found ${kinds.join(", ")})`);
      continue;
    }
    if (kinds.length === 0) ctx.warn(p, "custom tag sets none of literal, environment, header or formatter; it is ignored");
    if (tag.literal?.value === "") ctx.error(`${p}.literal.value`, "literal tag value may not be empty");
    if (tag.header?.name === "") ctx.error(`${p}.header.name`, "header tag name may not be empty");
    if (tag.environment?.name === "") ctx.error(`${p}.environment.name`, "environment tag name may not be empty");
    if (tag.formatter?.value === "") ctx.error(`${p}.formatter.value`, "formatter tag value may not be empty");
  }
}

function validateMetrics(m: Metrics, path: string, ctx: ValidationContext): void {
  checkProviders(m.providers, path, ctx);
  if (m.reportingInterval !== undefined) {
    const err = checkIstioDuration(m.reportingInterval);
    if (err) ctx.error(`${path}.reportingInterval`, err);
  }
  m.overrides?.forEach((o, i) => {
    const op = `${path}.overrides[${i}]`;
    if (o.match?.metric !== undefined && o.match.customMetric !== undefined) {
      ctx.error(`${op}.match`, "only one of metric or customMetric may be set");
    }
    if (o.match?.customMetric === "") ctx.error(`${op}.match.customMetric`, "customMetric may not be empty");
    for (const [tag, to] of Object.entries(o.tagOverrides ?? {})) {
      const tp = renderPath([...parsePath(op), "tagOverrides", tag]);
      if (tag === "") ctx.error(tp, "tagOverrides name may not be empty");
      const operation = to.operation ?? "UPSERT";
      if (operation === "UPSERT" && !to.value) ctx.error(`${tp}.value`, "tagOverrides.value must be set when operation is UPSERT");
      if (operation === "REMOVE" && to.value !== undefined) ctx.error(`${tp}.value`, "tagOverrides.value may only be set when operation is UPSERT");
    }
  });
}

function validateAccessLogging(a: AccessLogging, path: string, ctx: ValidationContext): void {
  checkProviders(a.providers, path, ctx);
  if (a.filter !== undefined) {
    const err = checkCelSyntax(a.filter.expression ?? "");
    if (err) ctx.error(`${path}.filter.expression`, `invalid filter expression: ${err}`);
  }
}

export function validateTelemetry(spec: TelemetrySpec, ctx: ValidationContext): void {
  validatePolicyTarget(spec, ctx);
  if ((spec.tracing?.length ?? 0) > 1) ctx.warn("spec.tracing", "multiple tracing is not currently supported");
  spec.tracing?.forEach((t, i) => validateTracing(t, `spec.tracing[${i}]`, ctx));
  spec.metrics?.forEach((m, i) => validateMetrics(m, `spec.metrics[${i}]`, ctx));
  spec.accessLogging?.forEach((a, i) => validateAccessLogging(a, `spec.accessLogging[${i}]`, ctx));
}
