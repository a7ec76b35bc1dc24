// `mizzen control-plane` flags for the secure port. The CA runs when any of them is given (the
// local platform passes --secure-port): --secure-port (15012), --data-dir (root key, token key,
// root-cert.pem; default <config dir>/../.mizzen-cp), --ca-dir (plugged-in CA, Istio's cacerts
// layout), --workload-cert-ttl (Go duration, Istio's DEFAULT_WORKLOAD_CERT_TTL, 24h).
import { dirname, join, resolve } from "node:path";
import { lastValue, portValue, usageError, type ParsedFlags } from "../cli/flags.js";
import type { ControlPlaneOptions } from "../control-plane.js";

export const SECURITY_FLAG_NAMES = { "secure-port": [], "ca-dir": [], "workload-cert-ttl": [] } as const;

export const SECURITY_USAGE = `With --secure-port, --data-dir, --ca-dir or --workload-cert-ttl it also runs the CA: CSR service and
ADS (callers authenticated by their pod's bootstrap token) over TLS on the secure port (15012).
Root rotation (self-signed CA): each SIGUSR2, or each
  curl -X POST http://127.0.0.1:15014/debug/ca/rotate
(monitoring port, loopback clients only; answers JSON: step, next, signing, trusted, roots), takes
the next step — trust a new root, sign with it, retire the old one; wait at least one workload cert
half-life between steps. A plugged-in CA (--ca-dir) refuses (403): rotate it by changing its files.`;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "24h", "90s", "1h30m", "500ms" → milliseconds; undefined when not a positive duration. */
export function parseDurationMs(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
    at = re.lastIndex;
  }
  return at === text.length && text.length > 0 && total > 0 ? Math.round(total) : undefined;
}

/** The control plane's `security` option from the flags, or nothing when no security flag is set. */
export function securityFlags(f: ParsedFlags, configDir: string, host: string): Pick<ControlPlaneOptions, "security"> {
  const given = ["secure-port", "data-dir", "ca-dir", "workload-cert-ttl"].some((n) => f.values.has(n));
  if (!given) return {};
  const ttlText = lastValue(f, "workload-cert-ttl");
  const workloadTtlMs = ttlText === undefined ? undefined : parseDurationMs(ttlText);
  if (ttlText !== undefined && workloadTtlMs === undefined) throw usageError(`--workload-cert-ttl must be a duration such as 24h or 90s, got "${ttlText}"`);
  const caDir = lastValue(f, "ca-dir");
  return {
    security: {
      dataDir: resolve(lastValue(f, "data-dir") ?? join(dirname(resolve(configDir)), ".mizzen-cp")),
      ...(caDir !== undefined ? { caDir: resolve(caDir) } : {}),
      host,
      port: portValue(f, "secure-port", 15012),
      workloadTtlMs,
    },
  };
}
