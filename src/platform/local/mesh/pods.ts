// What `mizzen up` runs as pods: the Deployments' pods (meshed, with a sidecar) and the gateways
// (Istio's istio-ingressgateway / istio-egressgateway in istio-system: a proxy in router mode, no
// sidecar and no capture). Also the sidecar container of a meshed pod.
import type { Resource } from "../../../config/resource.js";
import type { PodAddresses } from "../address-pool.js";
import type { ContainerSpec } from "../container-process.js";
import type { CaptureMode, SidecarContext } from "../local-platform.js";
import { podName, randomSuffix, templateHash } from "../pod-names.js";
import type { PodPlan } from "../pod-plan.js";
import { deploymentsOf } from "./config-dir.js";
import { planDeployment } from "../pod-plan.js";

export const POD_AGENT = new URL("./pod-agent.js", import.meta.url).pathname;

/** REDIRECT: the sidecar's forward proxy on 127.0.0.1 that the apps' HTTP_PROXY names. */
export const REDIRECT_HTTP_PROXY_PORT = 15080;
/** NONE: LocalPlatform's default HTTP_PROXY port on the pod address. */
export const NONE_HTTP_PROXY_PORT = 15001;

export interface GatewayKind {
  name: string;
  labels: Record<string, string>;
  serviceAccount: string;
}

export const INGRESS_GATEWAY: GatewayKind = {
  name: "istio-ingressgateway",
  labels: { app: "istio-ingressgateway", istio: "ingressgateway" },
  serviceAccount: "istio-ingressgateway-service-account",
};
export const EGRESS_GATEWAY: GatewayKind = {
  name: "istio-egressgateway",
  labels: { app: "istio-egressgateway", istio: "egressgateway" },
  serviceAccount: "istio-egressgateway-service-account",
};

export function isGatewayPod(labels: Record<string, string>): boolean {
  return labels["istio"] === "ingressgateway" || labels["istio"] === "egressgateway";
}

/** Whether any Istio config points at the egress gateway (a Gateway selecting it, a route through it). */
export function needsEgressGateway(resources: readonly Resource[]): boolean {
  return resources.some((r) => r.kind !== "Deployment" && r.kind !== "Service" && /istio-egressgateway|egressgateway/.test(JSON.stringify(r["spec"] ?? {})));
}

export function gatewayPlan(kind: GatewayKind, xds: string, captureMode: CaptureMode): PodPlan {
  const hash = templateHash(kind);
  return {
    name: podName(kind.name, hash, randomSuffix(Math.random)),
    namespace: "istio-system",
    deployment: kind.name,
    labels: { ...kind.labels, "pod-template-hash": hash },
    annotations: {},
    serviceAccount: kind.serviceAccount,
    containers: [{
      name: "istio-proxy",
      argv: [process.execPath, POD_AGENT],
      env: agentEnv({ role: "router", labels: kind.labels, workload: kind.name, xds, captureMode }),
      ports: [{ containerPort: 80, name: "http2" }, { containerPort: 443, name: "https" }],
    }],
  };
}

function agentEnv(o: { role: "sidecar" | "router"; labels: Record<string, string>; annotations?: Record<string, string>; workload: string; xds: string; captureMode: CaptureMode; appAddress?: string; httpProxyPort?: number }): Record<string, string> {
  const env: Record<string, string> = {
    MIZZEN_PROXY_ROLE: o.role,
    MIZZEN_POD_LABELS: JSON.stringify(o.labels),
    MIZZEN_WORKLOAD_NAME: o.workload,
    MIZZEN_XDS_ADDRESS: o.xds,
    MIZZEN_INTERCEPTION_MODE: o.captureMode,
  };
  if (o.annotations && Object.keys(o.annotations).length > 0) env["MIZZEN_POD_ANNOTATIONS"] = JSON.stringify(o.annotations);
  if (o.appAddress) env["MIZZEN_INBOUND_APP_ADDRESS"] = o.appAddress;
  if (o.httpProxyPort) env["MIZZEN_HTTP_PROXY_PORT"] = String(o.httpProxyPort);
  return env;
}

/** The sidecar (`istio-proxy`) of a meshed pod; gateways get none. */
export function sidecarFor(ctx: SidecarContext, xds: string, proxyArgs: readonly string[] = [], extraEnv: Record<string, string> = {}): ContainerSpec | undefined {
  if (isGatewayPod(ctx.pod.labels)) return undefined;
  const none = ctx.captureMode === "NONE";
  const a: PodAddresses = ctx.addresses;
  const spec: ContainerSpec = {
    name: "istio-proxy",
    argv: [process.execPath, POD_AGENT],
    env: agentEnv({
      role: "sidecar", labels: ctx.pod.labels, annotations: ctx.pod.annotations, workload: ctx.pod.deployment, xds, captureMode: ctx.captureMode,
      ...(none ? { appAddress: a.appAddress } : {}),
      httpProxyPort: none ? NONE_HTTP_PROXY_PORT : REDIRECT_HTTP_PROXY_PORT,
    }),

    readinessUrl: `http://${a.ip}:15021/healthz/ready`,
  };
  if (proxyArgs.length > 0) spec.env["MIZZEN_PROXY_ARGS"] = JSON.stringify(proxyArgs);
  Object.assign(spec.env, extraEnv);
  return spec;
}

/** More `mizzen proxy` flags for a gateway pod's proxy (its only container). */
export function setProxyArgs(plan: PodPlan, proxyArgs: readonly string[], extraEnv: Record<string, string> = {}): void {
  for (const c of plan.containers) c.env = { ...c.env, ...extraEnv, MIZZEN_PROXY_ARGS: JSON.stringify(proxyArgs) };
}

/**
 * The pods of the Deployments. REDIRECT capture is transparent both ways: the app resolves mesh
 * names through the sidecar's DNS proxy (captured port 53) and its connections are redirected to
 * the sidecar (15001). MIZZEN_REDIRECT_HTTP_PROXY=1 makes the apps use the sidecar's forward proxy
 * (HTTP_PROXY=http://127.0.0.1:15080) instead.
 */
export function deploymentPlans(resources: readonly Resource[], captureMode: CaptureMode, httpProxy = process.env["MIZZEN_REDIRECT_HTTP_PROXY"] === "1"): PodPlan[] {
  const plans = deploymentsOf(resources).flatMap((d) => planDeployment(d));
  if (captureMode === "REDIRECT" && httpProxy) {
    for (const p of plans) {
      p.containers = p.containers.map((c) => ({ ...c, env: { HTTP_PROXY: `http://127.0.0.1:${REDIRECT_HTTP_PROXY_PORT}`, ...c.env } }));
    }
  }
  return plans;
}
