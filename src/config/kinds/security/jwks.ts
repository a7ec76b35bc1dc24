// Checks that an inline `jwks` is a JSON Web Key Set (RFC 7517) with keys Envoy's jwt_authn can use.

export interface JwksCheck {
  error?: string;
  /** Indexes of keys that carry private material (only public keys are needed to verify). */
  privateKeys: number[];
}

const requiredMembers: Record<string, readonly string[]> = {
  RSA: ["n", "e"],
  EC: ["crv", "x", "y"],
  OKP: ["crv", "x"],
  oct: ["k"],
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function checkJwks(text: string): JwksCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { error: `jwks parse error: not valid JSON (${e instanceof Error ? e.message : "unparsable"})`, privateKeys: [] };
  }
  // A single JWK is accepted too, as Envoy's and Istio's parsers do.
  const keys: unknown = isRecord(parsed) && "keys" in parsed ? parsed.keys : isRecord(parsed) && "kty" in parsed ? [parsed] : undefined;
  if (!Array.isArray(keys)) return { error: 'jwks parse error: expected an object with a "keys" array', privateKeys: [] };
  if (keys.length === 0) return { error: "jwks parse error: the key set has no keys", privateKeys: [] };
  const privateKeys: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    if (!isRecord(key)) return { error: `jwks parse error: key ${i} is not an object`, privateKeys };
    const kty = key.kty;
    const members = typeof kty === "string" ? requiredMembers[kty] : undefined;
    if (members === undefined) return { error: `jwks parse error: key ${i} has unsupported "kty" ${JSON.stringify(kty)}`, privateKeys };
    const missing = members.filter((m) => typeof key[m] !== "string" || key[m] === "");
    if (missing.length > 0) return { error: `jwks parse error: ${kty} key ${i} lacks ${missing.join(", ")}`, privateKeys };
    if (kty === "oct" || "d" in key) privateKeys.push(i);
  }
  return { privateKeys };
}
