// OutlierDetection (envoy.config.cluster.v3.OutlierDetection) compiled with Envoy's defaults.
import type { EnvoyJson } from "../../contracts.js";
import { invalid, readBool, readDurationMs, readUint } from "../envoy-json.js";

export interface OutlierConfig {
  readonly consecutive5xx: number;
  readonly enforcingConsecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly consecutiveLocalOriginFailure: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
  readonly enforcingSuccessRate: number;
  readonly successRateMinimumHosts: number;
  readonly successRateRequestVolume: number;
  readonly successRateStdevFactor: number;
  readonly failurePercentageThreshold: number;
  readonly enforcingFailurePercentage: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
}

function percent(json: EnvoyJson, key: string, path: string, dflt: number): number {
  const v = readUint(json, key, path) ?? dflt;
  if (v > 100) throw invalid(`${path}.${key}`, "must be at most 100");
  return v;
}

export function compileOutlierDetection(json: EnvoyJson, path: string): OutlierConfig {
  const intervalMs = readDurationMs(json, "interval", path) ?? 10_000;
  if (intervalMs <= 0) throw invalid(`${path}.interval`, "must be greater than 0");
  const baseEjectionTimeMs = readDurationMs(json, "base_ejection_time", path) ?? 30_000;
  if (baseEjectionTimeMs <= 0) throw invalid(`${path}.base_ejection_time`, "must be greater than 0");
  const maxEjectionTimeMs = readDurationMs(json, "max_ejection_time", path) ?? 300_000;
  if (maxEjectionTimeMs <= 0) throw invalid(`${path}.max_ejection_time`, "must be greater than 0");
  return {
    consecutive5xx: readUint(json, "consecutive_5xx", path) ?? 5,
    enforcingConsecutive5xx: percent(json, "enforcing_consecutive_5xx", path, 100),
    consecutiveGatewayFailure: readUint(json, "consecutive_gateway_failure", path) ?? 5,
    enforcingConsecutiveGatewayFailure: percent(json, "enforcing_consecutive_gateway_failure", path, 0),
    splitExternalLocalOriginErrors: readBool(json, "split_external_local_origin_errors", path) ?? false,
    consecutiveLocalOriginFailure: readUint(json, "consecutive_local_origin_failure", path) ?? 5,
    enforcingConsecutiveLocalOriginFailure: percent(json, "enforcing_consecutive_local_origin_failure", path, 100),
    intervalMs,
    baseEjectionTimeMs,
    maxEjectionTimeMs: Math.max(maxEjectionTimeMs, baseEjectionTimeMs),
    maxEjectionPercent: percent(json, "max_ejection_percent", path, 10),
    enforcingSuccessRate: percent(json, "enforcing_success_rate", path, 100),
    successRateMinimumHosts: readUint(json, "success_rate_minimum_hosts", path) ?? 5,
    successRateRequestVolume: readUint(json, "success_rate_request_volume", path) ?? 100,
    successRateStdevFactor: readUint(json, "success_rate_stdev_factor", path) ?? 1900,
    failurePercentageThreshold: percent(json, "failure_percentage_threshold", path, 85),
    enforcingFailurePercentage: percent(json, "enforcing_failure_percentage", path, 0),
    failurePercentageMinimumHosts: readUint(json, "failure_percentage_minimum_hosts", path) ?? 5,
    failurePercentageRequestVolume: readUint(json, "failure_percentage_request_volume", path) ?? 50,
  };
}
