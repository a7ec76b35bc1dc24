// CreateCertificate over real gRPC + TLS with bootstrap tokens: identities, TTLs, refusals.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { CaClient } from "../src/agent/ca-client.js";
import { makeKeyAndCsr } from "../src/agent/workload-key.js";
import { caService } from "../src/ca/ca-proto.js";
import { createSelfSignedRoot } from "../src/ca/signing-ca.js";
import { startTestCa } from "../src/ca/testing/ca-harness.js";
import { isMizzenError } from "../src/errors.js";

const POD_A = { namespace: "bookinfo", serviceAccount: "reviews", podName: "reviews-v1-0" };
const POD_B = { namespace: "bookinfo", serviceAccount: "ratings", podName: "ratings-v1-0" };
const SPIFFE_A = "spiffe://cluster.local/ns/bookinfo/sa/reviews";
const SPIFFE_B = "spiffe://cluster.local/ns/bookinfo/sa/ratings";
const SERVER_NAME = "istiod.istio-system.svc";

function failedWith(status: grpc.status, mizzenCode: string) {
  return (e: unknown): boolean => {
    if (!isMizzenError(e) || e.code !== "MIZZEN_ERR_AGENT_CSR_FAILED") return false;
    const cause = e.cause as grpc.ServiceError | undefined;
    return cause?.code === status && cause.details.startsWith(mizzenCode);
  };
}

test("a bootstrap token gets a chain (leaf first, root last) with the pod's SPIFFE ID and the asked TTL", async () => {
  const ca = await startTestCa();
  const client = new CaClient({ caAddress: ca.server.address, rootCertPem: ca.rootsPem(), serverName: SERVER_NAME, token: () => ca.token(POD_A) });
  try {
    const { csrPem } = await makeKeyAndCsr();
    const chain = await client.createCertificate(csrPem, 3600);
    assert.equal(chain.length, 2);
    const leaf = new X509Certificate(chain[0] as string);
    const root = new X509Certificate(chain[1] as string);
    assert.equal(leaf.subjectAltName, `URI:${SPIFFE_A}`);
    assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 3600_000);
    assert.equal(leaf.verify(root.publicKey), true);
    assert.equal(root.fingerprint256, new X509Certificate(ca.rootsPem()).fingerprint256);
    const defaultTtl = new X509Certificate((await client.createCertificate(csrPem, 0))[0] as string);
    assert.equal(Date.parse(defaultTtl.validTo) - Date.parse(defaultTtl.validFrom), 24 * 3600_000);
    assert.deepEqual(ca.events.map((e) => [e.ok, e.identity]), [[true, "bookinfo/reviews"], [true, "bookinfo/reviews"]]);
  } finally {
    client.close();
    await ca.close();
  }
});

test("the CA's serving cert chains to the root and names istiod.istio-system.svc, localhost and the bind IP", async () => {
  const ca = await startTestCa();
  try {
    const serving = new X509Certificate(ca.server.serverCertPem);
    assert.equal(serving.verify(new X509Certificate(ca.rootsPem()).publicKey), true);
    assert.equal(serving.checkHost("istiod.istio-system.svc"), "istiod.istio-system.svc");
    assert.equal(serving.checkHost("localhost"), "localhost");
    assert.equal(serving.checkIP("127.0.0.1"), "127.0.0.1");
    for (const name of [SERVER_NAME, undefined]) {
      const client = new CaClient({ caAddress: ca.server.address, rootCertPem: ca.rootsPem(), ...(name ? { serverName: name } : {}), token: () => ca.token(POD_A) });
      try {
        assert.equal((await client.createCertificate((await makeKeyAndCsr()).csrPem, 600)).length, 2);
      } finally {
        client.close();
      }
    }
  } finally {
    await ca.close();
  }
});

test("a client trusting another root refuses the CA's TLS endpoint", async () => {
  const ca = await startTestCa();
  const stranger = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  const client = new CaClient({ caAddress: ca.server.address, rootCertPem: stranger.ca.rootPem, serverName: SERVER_NAME, token: () => ca.token(POD_A), timeoutMs: 3000 });
  try {
    await assert.rejects(client.createCertificate((await makeKeyAndCsr()).csrPem, 600), (e) => isMizzenError(e) && e.code === "MIZZEN_ERR_AGENT_CSR_FAILED");
    assert.equal(ca.events.length, 0, "no call reached the CA");
  } finally {
    client.close();
    await ca.close();
  }
});

