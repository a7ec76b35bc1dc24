// `mizzen proxy` pays for what its configuration uses: run as a real child process with a static
// JSON bootstrap, it serves traffic without ever loading gRPC, protobuf, the YAML parser, jose,
// undici or zod; a listener that names jwt_authn loads jose. What was loaded is observed from
// outside the proxy: a preload records every module the ESM loader loads (a loader hook) and every
// CommonJS module in require.cache at exit.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../../bin/mizzen.js", import.meta.url));
const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } };
const JWT_AUTHN = {
  name: "envoy.filters.http.jwt_authn",
  typed_config: {
    "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
    providers: { origins: { issuer: "https://issuer.example", local_jwks: { inline_string: "{\"keys\":[]}" } } },
  },
};
/** Packages a static HTTP proxy must not load (each costs ~10 MB resident). */
const HEAVY = /\/node_modules\/(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs|yaml|jose|undici|zod)\//;
const STEP_TIMEOUT_MS = 20_000;

const HOOKS = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  appendFileSync(process.env.MIZZEN_TEST_MODULE_LOG, url + "\\n");
  return next(url, context);
}
`;
const PRELOAD = `import { register, createRequire } from "node:module";
import { appendFileSync } from "node:fs";
register("./hooks.mjs", import.meta.url);
const require = createRequire(import.meta.url);
process.on("exit", () => appendFileSync(process.env.MIZZEN_TEST_MODULE_LOG, Object.keys(require.cache).join("\\n") + "\\n"));
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function bootstrap(port: number, httpFilters: unknown[]): unknown {
  return {
    node: { id: "lean-startup", cluster: "test" },
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      listeners: [{
        name: "http", address: { socket_address: { address: "127.0.0.1", port_value: port } },
        filter_chains: [{ filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: {
          "@type": HCM, stat_prefix: "lean",
          route_config: { name: "r", virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, direct_response: { status: 200, body: { inline_string: "lean" } } }] }] },
          http_filters: [...httpFilters, ROUTER],
        } }] }],
      }],
    },
  };
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, timeout: STEP_TIMEOUT_MS }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => { body += b.toString(); });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** Runs the proxy until it is LIVE, sends one request, stops it; returns the response and every module it loaded. */
async function runProxy(dir: string, name: string, httpFilters: unknown[]): Promise<{ status: number; body: string; modules: string[] }> {
  const port = await freePort();
  const file = join(dir, `${name}.json`);
  const log = join(dir, `${name}.modules`);
  writeFileSync(file, JSON.stringify(bootstrap(port, httpFilters)));
  writeFileSync(log, "");
  const child = spawn(process.execPath, ["--import", join(dir, "preload.mjs"), BIN, "proxy", "--bootstrap", file, "--admin-port", "0", "--drain-time-s", "0", "--no-metrics"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, MIZZEN_TEST_MODULE_LOG: log },
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stderr = "";
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`proxy not LIVE within ${STEP_TIMEOUT_MS} ms: ${stderr}`)), STEP_TIMEOUT_MS);
      child.stderr.on("data", (b: Buffer) => {
        stderr += b.toString();
        if (/ LIVE: /.test(stderr)) { clearTimeout(timer); resolve(); }
      });
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`proxy exited ${code}: ${stderr}`)); });
    });
    const res = await get(port);
    child.kill("SIGTERM");
    assert.equal(await exited, 0, stderr);
    return { ...res, modules: readFileSync(log, "utf8").split("\n").filter((l) => l !== "") };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

describe("mizzen proxy loads only what its configuration uses", () => {
  const dir = mkdtempSync(join(tmpdir(), "mizzen-lean-"));
  writeFileSync(join(dir, "hooks.mjs"), HOOKS);
  writeFileSync(join(dir, "preload.mjs"), PRELOAD);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("serves a static JSON bootstrap without gRPC, protobuf, YAML, jose, undici or zod", async () => {
    const r = await runProxy(dir, "static", []);
    assert.deepEqual([r.status, r.body], [200, "lean"]);
    // The observation works: the proxy's own modules are in the log.
    assert.ok(r.modules.some((m) => m.endsWith("/src/proxy/server/proxy-server.js")), r.modules.join("\n"));
    assert.deepEqual(r.modules.filter((m) => HEAVY.test(m)), []);
  });

  it("loads jose when a listener names the jwt_authn filter, and still no gRPC or protobuf", async () => {
    const r = await runProxy(dir, "jwt", [JWT_AUTHN]);
    assert.equal(r.status, 200, r.body); // no token, no requirement: the request passes
    assert.ok(r.modules.some((m) => m.includes("/node_modules/jose/")), "jose was not loaded");
    assert.deepEqual(r.modules.filter((m) => HEAVY.test(m) && !m.includes("/node_modules/jose/")), []);
  });
});
