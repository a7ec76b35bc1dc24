import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import { isMizzenError } from "../errors.js";
import { makeKeyAndCsr } from "../agent/workload-key.js";
import { CertificateAuthority, DEFAULT_WORKLOAD_TTL_MS } from "./authority.js";
import { createSelfSignedRoot } from "./signing-ca.js";
import { x509 } from "./x509.js";

const ID = { trustDomain: "cluster.local", namespace: "bookinfo", serviceAccount: "ratings" };
const SPIFFE = "spiffe://cluster.local/ns/bookinfo/sa/ratings";

async function authority(opts: { maxTtlMs?: number } = {}): Promise<CertificateAuthority> {
  const root = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  return new CertificateAuthority({ signing: root.ca, ...opts });
}

test("a workload cert carries the caller's SPIFFE ID, a 24 h default TTL, and Istio's key usages", async () => {
  const ca = await authority();
  const { csrPem } = await makeKeyAndCsr();
  const chain = await ca.signWorkload(csrPem, ID);
  assert.equal(chain.length, 2);
  const leaf = new X509Certificate(chain[0] as string);
  assert.equal(leaf.subjectAltName, `URI:${SPIFFE}`);
  assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), DEFAULT_WORKLOAD_TTL_MS);
  assert.equal(leaf.ca, false);
  assert.deepEqual([...(leaf.keyUsage ?? [])].sort(), ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
  assert.equal(leaf.verify(new X509Certificate(chain[1] as string).publicKey), true);
  const ku = new x509.X509Certificate(chain[0] as string).getExtension(x509.KeyUsagesExtension);
  assert.equal(ku?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
  const san = new x509.X509Certificate(chain[0] as string).getExtension(x509.SubjectAlternativeNameExtension);
  assert.equal(san?.critical, true, "SAN is critical: the subject is empty, as Istio's");
});

test("a requested TTL is honoured; one above the max is refused as Istio does", async () => {
  const ca = await authority({ maxTtlMs: 48 * 3600_000 });
  const { csrPem } = await makeKeyAndCsr();
  const leaf = new X509Certificate((await ca.signWorkload(csrPem, ID, 3600))[0] as string);
  assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 3600_000);
  await assert.rejects(ca.signWorkload(csrPem, ID, 49 * 3600), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_TTL_TOO_LONG");
});

test("a CSR asking for its own identity is fine; one asking for another is refused", async () => {
  const ca = await authority();
  const own = await makeKeyAndCsr({ spiffeId: SPIFFE });
  assert.equal(new X509Certificate((await ca.signWorkload(own.csrPem, ID))[0] as string).subjectAltName, `URI:${SPIFFE}`);
  const other = await makeKeyAndCsr({ spiffeId: "spiffe://cluster.local/ns/bookinfo/sa/reviews" });
  await assert.rejects(ca.signWorkload(other.csrPem, ID), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_CSR_IDENTITY");
});

test("garbage, truncated and tampered CSRs are refused with MIZZEN_ERR_CA_CSR_INVALID", async () => {
  const ca = await authority();
  const { csrPem } = await makeKeyAndCsr();
  const body = csrPem.split("\n").slice(1, -2).join("");
  const tampered = Buffer.from(body, "base64");
  tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0xff;
  const cases = [
    "",
    "hello",
    "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    csrPem.slice(0, csrPem.length / 2),
    `-----BEGIN CERTIFICATE REQUEST-----\n${tampered.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`,
  ];
  for (const c of cases) {
    await assert.rejects(ca.signWorkload(c, ID), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_CSR_INVALID", JSON.stringify(c.slice(0, 40)));
  }
});

test("identities of another trust domain are refused", async () => {
  const ca = await authority();
  const { csrPem } = await makeKeyAndCsr();
  await assert.rejects(ca.signWorkload(csrPem, { ...ID, trustDomain: "other.org" }), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_TRUST_DOMAIN");
});

test("root rotation: the bundle carries both roots during the overlap; new certs chain to the new root", async () => {
  const ca = await authority();
  const oldRoot = ca.activeRoot();
  const next = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  const seen: number[] = [];
  ca.onTrustBundle((roots) => seen.push(roots.length));
  ca.addTrustedRoot(next.ca.rootPem);
  assert.deepEqual(ca.trustBundle(), [oldRoot, next.ca.rootPem]);
  const { csrPem } = await makeKeyAndCsr();
  assert.equal((await ca.signWorkload(csrPem, ID)).at(-1), oldRoot, "still signing under the old root");
  ca.useSigningCa(next.ca);
  assert.equal((await ca.signWorkload(csrPem, ID)).at(-1), next.ca.rootPem);
  assert.throws(() => ca.retireRoot(next.ca.rootPem), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_ROOT_ACTIVE");
  ca.retireRoot(oldRoot);
  assert.deepEqual(ca.trustBundle(), [next.ca.rootPem]);
  assert.deepEqual(seen, [2, 2, 1]);
});

test("a root that is not a certificate is refused with a code, and the bundle is unchanged", async () => {
  const ca = await authority();
  assert.throws(() => ca.addTrustedRoot("not a cert"), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_CERT_PARSE");
  assert.throws(() => ca.retireRoot("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_CA_CERT_PARSE");
  assert.equal(ca.trustBundle().length, 1);
});
