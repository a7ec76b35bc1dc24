// What the route matcher reads from a request. The proxy fills it from its parsed head; the
// control plane's traffic simulator can pass plain objects.

/** Header lookup by lower-case name; repeated headers joined with "," as Envoy does for matching. */
export interface HeaderSource {
  get(name: string): string | undefined;
}

export interface RouteRequest {
  /** Host header / :authority, as received (may carry a port). */
  readonly authority: string;
  /** Path including the query string. */
  readonly path: string;
  readonly method: string;
  readonly headers: HeaderSource | Readonly<Record<string, string | readonly string[] | undefined>>;
  /** "http" or "https"; defaults to "http". */
  readonly scheme?: string;
}

class RecordHeaders implements HeaderSource {
  constructor(private readonly rec: Readonly<Record<string, string | readonly string[] | undefined>>) {}
  get(name: string): string | undefined {
    let v = this.rec[name];
    if (v === undefined) {
      for (const k of Object.keys(this.rec)) if (k.toLowerCase() === name) { v = this.rec[k]; break; }
    }
    if (v === undefined) return undefined;
    return typeof v === "string" ? v : v.join(",");
  }
}

export function headerSource(h: RouteRequest["headers"]): HeaderSource {
  return typeof (h as HeaderSource).get === "function" ? (h as HeaderSource) : new RecordHeaders(h as Record<string, string>);
}

/** Reads a header, answering Envoy's pseudo-headers from the request line. */
export function readHeader(req: RouteRequest, headers: HeaderSource, name: string): string | undefined {
  if (name.charCodeAt(0) === 58 /* : */) {
    switch (name) {
      case ":authority": return req.authority;
      case ":path": return req.path;
      case ":method": return req.method;
      case ":scheme": return req.scheme ?? "http";
      default: return undefined;
    }
  }
  if (name === "host") return req.authority;
  return headers.get(name);
}
