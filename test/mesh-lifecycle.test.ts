// The local mesh's life cycle with the real CLI: bad manifests are refused before anything starts
// (file and field named), a pod that crashes at start is restarted and reported without hanging
// `up`, `mizzen down` leaves no process, network namespace, iptables rule or bridge behind, and
// Bookinfo routes through the ingress gateway in capture mode NONE too.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive, readMeshState, readPods } from "../src/platform/local/mesh/state.js";
import { freePort } from "../src/platform/local/mesh/control-plane-process.js";
import {
  containerPids, eventually, meshPods, mizzen, productPage, proxyAdmin, redirectUnavailable, REPO_ROOT, startTestMesh, starsOf, steadily, type TestMesh,
} from "../src/platform/local/mesh/testing/mesh-fixture.js";

const work = mkdtempSync(join(tmpdir(), "mizzen-lifecycle-"));
after(() => rmSync(work, { recursive: true, force: true }));

function manifestDir(name: string, yaml: string): string {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  spawnSync("mkdir", ["-p", dir]);
  writeFileSync(join(dir, "app.yaml"), yaml);
  return dir;
}

/** Processes whose command line mentions the text (the supervisor's and the control plane's name the state dir). */
function processesMentioning(text: string): string[] {
  const ps = spawnSync("ps", ["-eo", "pid,args"], { encoding: "utf8" }).stdout ?? "";
  return ps.split("\n").filter((l) => l.includes(text) && !l.includes("ps -eo"));
}

describe("mizzen up refuses bad manifests before starting anything", () => {
  it("names the file and the field of every error and exits 1", async () => {
    const dir = manifestDir("bad", `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews }
    timeout: abc
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nocommand
spec:
  selector: { matchLabels: { app: nocommand } }
  template:
    metadata: { labels: { app: nocommand } }
    spec:
      containers:
      - name: main
        image: example/nocommand
`);
    const stateDir = join(work, "bad-state");
    const r = await mizzen(["up", "--detach", "-f", dir, "--state-dir", stateDir, "--capture", "none"], 60_000);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /app\.yaml:\d+: VirtualService default\/reviews: spec\.http\[0\]\.timeout: invalid duration "abc"/);
    assert.match(r.stderr, /Deployment default\/nocommand \(.*app\.yaml:\d+\): container "main" has no command/);
    assert.equal(existsSync(join(stateDir, "mesh.json")), false, "no mesh was started");
    assert.deepEqual(processesMentioning(stateDir), []);
  });
});

/** A Secret (kubernetes.io/tls, istio-system) and an HTTPS server on the bookinfo Gateway; undefined without openssl. */
function tlsManifests(): string | undefined {
  const dir = join(work, "tls");
  spawnSync("mkdir", ["-p", dir]);
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"), "-days", "2",
    "-subj", "/CN=bookinfo.example.com", "-addext", "subjectAltName=DNS:bookinfo.example.com"], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  const b64 = (f: string): string => readFileSync(join(dir, f)).toString("base64");
  const out = join(work, "tls-manifests");
  spawnSync("mkdir", ["-p", out]);
  writeFileSync(join(out, "gateway.yaml"), `apiVersion: v1
kind: Secret
metadata: { name: bookinfo-credential, namespace: istio-system }
type: kubernetes.io/tls
data:
  tls.crt: ${b64("c.pem")}
  tls.key: ${b64("k.pem")}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: bookinfo-gateway }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: ["*"]
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: ["*"]
    tls: { mode: SIMPLE, credentialName: bookinfo-credential }
`);
  return out;
}

function httpsGet(port: number, path: string, servername = "bookinfo.example.com"): Promise<{ status: number; body: string; subject: string }> {
  return new Promise((resolve) => {
    const req = https.get({ host: "127.0.0.1", port, path, servername, rejectUnauthorized: false, agent: false, timeout: 10_000 }, (res) => {
      const subject = String((res.socket as TLSSocket).getPeerCertificate().subject?.CN ?? "");
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), subject }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve({ status: 0, body: "", subject: "" }));
  });
}

