// Malformed upstream responses are network input too: the client gets 502 with flag UPE (or, once
// the response has started, a closed connection), never the upstream's broken bytes, and the
// proxy keeps serving.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer as createNetServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { HttpConnectionManager } from "../src/proxy/http/http-connection-manager.js";
import { compileHcmConfig } from "../src/proxy/http/hcm-config.js";
import { H1ConnectionPool } from "../src/proxy/http/upstream/connection-pool.js";
import { StaticCluster, StaticClusterRegistry } from "../src/proxy/http/testing/static-clusters.js";
import { serveNetworkFilter, type ServedFilter } from "../src/proxy/http/testing/serve-hcm.js";
import type { HttpRequestRecord } from "../src/proxy/http/request-record.js";

/** What the raw upstream answers, by request path. */
const ANSWERS: Record<string, string> = {
  "/fine": "HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nfine",
  "/unasked-101": "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\nws-bytes",
  "/space-in-name": "HTTP/1.1 200 OK\r\nbad name: x\r\ncontent-length: 1\r\n\r\nx",
  "/nul-in-value": "HTTP/1.1 200 OK\r\nx-a: a\0b\r\ncontent-length: 1\r\n\r\nx",
  "/status-not-a-number": "HTTP/1.1 2x0 OK\r\ncontent-length: 1\r\n\r\nx",
  "/two-lengths": "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nxy",
  "/no-colon": "HTTP/1.1 200 OK\r\nnocolon\r\ncontent-length: 1\r\n\r\nx",
  "/bad-trailer": "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nno-colon\r\n\r\n",
};

let upstream: Server;
const upstreamSockets = new Set<Socket>();
let proxy: ServedFilter;
let pool: H1ConnectionPool;
const records: HttpRequestRecord[] = [];

before(async () => {
  upstream = createNetServer((c) => {
    upstreamSockets.add(c);
    c.on("close", () => upstreamSockets.delete(c));
    c.on("error", () => undefined);
    let got = "";
    c.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      const end = got.indexOf("\r\n\r\n");
      if (end < 0) return;
      const path = got.split(" ")[1] ?? "";
      got = got.slice(end + 4);
      c.write(ANSWERS[path] ?? ANSWERS["/fine"] as string);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  const clusters = new StaticClusterRegistry([new StaticCluster("raw", [["127.0.0.1", (upstream.address() as AddressInfo).port]])]);
  pool = new H1ConnectionPool();
  const config = compileHcmConfig({
    route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "raw", timeout: "2s" } }] }] },
  });
  proxy = await serveNetworkFilter(new HttpConnectionManager(config, { nodeId: "t", clusters }, { pool, observer: (r) => records.push(r) }));
});

after(async () => {
  await proxy.close();
  pool.closeAll();
  for (const s of upstreamSockets) s.destroy();
  await new Promise((r) => upstream.close(r));
});

/** One request on its own connection; everything the proxy sent until it closed (or 3 s). */
function ask(path: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(proxy.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = (): void => { clearTimeout(timer); s.destroy(); resolve(Buffer.concat(chunks).toString("latin1")); };
    const timer = setTimeout(done, 3000);
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("close", done);
    s.on("error", done);
    s.write(`GET ${path} HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n`);
  });
}

for (const path of Object.keys(ANSWERS).filter((p) => p !== "/fine" && p !== "/bad-trailer")) {
  test(`upstream answer ${path}: 502 UPE, not the upstream's bytes`, async () => {
    const out = await ask(path);
    assert.match(out, /^HTTP\/1\.1 502 /, `got ${JSON.stringify(out.slice(0, 120))}`);
    assert.match(out, /upstream protocol error/);
    assert.deepEqual(records.at(-1)?.flags, ["UPE"]);
    assert.match(await ask("/fine"), /^HTTP\/1\.1 200 [^]*fine$/);
  });
}

test("a chunked response with a malformed trailer: the trailer never reaches the client", async () => {
  const out = await ask("/bad-trailer");
  assert.doesNotMatch(out, /no-colon/);
  // The response had begun (its head was accepted): as Envoy resets a started response, the
  // connection closes instead of ending the response.
  assert.doesNotMatch(out, /\r\n0\r\n/, "the response is not completed");
  assert.deepEqual(records.at(-1)?.flags, ["UC"]);
  assert.match(await ask("/fine"), /^HTTP\/1\.1 200 [^]*fine$/);
});
