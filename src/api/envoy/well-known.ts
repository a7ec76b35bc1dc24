// Conversions of protobuf's well-known types to and from their JSON forms (Duration "1.5s",
// Timestamp RFC 3339), shared by the Envoy JSON encoder, decoder and the validator.
import protobuf from "protobufjs";
import type { SecondsNanos } from "./duration-json.js";

export { durationFromJson, type SecondsNanos } from "./duration-json.js";

export const WRAPPER_TYPES: ReadonlySet<string> = new Set([
  "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
  "google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue",
]);

/** The `long` library's value as protobufjs hands it out (typed here without depending on `long`). */
interface LongLike { low: number; high: number; toNumber(): number; toString(): string }
interface LongClass { isLong(v: unknown): boolean; fromString(text: string, unsigned?: boolean): LongLike }

const LongCtor = protobuf.util.Long as unknown as LongClass | undefined;

function isLong(v: unknown): v is LongLike {
  return LongCtor !== undefined && LongCtor.isLong(v);
}

/** Decimal text → a value the protobufjs writer accepts for 64-bit fields. */
export function int64FromText(text: string, unsigned: boolean): number | LongLike | string {
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  return LongCtor ? LongCtor.fromString(text, unsigned) : text;
}

/** A protobufjs 64-bit value (number, Long or string) as a number when safe, else a decimal string. */
export function int64ToJson(v: unknown): number | string {
  if (typeof v === "number") return v;
  if (typeof v === "string") return /^-?\d+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (isLong(v)) {
    const n = v.toNumber();
    return Number.isSafeInteger(n) ? n : v.toString();
  }
  return String(v);
}

/** A 64-bit value as a JS number (precision loss only beyond 2^53, fine for durations and limits). */
export function int64ToNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") return Number(v);
  if (isLong(v)) return v.toNumber();
  return Number(v);
}

export function secondsNanosOf(m: unknown): SecondsNanos {
  const o = (m ?? {}) as { seconds?: unknown; nanos?: unknown };
  return { seconds: o.seconds === undefined ? 0 : int64ToNumber(o.seconds), nanos: Number(o.nanos ?? 0) };
}

/** Duration message → "1.5s" (as protobuf's JSON mapping writes it). */
export function durationToJson(m: unknown): string {
  const { seconds, nanos } = secondsNanosOf(m);
  const negative = seconds < 0 || nanos < 0;
  const s = Math.abs(seconds);
  const n = Math.abs(nanos);
  let frac = "";
  if (n !== 0) {
    frac = "." + String(n).padStart(9, "0");
    frac = frac.replace(/0{3}$/, "").replace(/0{3}$/, "");
  }
  return `${negative ? "-" : ""}${s}${frac}s`;
}


export function timestampToJson(m: unknown): string {
  const { seconds, nanos } = secondsNanosOf(m);
  const iso = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "");
  const frac = nanos === 0 ? "" : "." + String(nanos).padStart(9, "0").replace(/0+$/, "");
  return `${iso}${frac}Z`;
}

export function timestampFromJson(text: string): SecondsNanos | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m || m[1] === undefined || m[3] === undefined) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return { seconds: Math.floor(ms / 1000), nanos: m[2] ? Number(m[2].padEnd(9, "0")) : 0 };
}

/** Compares two durations: negative, zero or positive like a sort comparator. */
export function compareDurations(a: SecondsNanos, b: SecondsNanos): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos;
}
