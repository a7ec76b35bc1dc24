// Responses the proxy makes itself (no route, no healthy upstream, timeouts, faults, bad
// requests): a status, Envoy's response flag on the record, and a short text body that names
// the cause and the route/cluster so a failure explains itself.
import { STATUS_CODES } from "node:http";
import { httpDate } from "./http-date.js";

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? "Unknown";
}

/** Serialises an HTTP/1.1 local reply (head + body) as one buffer. */
export function h1LocalReply(status: number, body: string | Buffer, close: boolean, extraHeaders = "", headOnly = false): Buffer {
  const b = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  let head = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\ndate: ${httpDate()}\r\ncontent-length: ${b.length}\r\n`;
  if (b.length > 0 && !/^content-type:/im.test(extraHeaders)) head += "content-type: text/plain; charset=utf-8\r\n";
  head += extraHeaders;
  if (close) head += "connection: close\r\n";
  head += "\r\n";
  if (headOnly || b.length === 0) return Buffer.from(head, "latin1");
  const h = Buffer.from(head, "latin1");
  return Buffer.concat([h, b], h.length + b.length);
}

/** gRPC status for an HTTP status, as Envoy maps local replies for gRPC requests. */
export function grpcStatusFor(httpStatus: number): number {
  switch (httpStatus) {
    case 400: return 13;
    case 401: return 16;
    case 403: return 7;
    case 404: return 12;
    case 429: case 502: case 503: case 504: return 14;
    default: return 2;
  }
}

/** grpc-message encoding (gRPC over HTTP/2 spec): percent-encode '%' and bytes outside 0x20..0x7E. */
export function grpcMessage(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