const capture = redirectUnavailable ? "none" : "redirect";
/** The modes this host can run: NONE always, REDIRECT with root and iptables. */
const captures: ("redirect" | "none")[] = redirectUnavailable ? ["none"] : ["redirect", "none"];

describe(`a pod that crashes at start (capture ${capture})`, () => {
  let mesh: TestMesh | undefined;
  after(async () => { await mesh?.down(); });

  it("is restarted and reported by up (exit 1, naming the pod and its log), and down leaves nothing behind", async () => {
    const dir = manifestDir("crash", `apiVersion: v1
kind: Service
metadata: { name: crasher }
spec:
  ports: [{ port: 9080, name: http }]
  selector: { app: crasher }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: crasher-v1 }
spec:
  selector: { matchLabels: { app: crasher } }
  template:
    metadata: { labels: { app: crasher, version: v1 } }
    spec:
      containers:
      - name: crasher
        command: ["node", "-e", "console.error('crasher: giving up'); process.exit(3)"]
        ports: [{ containerPort: 9080 }]
`);
    mesh = await startTestMesh({ capture, paths: [dir], timeoutS: 10 });
    assert.equal(mesh.up.code, 1, mesh.up.stdout + mesh.up.stderr);
    assert.match(mesh.up.stderr, /pod default\/crasher-v1-[a-z0-9]+-[a-z0-9]+: CrashLoopBackOff/);
    assert.match(mesh.up.stderr, /crasher: giving up/);
    const pods = await meshPods(mesh);
    const crasher = pods.find((p) => p.name.startsWith("crasher-v1-"));
    assert.ok(crasher && crasher.restarts > 0 && !crasher.ready, JSON.stringify(crasher));
    const gateway = pods.find((p) => p.name.startsWith("istio-ingressgateway-"));
    assert.ok(gateway?.ready, "the gateway runs regardless");
    const status = await mesh.cli(["status"]);
    assert.match(status.stdout, /crasher-v1-\S+\s+1\/2\s+CrashLoopBackOff|crasher-v1-\S+\s+1\/2\s+Running/);

    const stateDir = mesh.stateDir;
    const bridge = capture === "redirect" ? (JSON.parse(spawnSync("cat", [join(stateDir, "mesh.json")], { encoding: "utf8" }).stdout) as { bridge?: { name: string } }).bridge?.name : undefined;
    const down = await mesh.down();
    mesh = undefined;
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(processesMentioning(stateDir), []);
    for (const pid of containerPids(pods)) assert.equal(processAlive(pid), false, `process ${pid} is left`);
    if (capture === "redirect") {
      const netns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
      for (const p of pods) assert.equal(netns.includes(`mzn-${p.name}`), false, `namespace of ${p.name} left`);
      assert.ok(bridge);
      assert.doesNotMatch(spawnSync("ip", ["link"], { encoding: "utf8" }).stdout, new RegExp(`\\b${bridge}[:@]`));
      assert.doesNotMatch(spawnSync("iptables-save", [], { encoding: "utf8" }).stdout, new RegExp(`\\b${bridge}\\b`));
      for (const p of pods) assert.equal(existsSync(`/etc/netns/mzn-${p.name}`), false);
    }
  });
});

/** `podAnnotations`: one line of YAML flow-map entries for the pod template, e.g. `a: b`. */
function helloManifest(replicas: number, greeting: string, podAnnotations = ""): string {
  return `apiVersion: v1
kind: Service
metadata: { name: hello }
spec:
  ports: [{ port: 9080, name: http }]
  selector: { app: hello }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello-v1 }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello, version: v1 }, annotations: { ${podAnnotations} } }
    spec:
      containers:
      - name: hello
        command: ["node", "-e", "require('http').createServer((q, s) => s.end('${greeting}')).listen(9080, process.env.HOST || '0.0.0.0')"]
        ports: [{ containerPort: 9080 }]
`;
}

const netnsList = (): string => spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";

