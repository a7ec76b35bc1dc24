// GET a JSON document from the control plane's (or a proxy's admin) HTTP port, with errors that
// say which address could not be reached and why.
import { MizzenError, errorMessage } from "../../errors.js";

export async function fetchJson(url: string, what: string, timeoutMs = 10_000): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    throw new MizzenError("MIZZEN_ERR_UNREACHABLE", `cannot reach ${what} at ${new URL(url).host}: ${errorMessage(cause ?? e)}`, { cause: e });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MizzenError("MIZZEN_ERR_BAD_RESPONSE", `${what} at ${new URL(url).host} answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const msg = (body as { error?: unknown }).error;
    throw new MizzenError(res.status === 404 ? "MIZZEN_ERR_PROXY_NOT_FOUND" : "MIZZEN_ERR_BAD_RESPONSE", `${what}: ${typeof msg === "string" ? msg : `HTTP ${res.status}`}`);
  }
  return body;
}

/** "host:port" or a URL → base URL. */
export function baseUrl(address: string): string {
  return /^https?:\/\//.test(address) ? address.replace(/\/$/, "") : `http://${address}`;
}
