// Root rotation end to end over real processes: `mizzen control-plane` (workload certs with a 4 s
// TTL) and two sidecars under steady load through mTLS. Each SIGUSR2 takes one rotation step (trust
// a new root, sign with it, retire the old one); the agents follow from their CSR answers (ROOTCA
// with both roots during the overlap, certs renewed under the new root) and no request fails. At the
// end a certificate from the old root is refused and one from the new root accepted. Also: a
// plaintext caller refused under STRICT is logged at info with its address and the port.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { after, before, describe, it } from "node:test";
import { CaClient } from "../src/agent/ca-client.js";
import { makeKeyAndCsr } from "../src/agent/workload-key.js";
import { splitChainAndRoots } from "../src/agent/trust-bundle.js";
import { issuePodToken } from "../src/controlplane/security/index.js";
import { BIN } from "./controlplane-helpers.js";
import {
  echoApp, freePortOn, plaintextOutcome, registerPod, startSidecar, viaSidecar, waitFor,
  type ControlPlaneProcess, type PodSpec, type SidecarProcess,
} from "./security-e2e-harness.js";

const WEB_IP = "127.0.0.12";
const API_IP = "127.0.0.13";

const SERVICE = (port: number): string => `apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec:
  selector: { app: api }
  ports: [{ name: http, port: ${port}, targetPort: http }]
`;

const STRICT = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec:
  mtls: { mode: STRICT }
