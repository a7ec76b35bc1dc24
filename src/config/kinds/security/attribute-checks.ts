// Value checks for AuthorizationPolicy sources, operations and conditions (Istio's pkg/config/security).
// Each returns a message, or undefined when the values are fine.
import { checkCidrOrIp } from "../../schema/index.js";

export function checkEmptyValues(values: readonly string[]): string | undefined {
  return values.some((v) => v === "") ? "empty value not allowed" : undefined;
}

/** At most one `*`, and only as the whole value, a prefix or a suffix (Envoy's prefix/suffix matchers). */
export function checkWildcardValues(values: readonly string[]): string | undefined {
  for (const v of values) {
    if (v === "") return "empty value not allowed";
    const count = v.split("*").length - 1;
    if (count > 1) return `at most one wildcard is allowed, found "${v}"`;
    if (count === 1 && v !== "*" && !v.startsWith("*") && !v.endsWith("*")) {
      return `wildcard "*" is only allowed as a prefix, a suffix or the whole value, found "${v}"`;
    }
  }
  return undefined;
}

export function checkTrustDomainValues(values: readonly string[]): string | undefined {
  const err = checkWildcardValues(values);
  if (err) return err;
  const bad = values.find((v) => v.includes("/"));
  return bad === undefined ? undefined : `trust domain must not contain '/', found "${bad}"`;
}

/** "serviceAccount" or "namespace/serviceAccount", no wildcards, at most 16 values. */
export function checkServiceAccounts(values: readonly string[]): string | undefined {
  if (values.length > 16) return "may not have more than 16 values";
  for (const v of values) {
    if (v === "") return "empty value not allowed";
    if (v.includes("*")) return `wildcard not allowed, found "${v}"`;
    if (v.length > 320) return `value cannot exceed 320 characters, found "${v}"`;
    const parts = v.split("/");
    if (parts.length > 2 || parts.some((p) => p === "")) return `expected format 'serviceAccount' or 'namespace/serviceAccount', found "${v}"`;
  }
  return undefined;
}

export function checkIps(values: readonly string[]): string | undefined {
  for (const v of values) {
    const err = checkCidrOrIp(v);
    if (err) return err;
  }
  return undefined;
}

export function checkPortStrings(values: readonly string[]): string | undefined {
  for (const v of values) {
    if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) return `bad port "${v}": must be a number between 0 and 65535`;
  }
  return undefined;
}

const matchOne = "{*}";
const matchAny = "{**}";
const validLiteral = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

/**
 * Paths: either Istio's path templates (`/a/{*}/b/{**}`, `{**}` last) or plain paths where `*` is
 * the whole path, a prefix or a suffix.
 */
export function checkPaths(values: readonly string[]): string | undefined {
  for (const path of values) {
    if (path === "") return "empty value not allowed";
    const hasTemplate = path.includes(matchOne) || path.includes(matchAny);
    if (!hasTemplate) {
      const err = checkWildcardValues([path]);
      if (err) return err;
      if (/[{}]/.test(path)) return `invalid or unsupported path "${path}": contains '{' or '}' beyond a supported path template`;
      continue;
    }
    let sawAny = false;
    for (const glob of path.replace(/^\/+|\/+$/g, "").split("/")) {
      if ((glob === matchOne || glob === matchAny) && sawAny) return `invalid or unsupported path "${path}": {**} is not the last operator`;
      if (glob === matchOne) continue;
      if (glob === matchAny) {
        sawAny = true;
        continue;
      }
      if (/[{}]/.test(glob)) return `invalid or unsupported path "${path}": contains '{' or '}' beyond a supported path template`;
      if (!validLiteral.test(glob)) return `invalid or unsupported path "${path}": segment "${glob}" is not a valid literal`;
    }
  }
  return undefined;
}

/** `name[key]` with a non-empty key. */
function checkMapKey(key: string): string | undefined {
  const open = key.indexOf("[");
  return key.endsWith("]") && open > 0 && open < key.length - 2 ? undefined : `bad key "${key}": should have format a[b]`;
}

/** Istio's condition keys for `when` and how their values are checked. */
export function checkConditionAttribute(key: string, values: readonly string[]): string | undefined {
  const empty = checkEmptyValues(values);
  if (empty) return empty;
  if (key.startsWith("request.headers")) return checkMapKey(key);
  if (key.startsWith("request.auth.claims")) return checkMapKey(key);
  if (key.startsWith("experimental.envoy.filters.")) return checkMapKey(key);
  switch (key) {
    case "source.ip":
    case "remote.ip":
    case "destination.ip":
      return checkIps(values);
    case "destination.port":
      return checkPortStrings(values);
    case "source.serviceAccount":
      return checkServiceAccounts(values);
    case "source.trustDomain":
      return checkWildcardValues(values);
    case "source.namespace":
    case "source.principal":
    case "request.auth.principal":
    case "request.auth.audiences":
    case "request.auth.presenter":
    case "connection.sni":
      return undefined;
    case "destination.namespace":
      return `attribute ${key} is replaced by the metadata.namespace`;
    case "destination.name":
    case "destination.user":
      return `deprecated attribute ${key}: only supported in v1alpha1`;
    default:
      if (key.startsWith("destination.labels")) return `attribute ${key} is replaced by the workload selector`;
      return `unknown attribute: ${key}`;
  }
}
