// Kubernetes name syntax (DNS-1123 labels and subdomains, label keys and values), as functions
// returning an error message or undefined so both zod refinements and validate() can use them.

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedName = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function checkDns1123Label(s: string): string | undefined {
  if (s.length === 0) return "must not be empty";
  if (s.length > 63) return `"${s}" must be no more than 63 characters`;
  if (!dns1123Label.test(s)) {
    return `"${s}" must be a DNS-1123 label: lower case alphanumeric characters or '-', starting and ending with an alphanumeric character`;
  }
  return undefined;
}

export function checkDns1123Subdomain(s: string): string | undefined {
  if (s.length === 0) return "must not be empty";
  if (s.length > 253) return `"${s}" must be no more than 253 characters`;
  if (!dns1123Subdomain.test(s)) {
    return `"${s}" must be a DNS-1123 subdomain: lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character`;
  }
  return undefined;
}

/** A label or annotation key: optional DNS-1123 subdomain prefix and "/", then a name of at most 63 characters. */
export function checkLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefixErr = checkDns1123Subdomain(key.slice(0, slash));
    if (prefixErr) return `invalid label key "${key}": prefix ${prefixErr}`;
  }
  if (name.length === 0 || name.length > 63 || !qualifiedName.test(name)) {
    return `invalid label key "${key}": name must be 1-63 characters, alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character`;
  }
  return undefined;
}

export function checkLabelValue(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63 || !qualifiedName.test(value)) {
    return `invalid label value "${value}": must be at most 63 characters, alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character`;
  }
  return undefined;
}
