// Reads protoc-gen-validate's `(validate.rules)` options from protobufjs reflection objects and
// checks single values against them. Rule kinds not covered here are accepted (never guessed).
import type protobuf from "protobufjs";
import { compareDurations, int64ToNumber, secondsNanosOf, durationToJson, type SecondsNanos } from "./well-known.js";

export type Rules = Record<string, unknown>;

const rulesCache = new WeakMap<protobuf.Field, Rules | null>();

function setDotted(target: Rules, dotted: string[], value: unknown): void {
  let cur = target;
  for (let i = 0; i < dotted.length - 1; i++) {
    const k = dotted[i] as string;
    const next = cur[k];
    if (next === null || typeof next !== "object") cur[k] = {};
    cur = cur[k] as Rules;
  }
  const last = dotted[dotted.length - 1];
  if (last !== undefined) cur[last] = value;
}

function merge(target: Rules, src: Rules): void {
  for (const [k, v] of Object.entries(src)) {
    const cur = target[k];
    if (v !== null && typeof v === "object" && !Array.isArray(v) && cur !== null && typeof cur === "object" && !Array.isArray(cur)) merge(cur as Rules, v as Rules);
    else target[k] = v;
  }
}

/** The field's `(validate.rules)` as one nested object, or null when it has none. */
export function fieldRules(field: protobuf.Field): Rules | null {
  const cached = rulesCache.get(field);
  if (cached !== undefined) return cached;
  const rules: Rules = {};
  let any = false;
  for (const opt of (field.parsedOptions ?? []) as Record<string, unknown>[]) {
    for (const [key, value] of Object.entries(opt)) {
      if (key === "(validate.rules)" && value !== null && typeof value === "object") {
        merge(rules, value as Rules);
        any = true;
      } else if (key.startsWith("(validate.rules).")) {
        setDotted(rules, key.slice("(validate.rules).".length).split("."), value);
        any = true;
      }
    }
  }
  const out = any ? rules : null;
  rulesCache.set(field, out);
  return out;
}

/** True when the oneof carries `(validate.required) = true`. */
export function oneofRequired(oneof: protobuf.OneOf): boolean {
  for (const opt of (oneof.parsedOptions ?? []) as Record<string, unknown>[]) if (opt["(validate.required)"] === true) return true;
  return oneof.options?.["(validate.required)"] === true;
}

function num(v: unknown): number {
  return int64ToNumber(v);
}

/** Checks a number against {const, lt, lte, gt, gte, in, not_in}; returns a problem or undefined. */
export function checkNumber(r: Rules, value: number): string | undefined {
  const has = (k: string): boolean => r[k] !== undefined;
  if (has("const") && value !== num(r.const)) return `value must equal ${num(r.const)}`;
  const lo = has("gt") ? { v: num(r.gt), strict: true } : has("gte") ? { v: num(r.gte), strict: false } : undefined;
  const hi = has("lt") ? { v: num(r.lt), strict: true } : has("lte") ? { v: num(r.lte), strict: false } : undefined;
  const okLo = !lo || (lo.strict ? value > lo.v : value >= lo.v);
  const okHi = !hi || (hi.strict ? value < hi.v : value <= hi.v);
  if (lo && hi && (!okLo || !okHi)) {
    return `value must be inside range ${lo.strict ? "(" : "["}${lo.v}, ${hi.v}${hi.strict ? ")" : "]"}`;
  }
  if (!okLo && lo) return `value must be greater than ${lo.strict ? "" : "or equal to "}${lo.v}`;
  if (!okHi && hi) return `value must be less than ${hi.strict ? "" : "or equal to "}${hi.v}`;
  if (Array.isArray(r.in) && r.in.length > 0 && !r.in.map(num).includes(value)) return `value must be in list [${r.in.map(num).join(", ")}]`;
  if (Array.isArray(r.not_in) && r.not_in.map(num).includes(value)) return `value must not be in list [${r.not_in.map(num).join(", ")}]`;
  return undefined;
}

