// A small evaluator for the CEL expressions Istio users put in access log filters
// (`response.code >= 400`, `request.headers['x'] == 'y'`, `&&`, `||`, `!`, parentheses,
// `.startsWith()/.endsWith()/.contains()`), compiled once. Attributes as Envoy names them:
// request.method/path/url_path/host/protocol/headers[...], response.code/code_details/headers[...],
// upstream.address, xds.cluster_name. An attribute that is absent makes a comparison false.
import { MizzenError } from "../../errors.js";
import type { AccessLogEntry } from "./log-entry.js";

type Value = string | number | boolean | null;
type Eval = (e: AccessLogEntry) => Value;

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(&&|\|\||==|!=|>=|<=|[<>!()[\].,])|([A-Za-z_][A-Za-z0-9_]*))/y;

interface Tok { kind: "num" | "str" | "op" | "id"; text: string }

function tokenize(src: string, field: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (m === null) throw new MizzenError("MIZZEN_ERR_CEL", `${field}: cannot parse CEL at offset ${at}: ${JSON.stringify(src.slice(at, at + 20))}`);
    if (m[1] !== undefined) out.push({ kind: "num", text: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ kind: "str", text: (m[2] ?? m[3] ?? "").replace(/\\(.)/g, "$1") });
    else if (m[4] !== undefined) out.push({ kind: "op", text: m[4] });
    else out.push({ kind: "id", text: m[5] as string });
  }
  return out;
}

function attribute(path: string[], field: string): Eval {
  const key = path.join(".");
  const hdr = (path[0] === "request" || path[0] === "response") && path[1] === "headers" && path.length === 3 ? (path[2] as string).toLowerCase() : null;
  if (hdr !== null) {
    if (path[0] === "request") {
      return (e) => {
        if (hdr === ":method") return e.record.method;
        if (hdr === ":path") return e.record.path;
        if (hdr === ":authority" || hdr === "host") return e.record.authority;
        return e.requestHeaders?.get(hdr) ?? null;
      };
    }
    return (e) => e.responseHeaders?.get(hdr) ?? null;
  }
  switch (key) {
    case "response.code": return (e) => e.record.status;
    case "response.code_details": return (e) => e.record.details;
    case "response.flags_string": return (e) => e.record.flagString();
    case "request.method": return (e) => e.record.method;
    case "request.path": return (e) => e.record.path;
    case "request.url_path": return (e) => e.record.path.split("?")[0] ?? "";
    case "request.host": return (e) => e.record.authority;
    case "request.protocol": return (e) => e.record.protocol;
    case "request.id": return (e) => e.record.requestId;
    case "upstream.address": return (e) => e.record.upstreamHost || null;
    case "xds.cluster_name": return (e) => e.record.cluster || null;
    case "xds.route_name": return (e) => e.record.routeName || null;
    default: throw new MizzenError("MIZZEN_ERR_CEL", `${field}: unsupported attribute ${key}`);
  }
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[], private readonly field: string) {}

  private peek(): Tok | undefined { return this.toks[this.i]; }
  private take(): Tok {
    const t = this.toks[this.i++];
    if (t === undefined) throw this.err("unexpected end of expression");
    return t;
  }
  private accept(op: string): boolean {
    const t = this.peek();
    if (t?.kind === "op" && t.text === op) { this.i++; return true; }
    return false;
  }
  private expect(op: string): void {
    if (!this.accept(op)) throw this.err(`expected "${op}"`);
  }
  private err(why: string): MizzenError {
    return new MizzenError("MIZZEN_ERR_CEL", `${this.field}: ${why} at token ${this.i}`);
  }

  parse(): Eval {
    const e = this.or();
    if (this.i !== this.toks.length) throw this.err("unexpected trailing input");
    return e;
  }

  private or(): Eval {
    let l = this.and();
    while (this.accept("||")) { const a = l; const b = this.and(); l = (x) => a(x) === true || b(x) === true; }
    return l;
  }

  private and(): Eval {
    let l = this.cmp();
    while (this.accept("&&")) { const a = l; const b = this.cmp(); l = (x) => a(x) === true && b(x) === true; }
    return l;
  }

  private cmp(): Eval {
    const l = this.unary();
    const t = this.peek();
    if (t?.kind !== "op" || !["==", "!=", ">=", "<=", ">", "<"].includes(t.text)) return l;
    this.i++;
    const r = this.unary();
    const op = t.text;
    return (x) => {
      const a = l(x);
      const b = r(x);
      if (a === null || b === null) return op === "!=" ? a !== b : false;
      switch (op) {
        case "==": return a === b;
        case "!=": return a !== b;
        case ">=": return a >= b;
        case "<=": return a <= b;
        case ">": return a > b;
        default: return a < b;
      }
    };
  }

  private unary(): Eval {
    if (this.accept("!")) { const e = this.unary(); return (x) => e(x) !== true; }
    return this.postfix(this.primary());
  }

  private postfix(base: Eval): Eval {
    let e = base;
    while (this.accept(".")) {
      const m = this.take();
      if (m.kind !== "id" || !["startsWith", "endsWith", "contains"].includes(m.text)) throw this.err(`unsupported method ${m.text}`);
      this.expect("(");
      const arg = this.or();
      this.expect(")");
      const target = e;
      const name = m.text;
      e = (x) => {
        const s = target(x);
        const a = arg(x);
        if (typeof s !== "string" || typeof a !== "string") return false;
        return name === "startsWith" ? s.startsWith(a) : name === "endsWith" ? s.endsWith(a) : s.includes(a);
      };
    }
    return e;
  }

  private primary(): Eval {
    if (this.accept("(")) { const e = this.or(); this.expect(")"); return e; }
    const t = this.take();
    if (t.kind === "num") { const n = Number(t.text); return () => n; }
    if (t.kind === "str") { const s = t.text; return () => s; }
    if (t.kind === "id") {
      if (t.text === "true" || t.text === "false") { const b = t.text === "true"; return () => b; }
      if (t.text === "null") return () => null;
      const path = [t.text];
      for (;;) {
        const next = this.peek();
        const after = this.toks[this.i + 1];
        if (next?.kind === "op" && next.text === "." && after?.kind === "id" && !["startsWith", "endsWith", "contains"].includes(after.text)) {
          this.i += 2;
          path.push(after.text);
        } else if (this.accept("[")) {
          const k = this.take();
          if (k.kind !== "str") throw this.err("expected a string key");
          this.expect("]");
          path.push(k.text);
        } else break;
      }
      return attribute(path, this.field);
    }
    throw this.err(`unexpected "${t.text}"`);
  }
}

export type CelPredicate = (e: AccessLogEntry) => boolean;

/** Compiles a filter expression; throws MizzenError (MIZZEN_ERR_CEL) naming `field` when unsupported. */
export function compileCelFilter(expr: string, field = "expression"): CelPredicate {
  const ev = new Parser(tokenize(expr, field), field).parse();
  return (e) => ev(e) === true;
}