/** A kubernetes.io/tls Secret in istio-system for `cn` (undefined without openssl). */
function tlsSecret(name: string, cn: string): string | undefined {
  const dir = join(work, `cert-${cn}`);
  spawnSync("mkdir", ["-p", dir]);
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"), "-days", "2",
    "-subj", `/CN=${cn}`, "-addext", `subjectAltName=DNS:${cn}`], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  const b64 = (f: string): string => readFileSync(join(dir, f)).toString("base64");
  return `apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: istio-system }
type: kubernetes.io/tls
data:
  tls.crt: ${b64("c.pem")}
  tls.key: ${b64("k.pem")}
`;
}

const HELLO_HTTPS = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: hello-gateway }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: ["*"]
    tls: { mode: SIMPLE, credentialName: hello-credential }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: hello }
spec:
  hosts: ["*"]
  gateways: [hello-gateway]
  http:
  - route:
    - destination: { host: hello, port: { number: 9080 } }
`;

for (const capture of captures) {
  describe(`Deployments changed and deleted on a running mesh (capture ${capture})`, () => {
    let mesh: TestMesh | undefined;
    after(async () => { await mesh?.down(); });

    it("apply with a new template replaces the pods; delete stops them: processes, namespaces and endpoints gone", async () => {
      const dir = manifestDir("rollout", helloManifest(1, "hello one"));
      mesh = await startTestMesh({ capture, paths: [dir] });
      assert.equal(mesh.up.code, 0, mesh.up.stdout + mesh.up.stderr);
      const m = mesh;
      const hello = async (): Promise<Awaited<ReturnType<typeof meshPods>>> => (await meshPods(m)).filter((p) => p.name.startsWith("hello-v1-"));
      const endpoints = (): Promise<string> => proxyAdmin(m, "istio-ingressgateway-", "/clusters");
      const first = await hello();
      assert.equal(first.length, 1);
      const old = first[0];
      assert.ok(old);
      const oldPids = containerPids(first);
      assert.ok(oldPids.length >= 2, "app and sidecar run");
      await eventually("the pod as the gateway's endpoint", async () => ((await endpoints()).includes(`${old.ip}:9080`) ? true : undefined));

      // The proxy drains for the pod's terminationDrainDuration when it stops: Istio's 5s by default.
      const drainTime = async (podPrefix: string): Promise<unknown> =>
        (JSON.parse(await proxyAdmin(m, podPrefix, "/server_info")) as { command_line_options?: { drain_time?: unknown } }).command_line_options?.drain_time;
      assert.equal(await drainTime(old.name), "5s");

      // A changed template (two replicas, and a ProxyConfig annotation): new pods start, the old one stops.
      writeFileSync(join(dir, "app.yaml"), helloManifest(2, "hello two", `"proxy.istio.io/config": "terminationDrainDuration: 7s"`));
      const applied = await m.cli(["apply", "-f", dir]);
      assert.equal(applied.code, 0, applied.stderr);
      const second = await eventually("two new ready pods and the old one gone", async () => {
        const now = await hello();
        return now.length === 2 && now.every((p) => p.ready && p.name !== old.name) ? now : undefined;
      }, 60_000);
      for (const pid of oldPids) assert.equal(processAlive(pid), false, `process ${pid} of the old pod is left`);
      for (const p of second) assert.equal(await drainTime(p.name), "7s", `${p.name} drains for its annotation's terminationDrainDuration`);
      if (capture === "redirect") assert.equal(netnsList().includes(`mzn-${old.name}`), false, "the old pod's namespace is gone");
      await eventually("the old pod no longer an endpoint, the new ones are", async () => {
        const eps = await endpoints();
        // New pods take fresh addresses: the old one's is freed only after they started.
        return !eps.includes(`${old.ip}:9080`) && second.every((p) => eps.includes(`${p.ip}:9080`)) ? true : undefined;
      });

      // Deleting the Deployment stops its pods.
      const deleted = await m.cli(["delete", "-f", dir]);
      assert.equal(deleted.code, 0, deleted.stderr);
      await eventually("no hello pod in status", async () => ((await hello()).length === 0 ? true : undefined), 60_000);
      const status = await m.cli(["status"]);
      assert.doesNotMatch(status.stdout, /hello-v1-/);
      for (const pid of containerPids(second)) assert.equal(processAlive(pid), false, `process ${pid} is left`);
      if (capture === "redirect") for (const p of second) assert.equal(netnsList().includes(`mzn-${p.name}`), false, `namespace of ${p.name} left`);
      await eventually("no hello endpoint at the gateway", async () => {
        const eps = await endpoints();
        return second.every((p) => !eps.includes(`${p.ip}:9080`)) ? true : undefined;
      });
      const down = await m.down();
      mesh = undefined;
      assert.equal(down.code, 0, down.stderr);
    });
  });
}

