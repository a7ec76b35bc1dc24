// The identity flags of `mizzen proxy`, as pilot-agent takes them: --ca-address (CA_ADDR,
// istiod:15012), --root-cert (the mesh root PEM file that verifies the CA), --token-file (the pod's
// bootstrap or service-account token, re-read for every CSR), --cert-ttl-s (requested TTL, 0 = the
// CA's default). The bootstrap's node metadata CA_ADDR / ROOT_CERT / TOKEN_FILE work as well.
export interface IdentityFlags {
  caAddress?: string;
  rootCert?: string;
  tokenFile?: string;
  certTtlS?: number;
}

export const IDENTITY_USAGE = `  --ca-address H:P     CA and secure xDS endpoint (control plane's 15012): run the identity agent
  --root-cert FILE     mesh root certificate (the control plane's <data-dir>/root-cert.pem)
  --token-file FILE    the pod's bootstrap token (authenticates CSRs and ADS)
  --cert-ttl-s N       requested workload certificate TTL in seconds (default: the CA's, 24 h)`;

/**
 * Takes one identity flag (`name` without its value) into `into`; returns false when `name` is not
 * an identity flag, or an error message for a bad value.
 */
export function takeIdentityFlag(name: string, value: string | undefined, into: IdentityFlags): boolean | { error: string } {
  switch (name) {
    case "--ca-address":
      if (!value || !/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(value)) return { error: "--ca-address needs host:port" };
      into.caAddress = value;
      return true;
    case "--root-cert":
      if (!value) return { error: "--root-cert needs a file" };
      into.rootCert = value;
      return true;
    case "--token-file":
      if (!value) return { error: "--token-file needs a file" };
      into.tokenFile = value;
      return true;
    case "--cert-ttl-s": {
      const n = Number(value);
      if (value === undefined || value === "" || !Number.isInteger(n) || n < 0 || n > 90 * 86400) return { error: "--cert-ttl-s needs an integer 0..7776000" };
      into.certTtlS = n;
      return true;
    }
    default:
      return false;
  }
}

/** Flags win over node metadata; undefined when no CA address is configured (no identity agent). */
export function identityConfig(flags: IdentityFlags, nodeMetadata: Readonly<Record<string, unknown>> | undefined): Required<Pick<IdentityFlags, "caAddress" | "rootCert" | "tokenFile">> & IdentityFlags | { error: string } | undefined {
  const md = (key: string): string | undefined => (typeof nodeMetadata?.[key] === "string" ? nodeMetadata[key] : undefined);
  const caAddress = flags.caAddress ?? md("CA_ADDR");
  if (caAddress === undefined) return undefined;
  const rootCert = flags.rootCert ?? md("ROOT_CERT");
  const tokenFile = flags.tokenFile ?? md("TOKEN_FILE");
  if (rootCert === undefined || tokenFile === undefined) return { error: "the identity agent (--ca-address) needs --root-cert and --token-file" };
  return { ...flags, caAddress, rootCert, tokenFile };
}
