// Host name rules as Istio applies them (pkg/config/validation): FQDNs, short names, and a
// wildcard allowed only as (a prefix of) the first label.

const label = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const wildcardLabel = /^(\*|(\*|\*-)?[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

function checkLength(host: string): string | undefined {
  if (host.length === 0) return "host must not be empty";
  if (host.length > 255) return `host "${host.slice(0, 40)}…" is longer than 255 characters`;
  return undefined;
}

function checkLabels(host: string, labels: string[]): string | undefined {
  const last = labels[labels.length - 1] ?? "";
  if (/^\d+$/.test(last)) return `host "${host}" is invalid: top level domain "${last}" cannot be all-numeric`;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] ?? "";
    if (i === labels.length - 1 && l === "" && i > 0) continue; // a trailing dot is allowed
    if (l.length > 63 || !label.test(l)) return `host "${host}" is invalid: label "${l}" is not a DNS-1123 label`;
  }
  return undefined;
}

/** A host without wildcards (short name or FQDN), as Istio's ValidateFQDN. */
export function checkFqdn(host: string): string | undefined {
  return checkLength(host) ?? checkLabels(host, host.split("."));
}

/** A host that may start with a wildcard label ("*", "*.example.com", "*-foo.example.com"): Istio's ValidateWildcardDomain. */
export function checkWildcardHost(host: string): string | undefined {
  const err = checkLength(host);
  if (err) return err;
  const dot = host.indexOf(".");
  const first = dot < 0 ? host : host.slice(0, dot);
  if (first.length > 63 || !wildcardLabel.test(first)) {
    return `host "${host}" is invalid: label "${first}" is not a DNS-1123 label (a wildcard is allowed only at the start of the first label)`;
  }
  if (dot < 0) return undefined;
  return checkLabels(host, host.slice(dot + 1).split("."));
}

export function isWildcardHost(host: string): boolean {
  return host.startsWith("*");
}

/** Splits "namespace/host" (Gateway servers, Sidecar egress); namespace is undefined when absent. */
export function splitNamespacedHost(value: string): { namespace: string | undefined; host: string } {
  const slash = value.indexOf("/");
  if (slash < 0) return { namespace: undefined, host: value };
  return { namespace: value.slice(0, slash), host: value.slice(slash + 1) };
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return ipv4.test(s);
}

export function isIPv6(s: string): boolean {
  if (!s.includes(":") || s.length > 45) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** An IP address or CIDR block ("10.0.0.0/8", "2001:db8::/32"). */
export function checkCidrOrIp(s: string): string | undefined {
  const slash = s.indexOf("/");
  const ip = slash < 0 ? s : s.slice(0, slash);
  if (!isIP(ip)) return `"${s}" is not a valid IP address or CIDR block`;
  if (slash >= 0) {
    const bitsText = s.slice(slash + 1);
    const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : -1;
    if (bits < 0 || bits > (isIPv4(ip) ? 32 : 128)) return `"${s}" has an invalid prefix length`;
  }
  return undefined;
}
