// Which xDS types a merged push sends (Istio: EDS-only for endpoint updates, skippedEdsConfigs).
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../api/envoy/type-urls.js";
import type { PushRequest } from "./debouncer.js";

/** Config kinds that never change endpoints: pushes for them leave EDS out (Istio's skippedEdsConfigs). */
const SKIPPED_EDS_KINDS = new Set(["VirtualService", "Gateway", "WorkloadGroup", "AuthorizationPolicy", "RequestAuthentication", "PeerAuthentication", "Secret", "Telemetry", "WasmPlugin", "ProxyConfig"]);

/** The types a push sends: EDS only for endpoint changes, no EDS when only routing config changed. */
export function pushTypes(req: PushRequest): readonly string[] | undefined {
  if (!req.full) return [EDS_TYPE_URL];
  if (req.kinds.size > 0 && [...req.kinds].every((k) => SKIPPED_EDS_KINDS.has(k)) && !req.reasons.has("endpoint")) return [CDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL];
  return undefined;
}

