// Trace context on the wire: B3 multi-header (x-b3-*), B3 single (`b3`) and W3C traceparent.
// Incoming context is read in that order of preference; outgoing requests carry both B3
// multi-header and traceparent so either kind of next hop continues the trace.
import { randomBytes } from "node:crypto";
import type { HeaderList } from "../../proxy/http/header-list.js";

export interface TraceContext {
  /** 32 hex (64-bit B3 ids are left-padded). */
  readonly traceId: string;
  /** The caller's span (the parent of ours); "" when starting a trace. */
  readonly parentSpanId: string;
  /** null = no decision carried. */
  readonly sampled: boolean | null;
  readonly debug: boolean;
}

const HEX16 = /^[0-9a-f]{16}$/;
const TRACE_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;
const ZERO = /^0+$/;

function traceId(raw: string): string | null {
  const t = raw.toLowerCase();
  if (!TRACE_ID.test(t) || ZERO.test(t)) return null;
  return t.length === 16 ? `0000000000000000${t}` : t;
}

function spanId(raw: string): string | null {
  const s = raw.toLowerCase();
  return HEX16.test(s) && !ZERO.test(s) ? s : null;
}

function sampledFlag(v: string | undefined): boolean | null {
  if (v === undefined) return null;
  if (v === "1" || v === "true" || v === "d") return true;
  if (v === "0" || v === "false") return false;
  return null;
}

/** B3 single: {traceId}-{spanId}[-{sampling}[-{parentSpanId}]] or just a sampling state. */
function parseB3Single(v: string): TraceContext | null | "decision-only" {
  const parts = v.trim().split("-");
  if (parts.length === 1) return "decision-only";
  const t = traceId(parts[0] ?? "");
  const s = spanId(parts[1] ?? "");
  if (t === null || s === null) return null;
  return { traceId: t, parentSpanId: s, sampled: sampledFlag(parts[2]), debug: parts[2] === "d" };
}

/** traceparent: 00-{32 hex}-{16 hex}-{2 hex flags}. */
function parseTraceparent(v: string): TraceContext | null {
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(v.trim().toLowerCase());
  if (m === null || m[1] === "ff") return null;
  const t = traceId(m[2] as string);
  const s = spanId(m[3] as string);
  if (t === null || s === null) return null;
  return { traceId: t, parentSpanId: s, sampled: (parseInt(m[4] as string, 16) & 1) === 1, debug: false };
}

/** The caller's context from request headers; null when there is none (or it is malformed). */
export function extractContext(h: HeaderList): { ctx: TraceContext | null; sampled: boolean | null } {
  const tid = h.get("x-b3-traceid");
  const sid = h.get("x-b3-spanid");
  const flags = h.get("x-b3-flags");
  const multiSampled = flags === "1" ? true : sampledFlag(h.get("x-b3-sampled"));
  if (tid !== undefined && sid !== undefined) {
    const t = traceId(tid);
    const s = spanId(sid);
    if (t !== null && s !== null) return { ctx: { traceId: t, parentSpanId: s, sampled: multiSampled, debug: flags === "1" }, sampled: multiSampled };
  }
  const single = h.get("b3");
  if (single !== undefined) {
    const c = parseB3Single(single);
    if (c === "decision-only") return { ctx: null, sampled: sampledFlag(single.trim()) };
    if (c !== null) return { ctx: c, sampled: c.sampled };
  }
  const tp = h.get("traceparent");
  if (tp !== undefined) {
    const c = parseTraceparent(tp);
    if (c !== null) return { ctx: c, sampled: c.sampled };
  }
  return { ctx: null, sampled: multiSampled };
}

export function newTraceId(): string {
  return randomBytes(16).toString("hex");
}

export function newSpanId(): string {
  let s = randomBytes(8).toString("hex");
  while (ZERO.test(s)) s = randomBytes(8).toString("hex");
  return s;
}

/** Replaces the request's trace headers with our span as the parent of the next hop. */
export function injectContext(h: HeaderList, traceIdHex: string, spanIdHex: string, parentSpanId: string, sampled: boolean): void {
  h.remove("b3");
  h.set("x-b3-traceid", traceIdHex);
  h.set("x-b3-spanid", spanIdHex);
  if (parentSpanId !== "") h.set("x-b3-parentspanid", parentSpanId); else h.remove("x-b3-parentspanid");
  h.set("x-b3-sampled", sampled ? "1" : "0");
  h.remove("x-b3-flags");
  h.set("traceparent", `00-${traceIdHex}-${spanIdHex}-${sampled ? "01" : "00"}`);
}