`;

interface RunningControlPlane extends ControlPlaneProcess {
  readonly child: ChildProcess;
}

async function startControlPlane(files: Record<string, string>): Promise<RunningControlPlane> {
  const base = await mkdtemp(join(tmpdir(), "mizzen-rotation-"));
  const configDir = join(base, "config");
  const dataDir = join(base, "data");
  await mkdir(configDir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(configDir, name), text);
  const child = spawn(process.execPath, [
    BIN, "control-plane", "--config", configDir, "--data-dir", dataDir, "--listen-address", "127.0.0.1",
    "--xds-port", "0", "--monitoring-port", "0", "--secure-port", "0", "--workload-cert-ttl", "4s",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  const sink = { text: "" };
  const add = (c: Buffer): void => { sink.text = (sink.text + c.toString()).slice(-400_000); };
  child.stdout.on("data", add);
  child.stderr.on("data", add);
  let ready: { monitoringPort: number; securePort: number; rootCertFile: string } | undefined;
  await waitFor("the control plane's ready line", () => {
    const line = sink.text.split("\n").find((l) => l.startsWith("{") && l.includes("\"ready\""));
    if (line) ready = JSON.parse(line) as typeof ready;
    if (child.exitCode !== null) throw new Error(`control plane exited: ${sink.text}`);
    return ready !== undefined;
  }, 20_000);
  const r = ready as NonNullable<typeof ready>;
  return {
    child, configDir, dataDir, securePort: r.securePort, monitoringPort: r.monitoringPort, rootCertFile: r.rootCertFile,
    log: () => sink.text,
    write: (file, text) => writeFile(join(configDir, file), text),
    remove: (file) => rm(join(configDir, file), { force: true }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((res) => child.once("exit", res));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((res) => setTimeout(res, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** A certificate for web-sa straight from the CA (TTL 1 h, so only its root can make it fail). */
async function issueWebCert(cp: ControlPlaneProcess, rootPem: string): Promise<{ cert: string; key: string }> {
  const token = await issuePodToken(cp.dataDir, { namespace: "default", serviceAccount: "web-sa", pod: "web-0" });
  const ca = new CaClient({ caAddress: `127.0.0.1:${cp.securePort}`, rootCertPem: rootPem, serverName: "istiod.istio-system.svc", token: () => token });
  try {
    const { keyPem, csrPem } = await makeKeyAndCsr({ spiffeId: "spiffe://cluster.local/ns/default/sa/web-sa" });
    const answer = await ca.createCertificate(csrPem, 3600);
    return { cert: splitChainAndRoots(answer).chain.join(""), key: keyPem };
  } finally {
    ca.close();
  }
}

/** An HTTP request over mTLS straight to the api pod with `client`'s certificate: the status, or why it failed. */
function mtlsRequest(ip: string, port: number, client: { cert: string; key: string }): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const s = tlsConnect({ host: ip, port, cert: client.cert, key: client.key, rejectUnauthorized: false, ALPNProtocols: ["istio"] }, () => {
      s.write(`GET /mtls HTTP/1.1\r\nhost: api.default.svc.cluster.local\r\nconnection: close\r\n\r\n`);
    });
    s.setTimeout(5000, () => s.destroy(new Error("timeout")));
    s.on("data", (c: Buffer) => { got += c.toString(); });
    s.on("error", (e) => resolve(`error: ${e.message}`));
    s.on("close", () => resolve(/^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? `closed: ${got.slice(0, 100)}`));
  });
}

describe("root rotation on a running mesh", () => {
  let cp: RunningControlPlane;
  const sidecars: SidecarProcess[] = [];
  let app: Server | undefined;
  let web: SidecarProcess;
  let api: SidecarProcess;
  let apiPort = 0;
  let proxyPort = 0;

  before(async () => {
    apiPort = await freePortOn(["127.0.0.1", API_IP]);
    proxyPort = await freePortOn([WEB_IP]);
    app = await echoApp(apiPort, "api");
    cp = await startControlPlane({ "services.yaml": SERVICE(apiPort), "peer.yaml": STRICT });
    const webPod: PodSpec = { name: "web-0", ip: WEB_IP, serviceAccount: "web-sa", labels: { app: "web" }, ports: {} };
    const apiPod: PodSpec = { name: "api-0", ip: API_IP, serviceAccount: "api-sa", labels: { app: "api" }, ports: { http: apiPort } };
    for (const p of [webPod, apiPod]) await registerPod(cp, p);
    api = await startSidecar(cp, apiPod);
    web = await startSidecar(cp, webPod, { httpProxyPort: proxyPort });
    sidecars.push(api, web);
  });

  after(async () => {
    for (const s of sidecars) await s.stop();
    app?.close();
    await cp?.stop();
  });

  const apiUrl = (path: string): string => `http://api.default.svc.cluster.local:${apiPort}${path}`;
  const ok = async (path: string): Promise<boolean> => {
    try {
      return (await viaSidecar(WEB_IP, proxyPort, apiUrl(path))).status === 200;
    } catch {
      return false;
    }
  };

  it("STRICT: a refused plaintext caller is logged at info with its address and the port", async () => {
    await waitFor("web → api over mTLS", () => ok("/warm"), 20_000)
      .catch((e: unknown) => { throw new Error(`${String(e)}\nweb: ${web.log().slice(-3000)}\napi: ${api.log().slice(-3000)}`); });
    assert.equal(await plaintextOutcome(API_IP, apiPort), "closed");
    const line = new RegExp(`refused plaintext connection from \\d+\\.\\d+\\.\\d+\\.\\d+:\\d+ to inbound port ${apiPort}: PeerAuthentication STRICT requires mTLS`);
    await waitFor("the refusal line in api's log", () => line.test(api.log()));
    assert.match(api.log(), /\]\[info\] refused plaintext connection/);
  });

  it("steps through trust → sign → retire under steady load with no failed request; the old root is refused at the end", async () => {
    const oldRoot = await readFile(cp.rootCertFile, "utf8");
    const oldRootCert = await issueWebCert(cp, oldRoot);
    assert.equal(await mtlsRequest(API_IP, apiPort, oldRootCert), "200", "a cert from the current root is accepted before the rotation");

    let stop = false;
    let okCount = 0;
    const failures: string[] = [];
    const load = (async () => {
      const deadline = Date.now() + 120_000;
      for (let i = 0; i < 100_000 && !stop && Date.now() < deadline; i++) {
        try {
          const r = await viaSidecar(WEB_IP, proxyPort, apiUrl(`/r${i}`));
          if (r.status === 200) okCount++;
          else failures.push(`${r.status} ${r.body.slice(0, 200)}`);
        } catch (e) {
          failures.push(String(e));
        }
      }
    })();

    const stepLines = (): string[] => cp.log().match(/ca: root rotation step [a-z-]+: signing under root [0-9a-f]+, trusting [0-9a-f, ]+/g) ?? [];
    const step = async (name: string): Promise<string> => {
      const before = stepLines().length;
      cp.child.kill("SIGUSR2");
      await waitFor(`rotation step ${name}`, () => stepLines().length > before, 15_000);
      const line = stepLines()[before] ?? "";
      assert.match(line, new RegExp(`step ${name}:`));
      return line;
    };
    const logs = (s: SidecarProcess): string => s.log();
    try {
      const trusted = await step("trust-new-root");
      const m = /signing under root ([0-9a-f]+), trusting (.*)$/.exec(trusted);
      const oldTag = m?.[1] ?? "";
      const newTag = (m?.[2] ?? "").split(", ").find((t) => t !== oldTag) ?? "";
      assert.notEqual(newTag, "");
      for (const s of [web, api]) {
        await waitFor("both roots in ROOTCA", () => new RegExp(`trust bundle now 2 root\\(s\\): .*${newTag}`).test(logs(s)), 20_000);
      }
      await step("sign-with-new-root");
      for (const s of [web, api]) {
        await waitFor("a certificate under the new root", () => logs(s).includes(`renewed under root ${newTag}`), 20_000);
      }
      await step("retire-old-roots");
      for (const s of [web, api]) {
        await waitFor("only the new root in ROOTCA", () => logs(s).includes(`trust bundle now 1 root(s): ${newTag}`), 20_000);
      }
      const afterRetire = okCount;
      await waitFor("more requests after the old root is retired", () => okCount >= afterRetire + 20 || failures.length > 0, 20_000);
    } finally {
      stop = true;
      await load;
    }
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed of ${okCount + failures.length}`);
    assert.ok(okCount > 0);

    const refused = await mtlsRequest(API_IP, apiPort, oldRootCert);
    assert.notEqual(refused, "200", "a cert from the retired root is refused");
    const newRoot = await readFile(cp.rootCertFile, "utf8");
    assert.equal(await mtlsRequest(API_IP, apiPort, await issueWebCert(cp, newRoot)), "200", "a cert from the new root is accepted");
  });
});