export function checkDuration(r: Rules, d: SecondsNanos): string | undefined {
  const cmp = (k: string): number | undefined => (r[k] === undefined ? undefined : compareDurations(d, secondsNanosOf(r[k])));
  const show = (k: string): string => durationToJson(r[k]);
  const c = cmp("const");
  if (c !== undefined && c !== 0) return `value must equal ${show("const")}`;
  const lt = cmp("lt"), lte = cmp("lte"), gt = cmp("gt"), gte = cmp("gte");
  if (gt !== undefined && gt <= 0) return `value must be greater than ${show("gt")}`;
  if (gte !== undefined && gte < 0) return `value must be greater than or equal to ${show("gte")}`;
  if (lt !== undefined && lt >= 0) return `value must be less than ${show("lt")}`;
  if (lte !== undefined && lte > 0) return `value must be less than or equal to ${show("lte")}`;
  return undefined;
}

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
// Control characters are built with String.fromCharCode so the patterns stay readable for lint.
const CTL = (from: number, to: number): string => String.fromCharCode(from) + "-" + String.fromCharCode(to);
const HEADER_VALUE_STRICT = new RegExp(`^[^${CTL(0, 8)}${CTL(10, 31)}\x7f]*$`);
const HEADER_LOOSE = new RegExp(`^[^${String.fromCharCode(0)}\n\r]*$`);
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function checkString(r: Rules, value: string): string | undefined {
  const chars = [...value].length;
  const bytes = Buffer.byteLength(value);
  if (r.const !== undefined && value !== r.const) return `value must equal ${JSON.stringify(r.const)}`;
  if (r.len !== undefined && chars !== num(r.len)) return `value length must be ${num(r.len)} runes`;
  if (r.min_len !== undefined && chars < num(r.min_len)) return `value length must be at least ${num(r.min_len)} runes`;
  if (r.max_len !== undefined && chars > num(r.max_len)) return `value length must be at most ${num(r.max_len)} runes`;
  if (r.min_bytes !== undefined && bytes < num(r.min_bytes)) return `value length must be at least ${num(r.min_bytes)} bytes`;
  if (r.max_bytes !== undefined && bytes > num(r.max_bytes)) return `value length must be at most ${num(r.max_bytes)} bytes`;
  if (typeof r.prefix === "string" && !value.startsWith(r.prefix)) return `value does not have prefix ${JSON.stringify(r.prefix)}`;
  if (typeof r.suffix === "string" && !value.endsWith(r.suffix)) return `value does not have suffix ${JSON.stringify(r.suffix)}`;
  if (typeof r.contains === "string" && !value.includes(r.contains)) return `value does not contain substring ${JSON.stringify(r.contains)}`;
  if (Array.isArray(r.in) && r.in.length > 0 && !r.in.includes(value)) return `value must be in list [${r.in.join(", ")}]`;
  if (Array.isArray(r.not_in) && r.not_in.includes(value)) return `value must not be in list [${r.not_in.join(", ")}]`;
  if (typeof r.pattern === "string") {
    let re: RegExp | undefined;
    try { re = new RegExp(r.pattern, "u"); } catch { re = undefined; }
    if (re && !re.test(value)) return `value does not match regex pattern ${JSON.stringify(r.pattern)}`;
  }
  const strict = r.strict !== false;
  if (r.well_known_regex === "HTTP_HEADER_NAME" && !(strict ? HEADER_NAME_STRICT : HEADER_LOOSE).test(value)) return "value does not match regex pattern for HTTP header name";
  if (r.well_known_regex === "HTTP_HEADER_VALUE" && !(strict ? HEADER_VALUE_STRICT : HEADER_LOOSE).test(value)) return "value does not match regex pattern for HTTP header value";
  if (r.hostname === true && !HOSTNAME.test(value)) return "value must be a valid hostname";
  if (r.address === true && !HOSTNAME.test(value) && !isIp(value)) return "value must be a valid hostname or IP address";
  if ((r.ip === true && !isIp(value)) || (r.ipv4 === true && !isIpv4(value)) || (r.ipv6 === true && !value.includes(":"))) return "value must be a valid IP address";
  return undefined;
}

function isIpv4(v: string): boolean {
  const parts = v.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIp(v: string): boolean {
  return isIpv4(v) || (/^[0-9a-fA-F:.]+$/.test(v) && v.includes(":"));
}