for (const capture of captures) {
  describe(`gateway credentials follow Secret changes (capture ${capture})`, { skip: tlsSecret("probe", "probe.example.com") ? false : "openssl is not installed" }, () => {
    let mesh: TestMesh | undefined;
    after(async () => { await mesh?.down(); });

    it("serves a changed Secret's certificate and a new Secret's over HTTPS (HTTP/1.1) without restarting the gateway", async () => {
      const dir = manifestDir("credentials", helloManifest(1, "hello over tls"));
      writeFileSync(join(dir, "gateway.yaml"), `${tlsSecret("hello-credential", "first.example.com") ?? ""}---\n${HELLO_HTTPS}`);
      mesh = await startTestMesh({ capture, paths: [dir] });
      assert.equal(mesh.up.code, 0, mesh.up.stdout + mesh.up.stderr);
      const m = mesh;
      const gateway = (await meshPods(m)).find((p) => p.name.startsWith("istio-ingressgateway-"));
      assert.ok(gateway);
      const served = async (cn: string): Promise<void> => {
        let last = "";
        await eventually(`the gateway serving ${cn}`, async () => {
          const got = await httpsGet(m.ingressHttpsPort, "/", cn);
          last = `${got.status} ${got.subject} ${got.body.slice(0, 100)}`;
          return got.status === 200 && got.subject === cn && got.body === "hello over tls" ? true : undefined;
        }, 30_000, () => last);
      };
      await served("first.example.com");
      // The Secret changes (rotation): same name, new certificate.
      const rotated = join(work, "rotated.yaml");
      writeFileSync(rotated, tlsSecret("hello-credential", "second.example.com") ?? "");
      const applied = await m.cli(["apply", "-f", rotated]);
      assert.equal(applied.code, 0, applied.stderr);
      await served("second.example.com");
      // A new Secret and a Gateway naming it.
      const added = join(work, "added.yaml");
      writeFileSync(added, `${tlsSecret("other-credential", "third.example.com") ?? ""}---\n${HELLO_HTTPS.replace("hello-credential", "other-credential")}`);
      const appliedNew = await m.cli(["apply", "-f", added]);
      assert.equal(appliedNew.code, 0, appliedNew.stderr);
      await served("third.example.com");
      const still = (await meshPods(m)).find((p) => p.name === gateway.name);
      assert.ok(still, "the same gateway pod");
      assert.equal(still.restarts, 0, "the gateway did not restart");
      assert.deepEqual(containerPids([still]), containerPids([gateway]), "the same gateway process");
      const down = await m.down();
      mesh = undefined;
      assert.equal(down.code, 0, down.stderr);
    });
  });
}

describe("mizzen down while a pod is still starting", () => {
  it("stops the mesh at once instead of holding the supervisor until up's timeout", async () => {
    const dir = manifestDir("never-ready", `apiVersion: apps/v1
kind: Deployment
metadata: { name: never-ready }
spec:
  selector: { matchLabels: { app: never-ready } }
  template:
    metadata: { labels: { app: never-ready } }
    spec:
      containers:
      - name: main
        command: ["node", "-e", "process.exit(3)"]
`);
    const stateDir = mkdtempSync(join(work, "never-ready-state-"));
    const ports = [String(await freePort()), String(await freePort())];
    const up = mizzen(["up", "-f", dir, "--state-dir", stateDir, "--capture", "none", "--ingress-port", ports[0] as string, "--ingress-https-port", ports[1] as string, "--timeout", "300", "--cwd", REPO_ROOT], 180_000);
    try {
      await eventually("the pod started, not ready", async () => (readMeshState(stateDir)?.phase === "starting" && readPods(stateDir).some((p) => p.name.startsWith("never-ready-")) ? true : undefined), 90_000);
      const t0 = Date.now();
      const down = await mizzen(["down", "--state-dir", stateDir], 90_000);
      const took = Date.now() - t0;
      assert.equal(down.code, 0, down.stdout + down.stderr);
      assert.match(down.stdout, /mesh stopped/);
      assert.ok(took < 30_000, `down took ${took} ms`);
      const r = await up;
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /the mesh was stopped before every pod was ready/);
      assert.deepEqual(processesMentioning(stateDir), []);
    } finally {
      await mizzen(["down", "--state-dir", stateDir], 90_000);
      await up;
    }
  });
});

