// Kubernetes name rules the core kinds need beyond the shared schema helpers.

/** IANA_SVC_NAME: a named port (1-15 lower-case alphanumerics or '-', with a letter, no '--', no '-' at either end). */
export function checkIanaServiceName(name: string): string | undefined {
  const ok = name.length >= 1 && name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes("--");
  return ok ? undefined : `invalid port name "${name}": must be an IANA service name (at most 15 lower-case letters, digits or '-', with at least one letter)`;
}

/** Keys of Secret and ConfigMap data: alphanumerics, '-', '_' or '.', at most 253 characters. */
export function checkConfigKey(key: string): string | undefined {
  if (key.length === 0 || key.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(key)) {
    return `invalid key "${key}": must consist of alphanumeric characters, '-', '_' or '.' (at most 253)`;
  }
  if (key === "." || key === ".." || key.startsWith("..")) return `invalid key "${key}": must not be '.' or '..' or start with '..'`;
  return undefined;
}

/** Standard base64 as Kubernetes decodes []byte fields (line breaks ignored). */
export function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, "base64");
}
