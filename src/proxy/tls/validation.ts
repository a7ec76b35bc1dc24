// CertificateValidationContext: trusted CA and subject-alt-name matching (URI SANs carry SPIFFE IDs).
import type { EnvoyJson } from "../contracts.js";
import { invalid, optObjects, optString } from "../listener/envoy-fields.js";
import { compileStringMatcher, readDataSource, type StringMatch } from "./data-source.js";

export type SanType = "URI" | "DNS" | "EMAIL" | "IP_ADDRESS" | "ANY";

export interface SanMatcher {
  readonly type: SanType;
  readonly match: StringMatch;
  /** The exact value, when the matcher is `exact` (for upstream secure naming lists). */
  readonly exact?: string;
}

export interface CompiledValidation {
  readonly trustedCa?: string;
  readonly sanMatchers: readonly SanMatcher[];
}

const SAN_TYPES: readonly SanType[] = ["URI", "DNS", "EMAIL", "IP_ADDRESS"];

export function compileValidation(v: EnvoyJson, field: string): CompiledValidation {
  const trustedCa = v.trusted_ca === undefined ? undefined : readDataSource(v.trusted_ca, `${field}.trusted_ca`);
  if (trustedCa !== undefined && !trustedCa.includes("-----BEGIN CERTIFICATE-----")) {
    throw invalid(`${field}.trusted_ca`, "holds no PEM certificate");
  }
  const sanMatchers: SanMatcher[] = [];
  optObjects(v, "match_subject_alt_names", field).forEach((m, i) => {
    sanMatchers.push({ type: "ANY", match: compileStringMatcher(m, `${field}.match_subject_alt_names[${i}]`), ...exactOf(m) });
  });
  optObjects(v, "match_typed_subject_alt_names", field).forEach((m, i) => {
    const f = `${field}.match_typed_subject_alt_names[${i}]`;
    const t = optString(m, "san_type", f);
    if (t === undefined || !(SAN_TYPES as readonly string[]).includes(t)) throw invalid(`${f}.san_type`, `must be one of ${SAN_TYPES.join(", ")}`);
    const matcher = m.matcher;
    if (typeof matcher !== "object" || matcher === null) throw invalid(`${f}.matcher`, "is required");
    sanMatchers.push({ type: t as SanType, match: compileStringMatcher(matcher as EnvoyJson, `${f}.matcher`), ...exactOf(matcher as EnvoyJson) });
  });
  return { ...(trustedCa !== undefined ? { trustedCa } : {}), sanMatchers };
}

function exactOf(m: EnvoyJson): { exact?: string } {
  return typeof m.exact === "string" ? { exact: m.exact } : {};
}

/** Merges a default validation context with an SDS one (combined_validation_context). */
export function mergeValidation(a: CompiledValidation | undefined, b: CompiledValidation | undefined): CompiledValidation | undefined {
  if (!a) return b;
  if (!b) return a;
  const trustedCa = b.trustedCa ?? a.trustedCa;
  return { ...(trustedCa !== undefined ? { trustedCa } : {}), sanMatchers: [...a.sanMatchers, ...b.sanMatchers] };
}

/** Parses Node's `subjectaltname` ("DNS:a, URI:spiffe://x") into typed entries. */
export function parseSubjectAltNames(san: string | undefined): { type: SanType; value: string }[] {
  if (!san) return [];
  const out: { type: SanType; value: string }[] = [];
  for (const part of san.split(/,\s*/)) {
    const i = part.indexOf(":");
    if (i < 0) continue;
    const k = part.slice(0, i);
    const value = part.slice(i + 1);
    const type: SanType = k === "URI" ? "URI" : k === "DNS" ? "DNS" : k === "email" ? "EMAIL" : k === "IP Address" ? "IP_ADDRESS" : "ANY";
    out.push({ type, value });
  }
  return out;
}

/** True when no matcher is configured or any SAN of the peer matches any matcher. */
export function sansMatch(v: CompiledValidation | undefined, sans: { type: SanType; value: string }[]): boolean {
  if (!v || v.sanMatchers.length === 0) return true;
  return v.sanMatchers.some((m) => sans.some((s) => (m.type === "ANY" || m.type === s.type) && m.match(s.value)));
}