test("a token for pod A cannot get pod B's identity: B's SAN in the CSR is refused, A's token always yields A", async () => {
  const ca = await startTestCa();
  const client = new CaClient({ caAddress: ca.server.address, rootCertPem: ca.rootsPem(), serverName: SERVER_NAME, token: () => ca.token(POD_A) });
  try {
    const asksForB = await makeKeyAndCsr({ spiffeId: SPIFFE_B });
    await assert.rejects(client.createCertificate(asksForB.csrPem, 600), failedWith(grpc.status.PERMISSION_DENIED, "MIZZEN_ERR_CA_CSR_IDENTITY"));
    const plain = await makeKeyAndCsr();
    const leaf = new X509Certificate((await client.createCertificate(plain.csrPem, 600))[0] as string);
    assert.equal(leaf.subjectAltName, `URI:${SPIFFE_A}`);
    const asksForA = await makeKeyAndCsr({ spiffeId: SPIFFE_A });
    assert.equal(new X509Certificate((await client.createCertificate(asksForA.csrPem, 600))[0] as string).subjectAltName, `URI:${SPIFFE_A}`);
    const clientB = new CaClient({ caAddress: ca.server.address, rootCertPem: ca.rootsPem(), serverName: SERVER_NAME, token: () => ca.token(POD_B) });
    try {
      assert.equal(new X509Certificate((await clientB.createCertificate(asksForB.csrPem, 600))[0] as string).subjectAltName, `URI:${SPIFFE_B}`);
    } finally {
      clientB.close();
    }
  } finally {
    client.close();
    await ca.close();
  }
});

test("expired, forged and missing tokens are refused UNAUTHENTICATED; bad CSRs and TTLs INVALID_ARGUMENT", async () => {
  const ca = await startTestCa({ maxTtlMs: 48 * 3600_000 });
  const other = await startTestCa();
  const { csrPem } = await makeKeyAndCsr();
  const tokens: Array<() => Promise<string>> = [
    () => ca.tokens.issue(POD_A, 60, Date.now() - 3600_000),
    () => other.token(POD_A),
    () => Promise.resolve("garbage"),
  ];
  try {
    for (const token of tokens) {
      const client = new CaClient({ caAddress: ca.server.address, rootCertPem: ca.rootsPem(), serverName: SERVER_NAME, token });
      try {
        await assert.rejects(client.createCertificate(csrPem, 600), failedWith(grpc.status.UNAUTHENTICATED, "MIZZEN_ERR_AUTHN_FAILED"));
      } finally {
        client.close();
      }
    }
    const good = new CaClient({ caAddress: ca.server.address, rootCertPem: ca.rootsPem(), serverName: SERVER_NAME, token: () => ca.token(POD_A) });
    try {
      await assert.rejects(good.createCertificate("not a csr", 600), failedWith(grpc.status.INVALID_ARGUMENT, "MIZZEN_ERR_CA_CSR_INVALID"));
      await assert.rejects(good.createCertificate(csrPem, 49 * 3600), failedWith(grpc.status.INVALID_ARGUMENT, "MIZZEN_ERR_CA_TTL_TOO_LONG"));
    } finally {
      good.close();
    }
    // A call with no authorization metadata at all.
    const Ctor = caService();
    const raw = new Ctor(ca.server.address, grpc.credentials.createSsl(Buffer.from(ca.rootsPem())), { "grpc.ssl_target_name_override": SERVER_NAME });
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) => {
        (raw as unknown as { CreateCertificate: (r: object, cb: (e: grpc.ServiceError | null) => void) => void }).CreateCertificate({ csr: csrPem }, (e) => resolve(e));
      });
      assert.equal(err?.code, grpc.status.UNAUTHENTICATED);
    } finally {
      raw.close();
    }
    assert.ok(ca.events.every((e) => !JSON.stringify(e).includes("eyJ")), "tokens never reach events/logs");
  } finally {
    await ca.close();
    await other.close();
  }
});

test("odd requests (negative or huge TTLs, a 1 MiB junk CSR, metadata) get answers and the CA keeps serving", async () => {
  const ca = await startTestCa();
  const Ctor = caService();
  const raw = new Ctor(ca.server.address, grpc.credentials.createSsl(Buffer.from(ca.rootsPem())), { "grpc.ssl_target_name_override": SERVER_NAME });
  type Res = { err: grpc.ServiceError | null; chain: string[] };
  const call = async (req: object): Promise<Res> => {
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${await ca.token(POD_A)}`);
    return new Promise((resolve) => {
      (raw as unknown as { CreateCertificate: (r: object, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, r?: { cert_chain: string[] }) => void) => void })
        .CreateCertificate(req, md, (err, r) => resolve({ err, chain: r?.cert_chain ?? [] }));
    });
  };
  try {
    const { csrPem } = await makeKeyAndCsr();
    const negative = await call({ csr: csrPem, validity_duration: -5 });
    assert.equal(negative.err, null);
    const leaf = new X509Certificate(negative.chain[0] as string);
    assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 24 * 3600_000, "non-positive TTL means the default");
    assert.equal((await call({ csr: csrPem, validity_duration: Number.MAX_SAFE_INTEGER })).err?.code, grpc.status.INVALID_ARGUMENT);
    assert.equal((await call({ csr: "x".repeat(1 << 20) })).err?.code, grpc.status.INVALID_ARGUMENT);
    assert.equal((await call({ csr: `-----BEGIN CERTIFICATE REQUEST-----\n${"A".repeat(5000)}\n-----END CERTIFICATE REQUEST-----\n` })).err?.code, grpc.status.INVALID_ARGUMENT);
    const withMetadata = await call({ csr: csrPem, metadata: { fields: { ClusterID: { string_value: "Kubernetes" } } } });
    assert.equal(withMetadata.err, null);
    assert.equal((await call({ csr: csrPem })).err, null, "still serving");
  } finally {
    raw.close();
    await ca.close();
  }
});
