// A pod's proxy process (Istio's pilot-agent + Envoy in one): writes the bootstrap from what the
// launcher put in its environment, runs `mizzen proxy --bootstrap <file>` in this process, and
// answers Istio's readiness probe on 15021 (/healthz/ready: 200 once the proxy's admin /ready
// does, i.e. its first CDS and LDS are applied). SIGTERM drains the proxy and exits 0.
//
// Environment: INSTANCE_IP, POD_NAME, POD_NAMESPACE, SERVICE_ACCOUNT (the launcher's), and
// MIZZEN_PROXY_ROLE (sidecar|router), MIZZEN_XDS_ADDRESS (host:port), MIZZEN_POD_LABELS (JSON), MIZZEN_POD_ANNOTATIONS (JSON),
// MIZZEN_WORKLOAD_NAME, MIZZEN_INTERCEPTION_MODE, MIZZEN_INBOUND_APP_ADDRESS, MIZZEN_HTTP_PROXY_PORT,
// MIZZEN_ADMIN_ADDRESS (host:port), MIZZEN_HEALTH_ADDRESS (host:port), MIZZEN_DRAIN_S (seconds to drain on SIGTERM: the
// pod's terminationDrainDuration, default 5),
// MIZZEN_STATIC_SECRETS (a JSON file of Envoy secrets served over SDS by the agent's xDS relay, followed as it changes), MIZZEN_PROXY_ARGS (JSON list of more `mizzen proxy` flags), MIZZEN_CA_RELAY (host:port of the CA,
// relayed from 127.0.0.1:15012 in the pod), MIZZEN_TRACE_RELAY (host:port of the trace store, relayed from the same port on the pod's 127.0.0.1).
import http from "node:http";
import { errorMessage } from "../../../errors.js";
import { mkdtempSync, readFileSync, rmSync, unwatchFile, watchFile, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { proxyCommand } from "../../../cli/commands/proxy.js";
import { probeHttp } from "../readiness.js";
import { nodeId, proxyBootstrap, type ProxyIdentity } from "./bootstrap.js";
import { CA_RELAY_PORT } from "./identity.js";
import { forwardPort } from "./port-forward.js";
import { startSdsRelay } from "./sds-relay.js";
import type { EnvoyJson } from "../../../proxy/contracts.js";

function readSecrets(file: string): Record<string, unknown>[] {
  const list = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(list)) throw new Error(`${file}: not a list of secrets`);
  return list as Record<string, unknown>[];
}

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
  const annotations = JSON.parse(env("MIZZEN_POD_ANNOTATIONS", "{}")) as Record<string, string>;
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
    annotations,
    serviceAccount: env("SERVICE_ACCOUNT", "default"),
    workloadName: env("MIZZEN_WORKLOAD_NAME", env("POD_NAME")),
    interceptionMode: mode,
    ...(app ? { inboundAppAddress: app } : {}),
    ...(httpProxyPort > 0 ? { httpProxyPort } : {}),
  };
}

/** Istio's /healthz/ready on 15021: the proxy's own readiness (admin /ready: 200 once LIVE). */
function healthServer(adminUrl: string): http.Server {
  return http.createServer((req, res) => {
    if (req.url !== "/healthz/ready") {
      res.writeHead(404).end();
      return;
    }
    void probeHttp(adminUrl).then((ok) => res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok\n" : "not ready\n"));
  });
}

async function main(): Promise<number> {
  const identity = identityFromEnv();
  // NONE: pods share the host's ports, so admin and health bind the pod address; in a pod's own
  // network namespace admin stays on localhost (as Istio) and health on every address.
  const none = identity.interceptionMode === "NONE";
  const adminAt = hostPort(env("MIZZEN_ADMIN_ADDRESS", none ? `${identity.ip}:15000` : "127.0.0.1:15000"));
  // Gateways: TLS credentials (credentialName) from the mesh's Secrets, served over SDS by the
  // agent's xDS relay and followed as the file changes (`mizzen apply` of a Secret).
  const secretsFile = process.env["MIZZEN_STATIC_SECRETS"];
  const credentials = secretsFile ? await startSdsRelay(env("MIZZEN_XDS_ADDRESS"), readSecrets(secretsFile), (m) => console.error(`pod agent: ${m}`)) : undefined;
  if (secretsFile && credentials) {
    watchFile(secretsFile, { interval: 500 }, () => {
      try {
        credentials.update(readSecrets(secretsFile));
        console.log("pod agent: gateway credentials changed; pushed over SDS");
      } catch (e) {
        console.error(`pod agent: gateway credentials: ${errorMessage(e)}`);
      }
    });
  }
  const xds = credentials ? { host: "127.0.0.1", port: credentials.port } : hostPort(env("MIZZEN_XDS_ADDRESS"));
  // Istio's stats_matcher, built by the supervisor from the mesh's and the pod's ProxyConfig.
  const statsMatcher = process.env["MIZZEN_STATS_MATCHER"];
  const bootstrap = proxyBootstrap({ identity, xds, admin: adminAt, ...(statsMatcher ? { statsMatcher: JSON.parse(statsMatcher) as EnvoyJson } : {}) });
  const dir = mkdtempSync(join(tmpdir(), "mizzen-pod-"));
  const file = join(dir, "envoy-rev.json");
  writeFileSync(file, `${JSON.stringify(bootstrap, null, 2)}\n`);
  console.log(`pod agent: ${identity.role} ${nodeId(identity)}, bootstrap ${file}`);
  const healthAt = hostPort(env("MIZZEN_HEALTH_ADDRESS", none ? `${identity.ip}:15021` : "0.0.0.0:15021"));
  const health = healthServer(`http://${adminAt.host}:${adminAt.port}/ready`);
  await new Promise<void>((resolve, reject) => {
    health.once("error", reject);
    health.listen(healthAt.port, healthAt.host, () => resolve());
  });
  // REDIRECT: the CA lives on the host (bridge gateway); its certificate names "localhost", so the
  // identity agent dials a relay on the pod's own loopback (as istiod.istio-system.svc would resolve).
  const relayTo = process.env["MIZZEN_CA_RELAY"];
  const relay = relayTo ? await forwardPort("127.0.0.1", CA_RELAY_PORT, () => hostPort(relayTo)) : undefined;
  // REDIRECT: spans go to 127.0.0.1:<port> (the demo's MeshConfig); the trace store is on the host.
  const traceTo = process.env["MIZZEN_TRACE_RELAY"];
  const traceRelay = traceTo ? await forwardPort("127.0.0.1", hostPort(traceTo).port, () => hostPort(traceTo)) : undefined;
  try {
    // The proxy is `mizzen proxy --bootstrap <file>` run in this process; it handles SIGTERM (drain).
    const extra = JSON.parse(process.env["MIZZEN_PROXY_ARGS"] ?? "[]") as string[];
    return await proxyCommand.run(["--bootstrap", file, "--drain-time-s", process.env["MIZZEN_DRAIN_S"] ?? "5", ...extra]);
  } finally {
    await relay?.close();
    await traceRelay?.close();
    if (secretsFile) unwatchFile(secretsFile);
    await credentials?.close();
    health.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`pod agent: ${errorMessage(e)}`);
    process.exit(1);
  },
);
