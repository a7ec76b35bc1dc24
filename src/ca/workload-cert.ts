// Checks a workload CSR and signs a leaf for the caller's identity. The identity is the one the
// authenticator proved; a CSR asking for any other URI SAN is refused, never honoured.
import { MizzenError } from "../errors.js";
import { randomSerial, type SigningCa } from "./signing-ca.js";
import { x509 } from "./x509.js";

/**
 * The AKID for certs `ca` signs: its SKI when it has one (so chain building picks the right root
 * even when several roots share the subject O=cluster.local), else a hash of its key.
 */
async function authorityKeyId(ca: SigningCa): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
  return x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey);
}

export interface LeafRequest {
  readonly csrPem: string;
  /** The SPIFFE ID the caller proved. */
  readonly spiffeId: string;
  readonly ttlMs: number;
  readonly now: number;
}

function parseCsr(pem: string): x509.Pkcs10CertificateRequest {
  if (typeof pem !== "string" || !pem.includes("CERTIFICATE REQUEST")) {
    throw new MizzenError("MIZZEN_ERR_CA_CSR_INVALID", "csr is not a PEM certificate request");
  }
  try {
    return new x509.Pkcs10CertificateRequest(pem);
  } catch (e) {
    throw new MizzenError("MIZZEN_ERR_CA_CSR_INVALID", "csr cannot be parsed", { cause: e });
  }
}

/** URI SANs the CSR asks for. */
function requestedUris(csr: x509.Pkcs10CertificateRequest): string[] {
  const out: string[] = [];
  for (const ext of csr.getExtensions("2.5.29.17")) {
    const san = ext instanceof x509.SubjectAlternativeNameExtension ? ext : new x509.SubjectAlternativeNameExtension(ext.rawData);
    for (const n of san.names.items) if (n.type === "url") out.push(n.value);
  }
  return out;
}

export async function checkCsr(csrPem: string, spiffeId: string): Promise<x509.Pkcs10CertificateRequest> {
  const csr = parseCsr(csrPem);
  const ok = await csr.verify().catch(() => false);
  if (!ok) throw new MizzenError("MIZZEN_ERR_CA_CSR_INVALID", "csr signature does not verify");
  const alg = csr.publicKey.algorithm as { name?: string; namedCurve?: string; modulusLength?: number };
  if (alg.name === "ECDSA" ? !["P-256", "P-384"].includes(alg.namedCurve ?? "") : alg.name !== "RSASSA-PKCS1-v1_5" && alg.name !== "RSA-PSS") {
    throw new MizzenError("MIZZEN_ERR_CA_CSR_INVALID", `csr key type ${alg.name ?? "?"} ${alg.namedCurve ?? ""} is not accepted (ECDSA P-256/P-384 or RSA)`);
  }
  const other = requestedUris(csr).filter((u) => u !== spiffeId);
  if (other.length > 0) {
    throw new MizzenError("MIZZEN_ERR_CA_CSR_IDENTITY", `csr asks for ${other.join(", ")} but the caller is ${spiffeId}`);
  }
  return csr;
}

/** Signs the leaf: SPIFFE URI SAN (critical, empty subject as Istio), serverAuth+clientAuth. */
export async function signLeaf(ca: SigningCa, req: LeafRequest): Promise<string> {
  const csr = await checkCsr(req.csrPem, req.spiffeId);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: "",
    issuer: ca.cert.subjectName,
    notBefore: new Date(req.now),
    notAfter: new Date(req.now + req.ttlMs),
    publicKey: csr.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: ca.algorithm,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      await authorityKeyId(ca),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: req.spiffeId }], true),
    ],
  });
  return `${cert.toString("pem")}\n`;
}

export interface ServerCertRequest {
  readonly dnsNames: readonly string[];
  readonly ips: readonly string[];
  readonly ttlMs: number;
  readonly now: number;
  readonly publicKey: x509.PublicKeyType;
}

/** A serving cert for the CA endpoint itself (istiod.istio-system.svc, localhost, bind IP). */
export async function signServerCert(ca: SigningCa, req: ServerCertRequest): Promise<string> {
  const names: x509.JsonGeneralName[] = [
    ...req.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...req.ips.map((value) => ({ type: "ip" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${req.dnsNames[0] ?? "istiod"}`,
    issuer: ca.cert.subjectName,
    notBefore: new Date(req.now - 60_000),
    notAfter: new Date(req.now + req.ttlMs),
    publicKey: req.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: ca.algorithm,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      await authorityKeyId(ca),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  return `${cert.toString("pem")}\n`;
}
