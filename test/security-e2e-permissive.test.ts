// End to end over real processes (`mizzen control-plane` + `mizzen proxy` sidecars with the
// identity agent): under PERMISSIVE the inbound sidecar takes mesh mTLS only when the client
// offers Istio's ALPNs, so (a) a mesh client gets through over mTLS (the server reports
// mutual_tls) and (b) an ordinary TLS client reaches an app that serves its own TLS on a TCP port,
// the app's certificate and all; STRICT keeps refusing anything that is not mesh mTLS.
import assert from "node:assert/strict";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { Server } from "node:http";
import { connect as tlsConnect } from "node:tls";
import { after, before, describe, it } from "node:test";
import { makeCa, makeLeaf, type TestCa } from "../src/proxy/tls/test-certs.js";
import {
  direct, echoApp, freePortOn, listenOn, plaintextOutcome, registerPod, startControlPlaneProcess, startSidecar, viaSidecar, waitFor,
  type ControlPlaneProcess, type PodSpec, type SidecarProcess,
} from "./security-e2e-harness.js";

const WEB_IP = "127.0.0.5";
const API_IP = "127.0.0.6";
const APP_SNI = "secure.example.com";

function services(apiPort: number, securePort: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec:
  selector: { app: api }
  ports: [{ name: http, port: ${apiPort}, targetPort: http }]
---
apiVersion: v1
kind: Service
metadata: { name: secure, namespace: default }
spec:
  selector: { app: api }
  ports: [{ name: tcp-secure, port: ${securePort}, targetPort: tcp-secure }]
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

interface TlsOutcome { ok: boolean; peerCn: string; body: string; error: string }

/** An ordinary TLS client (not in the mesh) asking GET / over HTTP/1.1; bounded by a 5 s timeout. */
function tlsGet(ip: string, port: number, ca: string, alpn: string[]): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    const out: TlsOutcome = { ok: false, peerCn: "", body: "", error: "" };
    const s = tlsConnect({ host: ip, port, servername: APP_SNI, ca, ALPNProtocols: alpn }, () => {
      out.ok = true;
      const cn = s.getPeerCertificate().subject?.CN;
      out.peerCn = Array.isArray(cn) ? cn.join(",") : cn ?? "";
      s.write(`GET /hello HTTP/1.1\r\nhost: ${APP_SNI}\r\nconnection: close\r\n\r\n`);
    });
    s.setTimeout(5000, () => { out.error = "timeout"; s.destroy(); });
    s.on("data", (c: Buffer) => { out.body += c.toString(); });
    s.on("error", (e) => { out.error ||= e.message; });
    s.on("close", () => resolve(out));
  });
}

