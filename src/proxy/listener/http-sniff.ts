// The HTTP inspector: tells HTTP/1.x from the HTTP/2 prior-knowledge preface ("h2c").
export const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const MAX_REQUEST_LINE = 8 * 1024;

export type HttpSniffResult = { kind: "more" } | { kind: "none" } | { kind: "http"; protocol: "http/1.0" | "http/1.1" | "h2c" };

export function sniffHttp(buf: Buffer): HttpSniffResult {
  if (buf.length === 0) return { kind: "more" };
  const n = Math.min(buf.length, H2_PREFACE.length);
  if (buf.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) {
    return n === H2_PREFACE.length ? { kind: "http", protocol: "h2c" } : { kind: "more" };
  }
  const eol = buf.indexOf("\r\n");
  if (eol < 0) {
    // Keep reading only while the bytes can still be a request line.
    if (buf.length > MAX_REQUEST_LINE || !/^[A-Z]*( [\x21-\x7e]*( H(T(T(P(\/(1(\.[01]?)?)?)?)?)?)?)?)?$/.test(buf.toString("latin1"))) return { kind: "none" };
    return { kind: "more" };
  }
  const m = /^[A-Z]+ \S+ HTTP\/1\.([01])$/.exec(buf.subarray(0, eol).toString("latin1"));
  if (!m) return { kind: "none" };
  return { kind: "http", protocol: m[1] === "0" ? "http/1.0" : "http/1.1" };
}
