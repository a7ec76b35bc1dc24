// Interop: @grpc/grpc-js-xds (proxyless gRPC, an xDS client nobody here wrote) takes its config from
// `mizzen control-plane` translation of Istio YAML: a VirtualService weighted split between
// DestinationRule subsets, a header match, a fault abort, retries, and a split changed at run time.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as grpcXds from "@grpc/grpc-js-xds";
import { ECHO_SUBSETS, postJson, startControlPlane, waitFor, type StartedControlPlane } from "./controlplane-helpers.js";

const TARGET = "xds:///echo.default.svc.cluster.local:50051";
const METHOD = "/mizzen.test.Echo/Echo";
const identity = { serialize: (b: Buffer): Buffer => b, deserialize: (b: Buffer): Buffer => b };

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: echo
  namespace: default
spec:
  selector: {app: echo}
  ports:
  - name: grpc
    port: 50051
    targetPort: grpc
`;

function virtualService(v1: number, v2: number): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: echo
  namespace: default
spec:
  hosts: [echo]
  http:
  - match:
    - headers:
        x-version: {exact: v2}
    route:
    - destination: {host: echo, subset: v2}
  - match:
    - headers:
        x-fault: {exact: abort}
    fault:
      abort:
        httpStatus: 403
        percentage: {value: 100}
    route:
    - destination: {host: echo, subset: v1}
  - match:
    - headers:
        x-retry: {exact: "yes"}
    retries: {attempts: 3, retryOn: unavailable}
    route:
    - destination: {host: echo, subset: v1}
  - match:
    - headers:
        x-retry: {exact: "no"}
    retries: {attempts: 0}
    route:
    - destination: {host: echo, subset: v1}
  - route:
    - destination: {host: echo, subset: v1}
      weight: ${v1}
    - destination: {host: echo, subset: v2}
      weight: ${v2}
`;
}

interface Backend {
  server: grpc.Server;
  port: number;
  /** Payloads that failed once already (the "flaky" requests fail their first attempt). */
  attempts: Map<string, number>;
}

async function startBackend(version: string): Promise<Backend> {
  const server = new grpc.Server();
  const attempts = new Map<string, number>();
  server.addService({ Echo: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize } }, {
    Echo: (c: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const payload = c.request.toString();
      const n = (attempts.get(payload) ?? 0) + 1;
      attempts.set(payload, n);
      if (payload.startsWith("flaky") && n === 1) return cb({ code: grpc.status.UNAVAILABLE, details: "first attempt fails" });
      cb(null, Buffer.from(version));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { server, port, attempts };
}

function call(client: grpc.Client, payload: string, headers: Record<string, string> = {}): Promise<string> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(METHOD, identity.serialize, identity.deserialize, Buffer.from(payload), md, { deadline: Date.now() + 10_000 }, (err, res) => {
      if (err || !res) reject(err ?? new Error("no response"));
      else resolve(res.toString());
    });
  });
}

async function callError(client: grpc.Client, payload: string, headers: Record<string, string>): Promise<grpc.ServiceError> {
  try {
    await call(client, payload, headers);
  } catch (e) {
    return e as grpc.ServiceError;
  }
  throw new Error("the call succeeded");
}

describe("@grpc/grpc-js-xds against mizzen control-plane", () => {
  let cp: StartedControlPlane;
  let v1: Backend;
  let v2: Backend;
  let client: grpc.Client;

  before(async () => {
    v1 = await startBackend("v1");
    v2 = await startBackend("v2");
    cp = await startControlPlane({ "service.yaml": SERVICE, "dr.yaml": ECHO_SUBSETS, "vs.yaml": virtualService(50, 50) });
    for (const [name, b, version] of [["echo-v1", v1, "v1"], ["echo-v2", v2, "v2"]] as const) {
      const r = await postJson(cp.monitoringPort, "/debug/workloads", { op: "upsert", workload: { name, address: "127.0.0.1", labels: { app: "echo", version }, ports: { grpc: b.port } } });
      assert.equal(r.status, 200);
    }
    await cp.cp.idle();
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
      xds_servers: [{ server_uri: `127.0.0.1:${cp.xdsPort}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
      node: { id: "proxyless~127.0.0.1~client.default~default.svc.cluster.local", cluster: "client.default", locality: { region: "local" } },
    });
    grpcXds.register();
    client = new grpc.Client(TARGET, grpc.credentials.createInsecure());
  });

  after(async () => {
    client.close();
    await cp.stop();
    v1.server.forceShutdown();
    v2.server.forceShutdown();
  });

  it("splits calls between the subsets by weight", async () => {
    const seen = { v1: 0, v2: 0 };
    for (let i = 0; i < 200; i++) seen[(await call(client, `split-${i}`)) as "v1" | "v2"] += 1;
    assert.ok(seen.v1 > 0 && seen.v2 > 0, `both subsets get calls: ${JSON.stringify(seen)}`);
    assert.equal(seen.v1 + seen.v2, 200);
  });

  it("routes by a header match", async () => {
    for (let i = 0; i < 20; i++) assert.equal(await call(client, `hdr-${i}`, { "x-version": "v2" }), "v2");
  });

  it("aborts with the fault's status", async () => {
    const err = await callError(client, "fault", { "x-fault": "abort" });
    assert.equal(err.code, grpc.status.PERMISSION_DENIED);
    assert.equal(v1.attempts.has("fault"), false);
  });

  it("retries UNAVAILABLE per the VirtualService and not when attempts is 0", async () => {
    assert.equal(await call(client, "flaky-retried", { "x-retry": "yes" }), "v1");
    assert.equal(v1.attempts.get("flaky-retried"), 2);
    const err = await callError(client, "flaky-not-retried", { "x-retry": "no" });
    assert.equal(err.code, grpc.status.UNAVAILABLE);
    assert.equal(v1.attempts.get("flaky-not-retried"), 1);
  });

  it("follows a weight change made at run time", async () => {
    await cp.write("vs.yaml", virtualService(0, 100));
    let streak = 0;
    await waitFor("only v2 answering", async () => {
      streak = (await call(client, "after-change")) === "v2" ? streak + 1 : 0;
      return streak >= 20;
    });
  });
});
