// End to end over real processes: a CUSTOM AuthorizationPolicy with a gRPC ext_authz provider on a
// TCP port. The control plane puts Istio's network rbac (shadow selection) + network ext_authz on
// the inbound TCP chains; the sidecar asks the authorizer per connection: the mesh client (its
// principal allowed by the authorizer) passes bytes, a client the authorizer refuses is closed
// before the app sees it.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Server as GrpcServer, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { authorizationService } from "../src/proxy/http/filters/ext-authz/grpc-check.js";
import { freePortOn, listenOn, registerPod, startControlPlaneProcess, startSidecar, waitFor, type ControlPlaneProcess, type PodSpec, type SidecarProcess } from "./security-e2e-harness.js";

const WEB_IP = "127.0.0.7";
const DB_IP = "127.0.0.8";
const WEB_ID = "spiffe://cluster.local/ns/default/sa/web-sa";
const DB_ID = "spiffe://cluster.local/ns/default/sa/db-sa";

interface CheckReq { attributes?: { source?: { principal?: string }; destination?: { principal?: string; address?: { socket_address?: { port_value?: number } } } } }

/** Writes `ping`; the answer before the proxy closed, or "echo:ping" as soon as it arrives (5 s bound). */
function talk(ip: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, ip);
    let got = "";
    const done = (): void => { s.destroy(); resolve(got); };
    s.setTimeout(5000, done);
    s.on("data", (d: Buffer) => { got += d.toString(); if (got === "echo:ping") done(); });
    s.on("error", done);
    s.on("close", done);
    s.write("ping");
  });
}

describe("CUSTOM ext_authz on a TCP port between real sidecars", () => {
  let cp: ControlPlaneProcess;
  let web: SidecarProcess;
  let db: SidecarProcess;
  let grpc: GrpcServer;
  let app: Server;
  const appSockets = new Set<Socket>();
  let appConnections = 0;
  const checks: CheckReq[] = [];
  let dbPort = 0;
  let tmp = "";

  before(async () => {
    grpc = new GrpcServer();
    grpc.addService(authorizationService().service, {
      Check: (call: ServerUnaryCall<CheckReq, unknown>, cb: sendUnaryData<unknown>) => {
        checks.push(call.request);
        const ok = call.request.attributes?.source?.principal === WEB_ID;
        cb(null, ok ? { status: { code: 0 } } : { status: { code: 7, message: "only web-sa" } });
      },
    });
    const grpcPort = await new Promise<number>((resolve, reject) => grpc.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => e ? reject(e) : resolve(p)));
    dbPort = await freePortOn(["127.0.0.1", DB_IP, WEB_IP]);
    app = createServer((s) => {
      appConnections++;
      appSockets.add(s);
      s.on("close", () => appSockets.delete(s));
      s.on("error", () => s.destroy());
      s.on("data", (d: Buffer) => s.write(`echo:${d.toString()}`));
    });
    await listenOn(app, dbPort, "127.0.0.1");
    tmp = await mkdtemp(join(tmpdir(), "mizzen-custom-tcp-"));
    const meshFile = join(tmp, "mesh.yaml");
    await writeFile(meshFile, `extensionProviders:\n- name: tcp-authz\n  envoyExtAuthzGrpc: { service: 127.0.0.1, port: ${grpcPort}, timeout: 5s }\n`);
    cp = await startControlPlaneProcess({
      "services.yaml": `apiVersion: v1
kind: Service
metadata: { name: db, namespace: default }
spec:
  selector: { app: db }
  ports: [{ name: tcp-db, port: ${dbPort}, targetPort: tcp-db }]
`,
      "authz.yaml": `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: db-custom, namespace: default }
spec:
  selector: { matchLabels: { app: db } }
  action: CUSTOM
  provider: { name: tcp-authz }
  rules: [{ to: [{ operation: { ports: ["${dbPort}"] } }] }]
`,
    }, ["--mesh", meshFile]);
    const webPod: PodSpec = { name: "web-0", ip: WEB_IP, serviceAccount: "web-sa", labels: { app: "web" }, ports: {} };
    const dbPod: PodSpec = { name: "db-0", ip: DB_IP, serviceAccount: "db-sa", labels: { app: "db" }, ports: { "tcp-db": dbPort } };
    for (const p of [webPod, dbPod]) await registerPod(cp, p);
    db = await startSidecar(cp, dbPod, { extraArgs: ["--log-level", "debug"] });
    web = await startSidecar(cp, webPod);
  });

  after(async () => {
    await web?.stop();
    await db?.stop();
    for (const s of appSockets) s.destroy();
    app?.close();
    grpc?.forceShutdown();
    await cp?.stop();
    if (tmp !== "") await rm(tmp, { recursive: true, force: true });
  });

  it("the authorizer allows the mesh client (web-sa over mTLS): bytes pass; it refuses a plaintext client: closed before the app", async () => {
    let last = "";
    await waitFor("web → db through both sidecars, allowed by ext_authz", async () => {
      last = await talk(WEB_IP, dbPort);
      return last === "echo:ping";
    }, 20_000).catch((e: unknown) => { throw new Error(`${String(e)}: last ${JSON.stringify(last)}\nweb: ${web.log().slice(-3000)}\ndb: ${db.log().slice(-3000)}`); });
    const allowed = checks.at(-1);
    assert.equal(allowed?.attributes?.source?.principal, WEB_ID);
    assert.equal(allowed?.attributes?.destination?.address?.socket_address?.port_value, dbPort);
    assert.equal(allowed?.attributes?.destination?.principal, DB_ID, "the server sidecar's own identity");

    const seen = checks.length;
    const appBefore = appConnections;
    assert.equal(await talk(DB_IP, dbPort), "", "a client without the allowed identity is closed");
    assert.equal(checks.length, seen + 1, "the authorizer was asked");
    assert.equal(checks.at(-1)?.attributes?.source?.principal, "");
    assert.equal(checks.at(-1)?.attributes?.destination?.principal, "", "no mTLS, no identity of its own either");
    assert.equal(appConnections, appBefore, "the refused connection never reached the app");
    await waitFor("the denial counted", async () => /ext_authz\.tcp\.denied: [1-9]/.test(await db.stats()), 5000);
  });
});