describe("Bookinfo in capture mode NONE", () => {
  let mesh: TestMesh | undefined;
  after(async () => { await mesh?.down(); });

  it("serves the product page through the gateway (HTTP, and HTTPS with a credentialName Secret) and follows request routing", async () => {
    const net = join(REPO_ROOT, "samples/bookinfo/networking");
    const tls = tlsManifests();
    mesh = await startTestMesh({ capture: "none", paths: [join(REPO_ROOT, "samples/bookinfo/platform"), join(net, "bookinfo-gateway.yaml"), join(net, "destination-rule-all.yaml"), ...(tls ? [tls] : [])] });
    assert.equal(mesh.up.code, 0, mesh.up.stdout + mesh.up.stderr);
    const m = mesh;
    const pods = await meshPods(m);
    assert.ok(pods.every((p) => p.captureMode === "NONE" && /^127\.18\./.test(p.ip)), JSON.stringify(pods.map((p) => p.ip)));
    await steadily("the product page", 2, () => productPage(m.ingressPort), (p) => p.status === 200 && p.body.includes("Book Reviews"));
    if (tls && m.ingressHttpsPort) {
      const port = m.ingressHttpsPort;
      const r = await eventually("the product page over HTTPS", async () => {
        const got = await httpsGet(port, "/productpage");
        return got.status === 200 ? got : undefined;
      });
      assert.equal(r.subject, "bookinfo.example.com", "the gateway serves the Secret's certificate");
      assert.match(r.body, /Book Details/);
    }
    await m.apply("samples/bookinfo/networking/virtual-service-all-v1.yaml", "samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml");
    await steadily("no stars for others", 4, () => productPage(m.ingressPort), (p) => starsOf(p) === "none");
    await steadily("black stars for jason", 3, () => productPage(m.ingressPort, "jason"), (p) => starsOf(p) === "black");
    const vs = await m.cli(["get", "virtualservice", "reviews", "-o", "json"]);
    assert.equal(vs.code, 0, vs.stderr);
    assert.equal((JSON.parse(vs.stdout) as { metadata: { namespace: string } }).metadata.namespace, "default");
    // A Deployment applied to the running mesh becomes a meshed pod.
    const extra = manifestDir("extra", `apiVersion: v1
kind: Service
metadata: { name: hello }
spec:
  ports: [{ port: 9080, name: http }]
  selector: { app: hello }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello-v1 }
spec:
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello, version: v1 } }
    spec:
      containers:
      - name: hello
        command: ["node", "-e", "require('http').createServer((q, s) => s.end('hello')).listen(9080, process.env.HOST || '0.0.0.0')"]
        ports: [{ containerPort: 9080 }]
`);
    const applied = await m.cli(["apply", "-f", extra]);
    assert.equal(applied.code, 0, applied.stderr);
    await eventually("the applied Deployment's pod ready", async () => ((await meshPods(m)).some((p) => p.name.startsWith("hello-v1-") && p.ready) ? true : undefined), 60_000);
    const stateDir = m.stateDir;
    const pids = containerPids(await meshPods(m));
    assert.ok(pids.length >= 15, `every container has a process: ${pids.length}`);
    const down = await m.down();
    mesh = undefined;
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(processesMentioning(stateDir), []);
    for (const pid of pids) assert.equal(processAlive(pid), false, `process ${pid} is left`);
  });
});
