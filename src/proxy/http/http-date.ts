// The `date` header Envoy's HCM gives every response that has none (the proxy's own replies,
// upstream responses without one): an IMF-fixdate, formatted once per second.
import { Buffer } from "node:buffer";

let second = -1;
let value = "";
let line: Buffer | null = null;

/** The current date as an HTTP date, e.g. "Sun, 22 Nov 2026 06:55:16 GMT". */
export function httpDate(now = Date.now()): string {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    value = new Date(s * 1000).toUTCString();
    line = null;
  }
  return value;
}

/** The same as the bytes of a header line, "date: <http date>\r\n" (spliced into relayed heads). */
export function httpDateLine(now = Date.now()): Buffer {
  const v = httpDate(now);
  if (line === null) line = Buffer.from(`date: ${v}\r\n`, "latin1");
  return line;
}
