// Key handling for CA and workload keys: generation, PKCS#8 PEM export, import of any PEM key
// node understands (PKCS#8, PKCS#1 RSA, SEC1 EC) into WebCrypto for signing.
import { createPrivateKey, webcrypto } from "node:crypto";
import { MizzenError } from "../errors.js";
import { derToPem } from "./pem.js";
import type { Key, KeyPair } from "./x509.js";

/** RSA 2048 is Istio's default for its self-signed root (CITADEL_SELF_SIGNED_CA_RSA_KEY_SIZE). */
export type KeyKind = "rsa-2048" | "ecdsa-p256";

const RSA_GEN = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
const RSA_IMPORT = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
const EC_P256 = { name: "ECDSA", namedCurve: "P-256" };

export interface SignatureAlgorithm {
  readonly name: string;
  readonly hash: string;
}

export function signatureAlgorithm(kind: KeyKind): SignatureAlgorithm {
  return kind === "rsa-2048" ? RSA_IMPORT : { name: "ECDSA", hash: "SHA-256" };
}

export async function generateKeyPair(kind: KeyKind): Promise<KeyPair> {
  const alg = kind === "rsa-2048" ? RSA_GEN : EC_P256;
  return (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as unknown as KeyPair;
}

export async function privateKeyToPem(key: Key): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key as webcrypto.CryptoKey);
  return derToPem(der, "PRIVATE KEY");
}

export interface ImportedKey {
  readonly kind: KeyKind | "rsa" | "ecdsa-p384";
  readonly privateKey: Key;
  readonly algorithm: SignatureAlgorithm;
}

/** Imports a PEM private key for signing; `what` names the key in errors (never its content). */
export async function importPrivateKeyPem(pem: string, what: string): Promise<ImportedKey> {
  let ko;
  try {
    ko = createPrivateKey(pem);
  } catch (e) {
    throw new MizzenError("MIZZEN_ERR_CA_KEY_PARSE", `${what}: not a readable PEM private key`, { cause: e });
  }
  const der = ko.export({ type: "pkcs8", format: "der" });
  if (ko.asymmetricKeyType === "rsa") {
    const key = await webcrypto.subtle.importKey("pkcs8", der, RSA_IMPORT, true, ["sign"]);
    return { kind: "rsa", privateKey: key as unknown as Key, algorithm: RSA_IMPORT };
  }
  if (ko.asymmetricKeyType === "ec") {
    const curve = ko.asymmetricKeyDetails?.namedCurve;
    const named = curve === "prime256v1" ? "P-256" : curve === "secp384r1" ? "P-384" : undefined;
    if (named === undefined) throw new MizzenError("MIZZEN_ERR_CA_KEY_TYPE", `${what}: EC curve ${curve ?? "?"} is not supported (P-256, P-384)`);
    const key = await webcrypto.subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: named }, true, ["sign"]);
    const hash = named === "P-256" ? "SHA-256" : "SHA-384";
    return { kind: named === "P-256" ? "ecdsa-p256" : "ecdsa-p384", privateKey: key as unknown as Key, algorithm: { name: "ECDSA", hash } };
  }
  throw new MizzenError("MIZZEN_ERR_CA_KEY_TYPE", `${what}: key type ${ko.asymmetricKeyType ?? "?"} is not supported (RSA, ECDSA)`);
}
