// POST /debug/ca/rotate on the monitoring port: takes the next root rotation step (the HTTP twin
// of SIGUSR2) and answers with the step, the roots trusted after it and the step that follows.
// It changes what every workload trusts, so it answers loopback clients only (the monitoring port
// may listen on all interfaces) and refuses browser requests (an Origin header: a page on any site
// could otherwise make the operator's browser POST here).
import { errorMessage, isMizzenError } from "../../errors.js";
import type { RotationOutcome } from "../security/root-rotation-steps.js";

export const CA_ROTATE_PATH = "/debug/ca/rotate";

/** Starts the next step; undefined when this control plane runs no CA. */
export type RootRotationTrigger = () => Promise<RotationOutcome> | undefined;

export interface RouteReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CaRotateRequest {
  readonly method: string;
  /** The peer's address as the socket reports it ("127.0.0.1", "::1", "::ffff:127.0.0.1" …). */
  readonly remoteAddress: string | undefined;
  readonly origin: string | undefined;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)) return true;
  return address === "::1" || address === "0:0:0:0:0:0:0:1";
}

const refused = (status: number, code: string, error: string, headers?: Record<string, string>): RouteReply => ({ status, body: { code, error }, ...(headers ? { headers } : {}) });

export async function caRotateReply(req: CaRotateRequest, rotate: RootRotationTrigger | undefined): Promise<RouteReply> {
  if (!isLoopbackAddress(req.remoteAddress)) {
    return refused(403, "MIZZEN_ERR_FORBIDDEN", `${CA_ROTATE_PATH} answers loopback clients only (this request came from ${req.remoteAddress ?? "an unknown address"})`);
  }
  if (req.origin !== undefined) return refused(403, "MIZZEN_ERR_FORBIDDEN", `${CA_ROTATE_PATH} refuses browser requests (Origin: ${req.origin}); use curl -X POST`);
  if (req.method !== "POST") {
    return refused(405, "MIZZEN_ERR_METHOD_NOT_ALLOWED", `${CA_ROTATE_PATH} takes a root rotation step on POST only (got ${req.method})`, { allow: "POST" });
  }
  const started = rotate?.();
  if (started === undefined) return refused(409, "MIZZEN_ERR_CA_NOT_RUNNING", "this control plane runs no CA (start it with --secure-port or --data-dir)");
  try {
    const r = await started;
    return { status: 200, body: { step: r.step, signing: r.signing, trusted: r.trusted, next: r.next, roots: r.roots } };
  } catch (e) {
    if (isMizzenError(e) && e.code === "MIZZEN_ERR_CA_ROTATION_PLUGGED") return refused(403, e.code, e.message);
    return refused(500, isMizzenError(e) ? e.code : "MIZZEN_ERR_CA_ROTATION", `root rotation step failed: ${errorMessage(e)}`);
  }
}
