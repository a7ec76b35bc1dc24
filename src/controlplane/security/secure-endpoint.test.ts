// The secure port in process: a pod token gets its own certificate over TLS; ADS streams without a
// token end UNAUTHENTICATED before any resource is generated, with a token they get resources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { CaClient } from "../../agent/ca-client.js";
import { makeKeyAndCsr } from "../../agent/workload-key.js";
import { CDS_TYPE_URL } from "../../api/envoy/type-urls.js";
import { AdsClient } from "../../proxy/xds/ads-client.js";
import { AdsServer } from "../../xds/index.js";
import { issuePodToken } from "./pod-tokens.js";
import { startSecureEndpoint } from "./secure-endpoint.js";

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("CSR and ADS share the TLS port; ADS needs a pod token", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "mizzen-secure-"));
  const generated: string[] = [];
  const ads = new AdsServer({ source: (proxy, typeUrl) => { generated.push(`${proxy.id} ${typeUrl}`); return []; } });
  const logs: string[] = [];
  const ep = await startSecureEndpoint({ dataDir, trustDomain: "cluster.local", host: "127.0.0.1", port: 0, ads, log: (m) => logs.push(m) });
  const clients: AdsClient[] = [];
  try {
    const root = await readFile(ep.rootCertFile, "utf8");
    const token = await issuePodToken(dataDir, { namespace: "shop", serviceAccount: "cart", pod: "cart-0" });
    const ca = new CaClient({ caAddress: `127.0.0.1:${ep.port}`, rootCertPem: root, token: () => token });
    const chain = await ca.createCertificate((await makeKeyAndCsr()).csrPem, 0);
    ca.close();
    assert.ok(chain.length >= 2);
    assert.ok(logs.some((l) => l.includes("issued a certificate for shop/cart")));

    const down: string[] = [];
    const anonymous = new AdsClient({
      address: `127.0.0.1:${ep.port}`, node: { id: "sidecar~10.0.0.1~anon.shop~shop.svc.cluster.local" }, credentials: grpc.credentials.createSsl(Buffer.from(root)),
      backoff: { initialMs: 1000, maxMs: 1000 }, applier: () => [], log: (m) => down.push(m),
    });
    clients.push(anonymous);
    anonymous.start();
    await until(() => down.some((m) => m.includes("UNAUTHENTICATED")));
    assert.equal(generated.length, 0);
    assert.ok(logs.some((l) => l.includes("refused unauthenticated ADS stream")));

    const md = grpc.credentials.createFromMetadataGenerator((_p, cb) => { const m = new grpc.Metadata(); m.set("authorization", `Bearer ${token}`); cb(null, m); });
    const known = new AdsClient({
      address: `127.0.0.1:${ep.port}`, node: { id: "sidecar~10.0.0.2~cart-0.shop~shop.svc.cluster.local" },
      credentials: grpc.credentials.combineChannelCredentials(grpc.credentials.createSsl(Buffer.from(root)), md), applier: () => [],
    });
    clients.push(known);
    known.start();
    await until(() => generated.some((g) => g.startsWith("sidecar~10.0.0.2") && g.endsWith(CDS_TYPE_URL)));
  } finally {
    for (const c of clients) c.stop();
    await ads.close();
    await ep.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
