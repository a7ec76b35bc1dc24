// Envoy's substitution format strings (%COMMAND(arg)?:len%) compiled once into a list of parts,
// for text lines and for JSON maps. Unknown commands are rejected at config time with the
// field named; values that are not known for a request print as "-" (null in JSON) as in Envoy.
import { MizzenError } from "../../errors.js";
import type { AccessLogEntry } from "./log-entry.js";

type Getter = (e: AccessLogEntry) => string | number | null;
type Part = string | Getter;

function headerGetter(arg: string, response: boolean): Getter {
  const [main, alt] = arg.toLowerCase().split("?") as [string, string | undefined];
  const pick = (e: AccessLogEntry, name: string): string | undefined => {
    const r = e.record;
    if (!response) {
      if (name === ":method") return r.method;
      if (name === ":path") return r.path;
      if (name === ":authority" || name === "host") return r.authority;
      if (name === "x-request-id" && r.requestId !== "") return r.requestId;
      return e.requestHeaders?.get(name);
    }
    return e.responseHeaders?.get(name);
  };
  return (e) => pick(e, main) ?? (alt === undefined ? undefined : pick(e, alt)) ?? null;
}

function addrPort(a: string): string {
  return a === "" ? "" : a;
}

const COMMANDS: Record<string, Getter> = {
  START_TIME: (e) => new Date(e.record.startTime).toISOString(),
  PROTOCOL: (e) => e.record.protocol,
  RESPONSE_CODE: (e) => e.record.status,
  RESPONSE_FLAGS: (e) => e.record.flagString(),
  RESPONSE_CODE_DETAILS: (e) => e.record.details === "" ? (e.record.status > 0 && e.record.upstreamHost !== "" ? "via_upstream" : null) : e.record.details.replace(/\s+/g, "_"),
  CONNECTION_TERMINATION_DETAILS: () => null,
  UPSTREAM_TRANSPORT_FAILURE_REASON: () => null,
  BYTES_RECEIVED: (e) => e.record.bytesReceived,
  BYTES_SENT: (e) => e.record.bytesSent,
  DURATION: (e) => Math.round(e.record.durationMs),
  UPSTREAM_HOST: (e) => e.record.upstreamHost || null,
  UPSTREAM_CLUSTER: (e) => e.record.cluster || null,
  UPSTREAM_CLUSTER_RAW: (e) => e.record.cluster || null,
  UPSTREAM_LOCAL_ADDRESS: () => null,
  DOWNSTREAM_LOCAL_ADDRESS: () => null,
  DOWNSTREAM_REMOTE_ADDRESS: (e) => addrPort(e.record.downstreamRemoteAddress) || null,
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (e) => e.record.downstreamRemoteAddress.replace(/:\d+$/, "") || null,
  REQUESTED_SERVER_NAME: () => null,
  ROUTE_NAME: (e) => e.record.routeName || null,
  UPSTREAM_REQUEST_ATTEMPT_COUNT: (e) => e.record.attempts,
  REQUEST_DURATION: (e) => Math.round(e.record.durationMs),
  RESPONSE_DURATION: (e) => Math.round(e.record.durationMs),
};

const OPERATOR = /%([A-Z_]+)(?:\(([^)]*)\))?(?::(\d+))?%/g;

function compileParts(format: string, field: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of format.matchAll(OPERATOR)) {
    const at = m.index ?? 0;
    if (at > last) parts.push(format.slice(last, at));
    last = at + m[0].length;
    const cmd = m[1] as string;
    const arg = m[2];
    const max = m[3] === undefined ? 0 : Number(m[3]);
    let g: Getter | undefined;
    if (cmd === "REQ" || cmd === "RESP") {
      if (arg === undefined || arg === "") throw new MizzenError("MIZZEN_ERR_XDS_INVALID", `${field}: %${cmd}% needs a header name`);
      g = headerGetter(arg, cmd === "RESP");
    } else if (cmd === "REQ_WITHOUT_QUERY" && arg !== undefined) {
      const inner = headerGetter(arg, false);
      g = (e) => { const v = inner(e); return typeof v === "string" ? v.split("?")[0] ?? v : v; };
    } else g = COMMANDS[cmd];
    if (g === undefined) throw new MizzenError("MIZZEN_ERR_XDS_INVALID", `${field}: unsupported command operator %${cmd}%`);
    if (max > 0) {
      const base = g;
      g = (e) => { const v = base(e); return typeof v === "string" ? v.slice(0, max) : v; };
    }
    parts.push(g);
  }
  if (last < format.length) parts.push(format.slice(last));
  return parts;
}

export type CompiledTextFormat = (e: AccessLogEntry) => string;

export function compileTextFormat(format: string, field: string): CompiledTextFormat {
  const parts = compileParts(format, field);
  return (e) => {
    let s = "";
    for (const p of parts) {
      if (typeof p === "string") s += p;
      else { const v = p(e); s += v === null || v === "" ? "-" : String(v); }
    }
    return s;
  };
}

/** json_format: each value is a format string; a value that is a single operator keeps its type. */
export function compileJsonFormat(format: Readonly<Record<string, unknown>>, field: string): CompiledTextFormat {
  const fields: [string, Part[]][] = Object.entries(format).map(([k, v]) => [k, compileParts(String(v), `${field}.${k}`)]);
  return (e) => {
    const o: Record<string, string | number | null> = {};
    for (const [k, parts] of fields) {
      if (parts.length === 1 && typeof parts[0] === "function") { o[k] = parts[0](e); continue; }
      let s = "";
      for (const p of parts) s += typeof p === "string" ? p : String(p(e) ?? "-");
      o[k] = s;
    }
    return `${JSON.stringify(o)}\n`;
  };
}
