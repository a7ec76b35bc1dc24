// End to end over real processes: `mizzen control-plane --secure-port` (CA + ADS over TLS) and
// `mizzen proxy` sidecars with the identity agent. Auto mTLS between sidecars; PeerAuthentication
// STRICT refuses plaintext (closed, counted, logged with the caller's address) and PERMISSIVE
// accepts it; secure naming refuses a server presenting another service's identity; certificates
// with a 4 s TTL rotate under steady load without a failed request; one pod's token cannot get
// another pod's identity, nor open ADS without a token, on the real secure port.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { CaClient } from "../src/agent/ca-client.js";
import { makeKeyAndCsr } from "../src/agent/workload-key.js";
import { issuePodToken } from "../src/controlplane/security/index.js";
import { AdsClient } from "../src/proxy/xds/ads-client.js";
import {
  direct, echoApp, freePortOn, plaintextOutcome, registerPod, startControlPlaneProcess, startSidecar, viaSidecar, waitFor,
  type ControlPlaneProcess, type PodSpec, type SidecarProcess,
} from "./security-e2e-harness.js";

const WEB_IP = "127.0.0.2";
const API_IP = "127.0.0.3";
const BILLING_IP = "127.0.0.4";

function service(name: string, port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  selector: { app: ${name} }
  ports: [{ name: http, port: ${port}, targetPort: http }]
`;
}

function peerAuthentication(mode: string): string {
  return `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec:
  mtls: { mode: ${mode} }
`;
}

describe("zero trust between real sidecars", () => {
  let cp: ControlPlaneProcess;
  const sidecars: SidecarProcess[] = [];
  const apps: Server[] = [];
  let web: SidecarProcess;
  let api: SidecarProcess;
  let billing: SidecarProcess;
  let apiPort = 0;
  let billingPort = 0;
  let proxyPort = 0;

  before(async () => {
    apiPort = await freePortOn(["127.0.0.1", API_IP]);
    billingPort = await freePortOn(["127.0.0.1", BILLING_IP]);
    proxyPort = await freePortOn([WEB_IP]);
    apps.push(await echoApp(apiPort, "api"), await echoApp(billingPort, "billing"));
    cp = await startControlPlaneProcess({
      "services.yaml": [service("api", apiPort), service("billing", billingPort)].join("---\n"),
      "peer.yaml": peerAuthentication("STRICT"),
    }, ["--workload-cert-ttl", "4s"]);
    const webPod: PodSpec = { name: "web-0", ip: WEB_IP, serviceAccount: "web-sa", labels: { app: "web" }, ports: {} };
    const apiPod: PodSpec = { name: "api-0", ip: API_IP, serviceAccount: "api-sa", labels: { app: "api" }, ports: { http: apiPort } };
    const billingPod: PodSpec = { name: "billing-0", ip: BILLING_IP, serviceAccount: "billing-sa", labels: { app: "billing" }, ports: { http: billingPort } };
    for (const p of [webPod, apiPod, billingPod]) await registerPod(cp, p);
    api = await startSidecar(cp, apiPod, { extraArgs: ["--log-level", "debug"] });
    // billing-0's token proves api-sa: it will present api's identity where billing's is expected.
    billing = await startSidecar(cp, billingPod, { tokenServiceAccount: "api-sa" });
    web = await startSidecar(cp, webPod, { httpProxyPort: proxyPort });
    sidecars.push(api, billing, web);
  });

  after(async () => {
    for (const s of sidecars) await s.stop();
    for (const a of apps) a.close();
    await cp?.stop();
  });

  const apiUrl = (path = "/"): string => `http://api.default.svc.cluster.local:${apiPort}${path}`;

  it("STRICT: sidecar to sidecar over mTLS works, plaintext to the pod is closed, counted and logged", async () => {
    await waitFor("web → api through both sidecars", async () => {
      try {
        return (await viaSidecar(WEB_IP, proxyPort, apiUrl())).status === 200;
      } catch {
        return false;
      }
    }, 20_000).catch((e: unknown) => { throw new Error(`${String(e)}\nweb: ${web.log().slice(-3000)}\napi: ${api.log().slice(-3000)}`); });
    const r = await viaSidecar(WEB_IP, proxyPort, apiUrl("/hello"));
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { path: string }).path, "/hello");
    assert.equal(await plaintextOutcome(API_IP, apiPort), "closed");
    await waitFor("the refusal in api's log with the caller's address", () => /no filter chain matches 127\.0\.0\.1:\d+/.test(api.log()));
    assert.match(await api.stats(), /no_filter_chain_match: [1-9]/);
  });

  it("PERMISSIVE: the same port accepts plaintext and mTLS", async () => {
    await cp.write("peer.yaml", peerAuthentication("PERMISSIVE"));
    await waitFor("plaintext accepted", async () => {
      try {
        return (await direct(API_IP, apiPort)).status === 200;
      } catch {
        return false;
      }
    }, 15_000);
    assert.equal((await viaSidecar(WEB_IP, proxyPort, apiUrl())).status, 200);
    await cp.write("peer.yaml", peerAuthentication("STRICT"));
    await waitFor("STRICT again", async () => (await plaintextOutcome(API_IP, apiPort)) === "closed", 15_000);
  });

  it("secure naming: a server presenting another service's identity is refused by the client", async () => {
    const r = await viaSidecar(WEB_IP, proxyPort, `http://billing.default.svc.cluster.local:${billingPort}/`);
    assert.equal(r.status, 503);
    assert.match(web.log(), /billing\.default\.svc\.cluster\.local.*(SAN|subject alt).*spiffe:\/\/cluster\.local\/ns\/default\/sa\/api-sa|spiffe:\/\/cluster\.local\/ns\/default\/sa\/api-sa.*billing/s);
  });

  it("certificates (TTL 4 s) rotate under steady load with no failed request", async () => {
    const renewed = (s: SidecarProcess): number => (s.log().match(/identity: certificate for .* renewed/g) ?? []).length;
    const before = { web: renewed(web), api: renewed(api) };
    let ok = 0;
    const failures: string[] = [];
    const deadline = Date.now() + 9000;
    for (let i = 0; i < 5000 && Date.now() < deadline; i++) {
      try {
        const r = await viaSidecar(WEB_IP, proxyPort, apiUrl(`/r${i}`));
        if (r.status === 200) ok++;
        else failures.push(`${r.status} ${r.body.slice(0, 200)}`);
      } catch (e) {
        failures.push(String(e));
      }
    }
    assert.deepEqual(failures.slice(0, 5), []);
    assert.ok(ok > 0);
    assert.ok(renewed(web) >= before.web + 2, `web renewed ${renewed(web) - before.web} times`);
    assert.ok(renewed(api) >= before.api + 2, `api renewed ${renewed(api) - before.api} times`);
  });

  it("on the real secure port, one pod's token cannot get another's identity, nor open ADS without a token", async () => {
    const rootCertPem = readFileSync(cp.rootCertFile, "utf8");
    const token = await issuePodToken(cp.dataDir, { namespace: "default", serviceAccount: "web-sa", pod: "web-0" });
    const ca = new CaClient({ caAddress: `127.0.0.1:${cp.securePort}`, rootCertPem, serverName: "istiod.istio-system.svc", token: () => token });
    try {
      const own = await makeKeyAndCsr({ spiffeId: "spiffe://cluster.local/ns/default/sa/web-sa" });
      const chain = await ca.createCertificate(own.csrPem, 0);
      assert.ok(chain.length >= 2);
      const other = await makeKeyAndCsr({ spiffeId: "spiffe://cluster.local/ns/default/sa/api-sa" });
      await assert.rejects(ca.createCertificate(other.csrPem, 0), /PERMISSION_DENIED.*MIZZEN_ERR_CA_CSR_IDENTITY/);
    } finally {
      ca.close();
    }
    let refused = "";
    const ads = new AdsClient({
      address: `127.0.0.1:${cp.securePort}`, node: { id: `sidecar~${WEB_IP}~intruder.default~default.svc.cluster.local` },
      credentials: grpc.credentials.createSsl(Buffer.from(rootCertPem)), backoff: { initialMs: 100, maxMs: 200 },
      applier: () => { refused = "got resources"; return []; },
      log: (m) => { if (/UNAUTHENTICATED|16/.test(m)) refused ||= m; },
    });
    ads.start();
    try {
      await waitFor("the ADS stream refused", () => refused !== "", 10_000);
      assert.notEqual(refused, "got resources");
      assert.match(cp.log(), /refused unauthenticated ADS stream/);
    } finally {
      ads.stop();
    }
  });
});
