// Test fixtures: a CA and leaf certificates (DNS and URI SANs) made in-process with WebCrypto,
// so TLS tests need no openssl binary or checked-in keys.
import "./reflect-shim.js";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
type KeyPair = x509.X509CertificateCreateSelfSignedParams["keys"];
type Key = KeyPair["privateKey"];

export interface TestCa {
  readonly certPem: string;
  readonly keyPem: string;
  readonly keys: KeyPair;
  readonly name: string;
}

export interface TestLeaf {
  readonly certPem: string;
  readonly keyPem: string;
}

async function keyPem(key: Key): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key as webcrypto.CryptoKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n").trim()}\n-----END PRIVATE KEY-----\n`;
}

export async function makeCa(cn = "Mizzen Test CA"): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as unknown as KeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${cn}`, keys, signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await keyPem(keys.privateKey), keys, name: `CN=${cn}` };
}

/** A leaf signed by `ca` with the given DNS names and URIs (e.g. SPIFFE IDs) as SANs. */
export async function makeLeaf(ca: TestCa, opts: { cn: string; dns?: string[]; uris?: string[] }): Promise<TestLeaf> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as unknown as KeyPair;
  const names: x509.JsonGeneralName[] = [
    ...(opts.dns ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(opts.uris ?? []).map((value) => ({ type: "url" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${opts.cn}`, issuer: ca.name, publicKey: keys.publicKey, signingKey: ca.keys.privateKey, signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await keyPem(keys.privateKey) };
}
