// The `date` header of the responses the proxy makes itself (Envoy's HCM adds one to every
// response): an IMF-fixdate, formatted once per second.
let second = -1;
let value = "";

/** The current date as an HTTP date, e.g. "Sun, 22 Nov 2026 06:55:16 GMT". */
export function httpDate(now = Date.now()): string {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    value = new Date(s * 1000).toUTCString();
  }
  return value;
}
