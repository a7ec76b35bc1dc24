// What every reader of Envoy JSON in the proxy shares: the error for a bad field and the
// Duration reader. Resources reach the proxy checked against Envoy's protos (the bootstrap
// checker, the xDS client), so these throw only for what that check cannot see or for callers
// that compile JSON directly; each error names the field.
import { MizzenError } from "../errors.js";
import { durationFromJson } from "../api/envoy/duration-json.js";
import type { EnvoyJson } from "./contracts.js";
import { timerMs } from "./timer-limit.js";

export const XDS_INVALID = "MIZZEN_ERR_XDS_INVALID";

export function invalid(field: string, why: string): MizzenError {
  return new MizzenError(XDS_INVALID, `${field}: ${why}`);
}

export function isObject(v: unknown): v is EnvoyJson {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A whole number, as a number or as the decimal text a 64-bit JSON field may hold; NaN otherwise. */
function wholeNumber(v: unknown): number {
  if (typeof v === "number") return Number.isInteger(v) ? v : NaN;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  return NaN;
}

/**
 * A google.protobuf.Duration in milliseconds: its JSON text ("1.5s") or a { seconds, nanos }
 * object; undefined when absent. Negative durations are refused (Envoy's fields allow none), and
 * the value is capped at what Node's timers hold (timer-limit.ts).
 */
export function durationMs(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  let ms: number;
  if (typeof v === "string") {
    const d = durationFromJson(v);
    if (d === undefined) throw invalid(field, `bad duration ${JSON.stringify(v)} (want e.g. "1.5s")`);
    if (d.seconds < 0 || d.nanos < 0) throw invalid(field, "duration must not be negative");
    ms = Math.abs(d.seconds) * 1000 + Math.abs(d.nanos) / 1e6; // "-0s" reads as 0, not -0
  } else if (isObject(v)) {
    const seconds = v["seconds"] === undefined ? 0 : wholeNumber(v["seconds"]);
    const nanos = v["nanos"] === undefined ? 0 : wholeNumber(v["nanos"]);
    if (Number.isNaN(seconds) || Number.isNaN(nanos) || nanos > 999_999_999) throw invalid(field, "must be a duration ({ seconds, nanos } with whole numbers)");
    if (seconds < 0 || nanos < 0) throw invalid(field, "duration must not be negative");
    ms = seconds * 1000 + nanos / 1e6;
  } else {
    throw invalid(field, `must be a duration like "1.5s"`);
  }
  return timerMs(ms);
}
