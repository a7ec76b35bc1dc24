// A pod's proxy process (Istio's pilot-agent + Envoy in one): builds the bootstrap from what the
// launcher put in its environment, runs the proxy server from it (the same server as
// `mizzen proxy --bootstrap`), and answers Istio's readiness probe on 15021 (/healthz/ready: 200
// once the proxy is LIVE, i.e. its first CDS and LDS are applied). SIGTERM drains and exits 0.
//
// Environment: INSTANCE_IP, POD_NAME, POD_NAMESPACE, SERVICE_ACCOUNT (the launcher's), and
// MIZZEN_PROXY_ROLE (sidecar|router), MIZZEN_XDS_ADDRESS (host:port), MIZZEN_POD_LABELS (JSON),
// MIZZEN_WORKLOAD_NAME, MIZZEN_INTERCEPTION_MODE, MIZZEN_INBOUND_APP_ADDRESS, MIZZEN_HTTP_PROXY_PORT,
// MIZZEN_ADMIN_ADDRESS (host:port), MIZZEN_HEALTH_ADDRESS (host:port), MIZZEN_DRAIN_MS.
import http from "node:http";
import { errorMessage } from "../../../errors.js";
import { ProxyServer } from "../../../proxy/server/proxy-server.js";
import { logger } from "../../../proxy/server/logger.js";
import { proxyBootstrap, type ProxyIdentity } from "./bootstrap.js";

function env(name: string, fallback?: string): string {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === "") throw new Error(`pod agent: ${name} is not set`);
  return v;
}

function hostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(":");
  const port = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`pod agent: "${text}" is not host:port`);
  return { host: text.slice(0, i), port };
}

function identityFromEnv(): ProxyIdentity {
  const labels = JSON.parse(env("MIZZEN_POD_LABELS", "{}")) as Record<string, string>;
  const mode = env("MIZZEN_INTERCEPTION_MODE", "REDIRECT") === "NONE" ? "NONE" : "REDIRECT";
  const role = env("MIZZEN_PROXY_ROLE", "sidecar") === "router" ? "router" : "sidecar";
  const app = process.env["MIZZEN_INBOUND_APP_ADDRESS"];
  const httpProxyPort = Number(process.env["MIZZEN_HTTP_PROXY_PORT"] ?? "0");
  return {
    role,
    podName: env("POD_NAME"),
    namespace: env("POD_NAMESPACE", "default"),
    ip: env("INSTANCE_IP"),
    labels,
    serviceAccount: env("SERVICE_ACCOUNT", "default"),
    workloadName: env("MIZZEN_WORKLOAD_NAME", env("POD_NAME")),
    interceptionMode: mode,
    ...(app ? { inboundAppAddress: app } : {}),
    ...(httpProxyPort > 0 ? { httpProxyPort } : {}),
  };
}

async function main(): Promise<number> {
  const identity = identityFromEnv();
  // NONE: pods share the host's ports, so admin and health bind the pod address; in a pod's own
  // network namespace admin stays on localhost (as Istio) and health on every address.
  const none = identity.interceptionMode === "NONE";
  const adminAt = hostPort(env("MIZZEN_ADMIN_ADDRESS", none ? `${identity.ip}:15000` : "127.0.0.1:15000"));
  const bootstrap = proxyBootstrap({ identity, xds: hostPort(env("MIZZEN_XDS_ADDRESS")), admin: adminAt });
  console.log(`bootstrap ${JSON.stringify(bootstrap)}`);
  let quit: (code: number) => void = () => undefined;
  const done = new Promise<number>((r) => { quit = r; });
  const server: ProxyServer = new ProxyServer({
    bootstrap,
    drainTimeMs: Number(process.env["MIZZEN_DRAIN_MS"] ?? "2000"),
    onQuit: () => void server.shutdown(0).then(() => quit(0)),
  });
  const health = http.createServer((req, res) => {
    const ok = req.url === "/healthz/ready" && server.state === "LIVE";
    res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok\n" : `${server.state}\n`);
  });
  const healthAt = hostPort(env("MIZZEN_HEALTH_ADDRESS", none ? `${identity.ip}:15021` : "0.0.0.0:15021"));
  await new Promise<void>((resolve, reject) => {
    health.once("error", reject);
    health.listen(healthAt.port, healthAt.host, () => resolve());
  });
  await server.start();
  const stop = (sig: string): void => {
    logger.info(`${sig}: draining`);
    health.close();
    void server.shutdown().then(() => quit(0), (e: unknown) => { logger.error(errorMessage(e)); quit(1); });
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return done;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`pod agent: ${errorMessage(e)}`);
    process.exit(1);
  },
);