describe("PERMISSIVE inbound: mesh mTLS by ALPN, an app's own TLS passes through", () => {
  let cp: ControlPlaneProcess;
  let web: SidecarProcess;
  let api: SidecarProcess;
  let ca: TestCa;
  const apps: (Server | HttpsServer)[] = [];
  let appTlsConnections = 0;
  let apiPort = 0;
  let securePort = 0;
  let proxyPort = 0;
  let metricsPort = 0;

  before(async () => {
    apiPort = await freePortOn(["127.0.0.1", API_IP]);
    securePort = await freePortOn(["127.0.0.1", API_IP, WEB_IP]);
    proxyPort = await freePortOn([WEB_IP]);
    metricsPort = await freePortOn([WEB_IP, API_IP]);
    ca = await makeCa("App CA (not the mesh's)");
    const leaf = await makeLeaf(ca, { cn: "secure-app", dns: [APP_SNI] });
    const https = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => { req.resume(); res.end(`app tls says hello to ${req.url ?? ""}`); });
    https.on("secureConnection", () => { appTlsConnections++; });
    await listenOn(https, securePort, "127.0.0.1");
    apps.push(https);
    apps.push(await echoApp(apiPort, "api"));
    cp = await startControlPlaneProcess({ "services.yaml": services(apiPort, securePort), "peer.yaml": peerAuthentication("PERMISSIVE") });
    const webPod: PodSpec = { name: "web-0", ip: WEB_IP, serviceAccount: "web-sa", labels: { app: "web" }, ports: {} };
    const apiPod: PodSpec = { name: "api-0", ip: API_IP, serviceAccount: "api-sa", labels: { app: "api" }, ports: { http: apiPort, "tcp-secure": securePort } };
    for (const p of [webPod, apiPod]) await registerPod(cp, p);
    const metrics = ["--metrics-port", String(metricsPort)];
    api = await startSidecar(cp, apiPod, { extraArgs: metrics });
    web = await startSidecar(cp, webPod, { httpProxyPort: proxyPort, extraArgs: metrics });
  });

  after(async () => {
    await web?.stop();
    await api?.stop();
    for (const a of apps) a.close();
    await cp?.stop();
  });

  const apiUrl = (path = "/"): string => `http://api.default.svc.cluster.local:${apiPort}${path}`;
  const logs = (): string => `\nweb: ${web.log().slice(-3000)}\napi: ${api.log().slice(-3000)}`;

  it("a mesh client gets through over mTLS: the server side reports mutual_tls", async () => {
    await waitFor("web → api through both sidecars", async () => {
      try {
        return (await viaSidecar(WEB_IP, proxyPort, apiUrl())).status === 200;
      } catch {
        return false;
      }
    }, 20_000).catch((e: unknown) => { throw new Error(`${String(e)}${logs()}`); });
    const r = await viaSidecar(WEB_IP, proxyPort, apiUrl("/mesh"));
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { path: string }).path, "/mesh");
    let lines: string[] = [];
    await waitFor("the destination reporter's istio_requests_total", async () => {
      const text = await (await fetch(`http://${API_IP}:${metricsPort}/stats/prometheus`)).text();
      lines = text.split("\n").filter((l) => l.startsWith("istio_requests_total{") && l.includes('reporter="destination"'));
      return lines.length > 0;
    }, 10_000);
    for (const l of lines) assert.match(l, /connection_security_policy="mutual_tls"/, l);
    for (const l of lines) assert.match(l, /source_principal="spiffe:\/\/cluster\.local\/ns\/default\/sa\/web-sa"/, l);
  });

  it("an ordinary TLS client (ALPN h2+http/1.1, http/1.1, none) reaches the app's own TLS through the inbound sidecar", async () => {
    for (const alpn of [["h2", "http/1.1"], ["http/1.1"], []]) {
      const before = appTlsConnections;
      const r = await tlsGet(API_IP, securePort, ca.certPem, alpn);
      assert.equal(r.error, "", `ALPN [${alpn.join(",")}]: ${r.error}${logs()}`);
      assert.equal(r.peerCn, "secure-app", "the app's certificate, not the sidecar's");
      assert.match(r.body, /^HTTP\/1\.1 200/);
      assert.match(r.body, /app tls says hello to \/hello/);
      assert.equal(appTlsConnections, before + 1);
    }
    // Plaintext still reaches the plaintext chain of the HTTP port.
    assert.equal((await direct(API_IP, apiPort, "/plain")).status, 200);
  });

  it("a mesh client's TCP connection to the TLS app rides mTLS (Istio's istio-peer-exchange ALPN) and the app's TLS inside it", async () => {
    // web's outbound listener for secure:<port> sits on web's pod address (interception NONE).
    let r: TlsOutcome = { ok: false, peerCn: "", body: "", error: "not tried" };
    await waitFor("web → secure through both sidecars", async () => {
      r = await tlsGet(WEB_IP, securePort, ca.certPem, ["http/1.1"]);
      return r.error === "" && r.peerCn === "secure-app";
    }, 15_000).catch((e: unknown) => { throw new Error(`${String(e)}: ${JSON.stringify(r)}${logs()}`); });
    assert.match(r.body, /app tls says hello/);
    let lines: string[] = [];
    await waitFor("the destination reporter's istio_tcp_connections_opened_total", async () => {
      const text = await (await fetch(`http://${API_IP}:${metricsPort}/stats/prometheus`)).text();
      lines = text.split("\n").filter((l) => l.startsWith("istio_tcp_connections_opened_total{") && l.includes('reporter="destination"') && l.includes('source_principal="spiffe://cluster.local/ns/default/sa/web-sa"'));
      return lines.length > 0;
    }, 10_000);
    for (const l of lines) assert.match(l, /connection_security_policy="mutual_tls"/, l);
  });

  it("STRICT: the app-TLS client and plaintext are refused; the mesh client still gets through", async () => {
    await cp.write("peer.yaml", peerAuthentication("STRICT"));
    await waitFor("STRICT in force", async () => (await plaintextOutcome(API_IP, apiPort)) === "closed", 15_000);
    const before = appTlsConnections;
    const r = await tlsGet(API_IP, securePort, ca.certPem, ["http/1.1"]);
    assert.notEqual(r.error, "", "the sidecar terminates with the mesh certificate (and wants a client certificate): the app's client fails");
    assert.equal(r.body, "");
    assert.equal(appTlsConnections, before, "the app never saw the connection");
    assert.equal((await viaSidecar(WEB_IP, proxyPort, apiUrl("/strict"))).status, 200);
  });
});
