// POST /debug/ca/rotate on a real monitoring server over 127.0.0.1, with a real self-signed CA.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fingerprint } from "../../ca/pem.js";
import { AdsServer } from "../../xds/index.js";
import { SECURITY_USAGE } from "../security/cli-flags.js";
import { RootRotation } from "../security/root-rotation-steps.js";
import { startSecureEndpoint, type SecureEndpoint } from "../security/secure-endpoint.js";
import { CA_ROTATE_PATH, isLoopbackAddress, type RootRotationTrigger } from "./ca-rotate-route.js";
import { MonitoringServer } from "./monitoring-server.js";

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: Record<string, unknown> }

function call(port: number, method: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: CA_ROTATE_PATH, method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

async function withServer(rootRotation: RootRotationTrigger | undefined, body: (port: number) => Promise<void>): Promise<void> {
  const server = new MonitoringServer({
    metrics: () => "", ready: () => true, syncz: () => ({ controlPlaneVersion: "", lastChange: undefined, proxies: [] }),
    configDump: () => undefined, workloadUpdate: () => false, rootRotation,
  });
  const port = await server.listen("127.0.0.1", 0);
  try {
    await body(port);
  } finally {
    await server.close();
  }
}

async function withCa(body: (ep: SecureEndpoint, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "mizzen-ca-rotate-route-"));
  const ads = new AdsServer({ source: () => [] });
  try {
    const ep = await startSecureEndpoint({ dataDir, trustDomain: "cluster.local", host: "127.0.0.1", port: 0, ads, log: () => undefined, rotationSignal: null });
    try {
      await body(ep, dataDir);
    } finally {
      await ep.close();
    }
  } finally {
    await ads.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe("POST /debug/ca/rotate", () => {
  it("takes trust → sign → retire, answering with the step, the roots trusted after it and the next step", async () => {
    await withCa(async (ep) => {
      await withServer(() => ep.rotateRoot(), async (port) => {
        const oldRoot = fingerprint(ep.authority.activeRoot());
        const s1 = await call(port, "POST");
        assert.equal(s1.status, 200);
        assert.equal(s1.body["step"], "trust-new-root");
        assert.equal(s1.body["next"], "sign-with-new-root");
        const roots1 = s1.body["roots"] as string[];
        assert.equal(roots1.length, 2, "both roots during the overlap");
        assert.deepEqual(roots1.map(fingerprint), ep.authority.trustBundle().map(fingerprint));
        assert.equal((s1.body["trusted"] as string[]).length, 2);

        const s2 = await call(port, "POST");
        assert.equal(s2.body["step"], "sign-with-new-root");
        const newRoot = fingerprint(ep.authority.activeRoot());
        assert.notEqual(newRoot, oldRoot);
        assert.ok((s2.body["trusted"] as string[]).includes(String(s2.body["signing"])));

        const s3 = await call(port, "POST");
        assert.equal(s3.body["step"], "retire-old-roots");
        assert.equal(s3.body["next"], "trust-new-root");
        assert.deepEqual((s3.body["roots"] as string[]).map(fingerprint), [newRoot]);
      });
    });
  });

  it("refuses GET with 405 and an Allow header, without taking a step", async () => {
    await withCa(async (ep) => {
      await withServer(() => ep.rotateRoot(), async (port) => {
        const r = await call(port, "GET");
        assert.equal(r.status, 405);
        assert.equal(r.headers["allow"], "POST");
        assert.equal(r.body["code"], "MIZZEN_ERR_METHOD_NOT_ALLOWED");
        assert.equal(ep.authority.trustBundle().length, 1, "no new root");
      });
    });
  });

  it("refuses a plugged-in CA with 403 and the CA's own message", async () => {
    await withCa(async (ep, dataDir) => {
      const plugged = new RootRotation(ep.authority, dataDir, true);
      await withServer(() => plugged.advance(), async (port) => {
        const r = await call(port, "POST");
        assert.equal(r.status, 403);
        assert.equal(r.body["code"], "MIZZEN_ERR_CA_ROTATION_PLUGGED");
        assert.match(String(r.body["error"]), /self-signed CA only/);
      });
    });
  });

  it("refuses browser requests (Origin header) with 403", async () => {
    await withCa(async (ep) => {
      await withServer(() => ep.rotateRoot(), async (port) => {
        const r = await call(port, "POST", { origin: "http://example.com" });
        assert.equal(r.status, 403);
        assert.equal(r.body["code"], "MIZZEN_ERR_FORBIDDEN");
        assert.equal(ep.authority.trustBundle().length, 1, "no new root");
      });
    });
  });

  it("answers 409 when the control plane runs no CA", async () => {
    await withServer(undefined, async (port) => {
      const r = await call(port, "POST");
      assert.equal(r.status, 409);
      assert.equal(r.body["code"], "MIZZEN_ERR_CA_NOT_RUNNING");
    });
    await withServer(() => undefined, async (port) => assert.equal((await call(port, "POST")).status, 409));
  });

  it("is documented in the control plane's help next to SIGUSR2", () => {
    assert.ok(SECURITY_USAGE.includes(`POST http://127.0.0.1:15014${CA_ROTATE_PATH}`));
  });

  it("counts only loopback peers as loopback", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) assert.ok(isLoopbackAddress(a), a);
    for (const a of [undefined, "", "192.0.2.2", "::ffff:192.0.2.2", "fd00::2", "0.0.0.0", "127.0.0.1.example", "1127.0.0.1"]) assert.ok(!isLoopbackAddress(a), String(a));
  });
});
